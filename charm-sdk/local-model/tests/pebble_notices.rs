//! Notices of the local model's Pebble, driven by the SDK's client: a custom notice becomes
//! a `CustomNotice` event (again when it repeats), filters, the `after` long-poll, Pebble's
//! key rules, and the change-update notices that changes record.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod pebble_common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use charm_sdk::pebble::{NoticeFilter, Pebble};
use local_model::pebble::PebbleEvent;
use pebble_common::{http_get, need_root, Harness};

#[test]
fn custom_notices_become_events() {
    if !need_root() {
        return;
    }
    let harness = Harness::start();
    let client = harness.client();
    let data = BTreeMap::from([("path".to_owned(), "/var/lib/zookeeper".to_owned())]);
    let id = client.notify("example.com/restarted", &data).unwrap();
    let event = harness
        .wait_event(Duration::from_secs(2), |e| {
            matches!(e, PebbleEvent::CustomNotice { .. })
        })
        .unwrap();
    assert_eq!(
        event,
        PebbleEvent::CustomNotice {
            sandbox: "unit-0/workload".into(),
            id: id.clone(),
            key: "example.com/restarted".into(),
        }
    );
    let again = client.notify("example.com/restarted", &BTreeMap::new()).unwrap();
    assert_eq!(again, id, "same key, same notice");
    assert!(harness
        .wait_event(
            Duration::from_secs(2),
            |e| matches!(e, PebbleEvent::CustomNotice { id: i, .. } if *i == id)
        )
        .is_some());

    let filter = NoticeFilter {
        types: vec!["custom".into()],
        ..NoticeFilter::default()
    };
    let notices = client.get_notices(&filter).unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].occurrences, 2);
    assert_eq!(notices[0].user_id, Some(0), "recorded for the caller's UID");
    assert!(notices[0].last_data.is_empty());

    let err = client.notify("not-a-key", &BTreeMap::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"invalid key "not-a-key" (must be in "example.com/path" format)"#
    );

    // Long-poll: a waiter with `after` set to the last notice wakes on the next one.
    let after = notices[0].last_repeated.clone();
    let socket = harness.socket.clone();
    let waiter = std::thread::spawn(move || {
        let started = Instant::now();
        let path = format!(
            "/v1/notices?types=custom&after={}&timeout=10s",
            after.replace('+', "%2B")
        );
        (http_get(&socket, &path), started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(300));
    client.notify("example.com/other", &BTreeMap::new()).unwrap();
    let ((status, body), waited) = waiter.join().unwrap();
    assert_eq!(status, 200);
    assert!(
        body.contains("example.com/other") && !body.contains("example.com/restarted"),
        "{body}"
    );
    assert!(waited < Duration::from_secs(5));
    harness.shutdown();
}

#[test]
fn changes_record_change_update_notices() {
    if !need_root() {
        return;
    }
    let harness = Harness::start();
    harness.add_layer("services:\n  s:\n    override: replace\n    command: sleep 1000\n");
    let client = harness.client();
    client.start_services(&["s"]).unwrap();
    let filter = NoticeFilter {
        types: vec!["change-update".into()],
        ..NoticeFilter::default()
    };
    let notices = client.get_notices(&filter).unwrap();
    assert!(!notices.is_empty());
    assert_eq!(notices[0].last_data.get("kind").map(String::as_str), Some("start"));
    let (status, body) = http_get(&harness.socket, "/v1/changes?select=all");
    assert_eq!(status, 200);
    assert!(body.contains(r#""summary":"Start service \"s\"""#), "{body}");
    assert!(body.contains(r#""status":"Done""#), "{body}");
    harness.shutdown();
}
