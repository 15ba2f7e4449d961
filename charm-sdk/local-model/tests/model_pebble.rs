//! Pebble under the model: services really run (two units on one port, each on its own
//! address), are restarted when they die, exec and files work in the container's sandbox
//! (storage mounted, the model's /etc/hosts), and notices and checks wake the charm.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{eventually, http_get, web_charm, Model};

#[test]
fn pebble_workloads_run_restart_and_wake_the_charm() {
    let charm = web_charm();
    let model = Model::up("1h");
    model.ok(&["deploy", charm.to_str().unwrap(), "web", "-n", "2"]);
    model.idle();

    let status = model.status();
    let address = |unit: &str| {
        status["applications"]["web"]["units"][unit]["address"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (a0, a1) = (address("web/0"), address("web/1"));
    assert_ne!(a0, a1);
    assert_eq!(
        status["applications"]["web"]["units"]["web/1"]["workload-status"]["message"],
        format!("serving {a1}:8080")
    );
    // Same port, different addresses, real processes.
    for (unit, addr) in [("web/0", &a0), ("web/1", &a1)] {
        eventually(20, "the web service to answer", || {
            http_get(addr, 8080, "/index.html").as_deref() == Some(&format!("web {unit}\n"))
        });
        assert!(model.events(unit).iter().any(|e| e == "web-pebble-ready"), "{unit}");
    }

    // Exec runs in the container's sandbox: its storage, its hostname, the model's hosts.
    let out = support::results(&model.ok(&[
        "run",
        "web/0",
        "exec",
        "command=cat /srv/www/index.html; hostname; grep web-1.web-endpoints /etc/hosts",
    ]));
    let output = &out["output"];
    assert!(output.contains("web web/0"), "{output}");
    assert!(output.contains("web-0\n"), "{output}");
    assert!(output.contains(&format!("{a1}\tweb-1.web-endpoints.")), "{output}");

    // A killed service is restarted by Pebble (the PID is the one the service wrote).
    let pid_file = model.path().join("units/web-0/storage/content-0/pid");
    let pid = std::fs::read_to_string(&pid_file).unwrap().trim().to_owned();
    let killed = std::process::Command::new("kill").args(["-9", &pid]).status().unwrap();
    assert!(killed.success());
    eventually(20, "the service to come back with a new PID", || {
        let now = std::fs::read_to_string(&pid_file).unwrap_or_default();
        now.trim() != pid && http_get(&a0, 8080, "/index.html").is_some()
    });

    // A custom notice wakes the charm with its key.
    model.ok(&["run", "web/0", "notify", "key=example.com/greet"]);
    eventually(20, "the custom notice hook", || {
        model
            .events("web/0")
            .iter()
            .any(|e| e == "web-pebble-custom-notice example.com/greet")
    });

    // A failing check wakes the charm, which repairs the file; the check recovers.
    std::fs::remove_file(model.path().join("units/web-1/storage/content-1/healthy")).unwrap();
    eventually(30, "check-failed then check-recovered", || {
        let events = model.events("web/1");
        let failed = events.iter().position(|e| e == "web-pebble-check-failed healthy");
        let recovered = events.iter().rposition(|e| e == "web-pebble-check-recovered healthy");
        matches!((failed, recovered), (Some(f), Some(r)) if f < r)
    });

    // Removing a unit stops its workload.
    model.ok(&["remove-unit", "web/1"]);
    model.idle();
    eventually(20, "web/1's service to stop", || http_get(&a1, 8080, "/").is_none());
    assert!(http_get(&a0, 8080, "/index.html").is_some());

    // destroy stops everything it started.
    let pid = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse::<i32>()
        .unwrap();
    let out = std::process::Command::new(support::bin())
        .arg("destroy")
        .arg(model.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "the service outlived destroy"
    );
    assert!(http_get(&a0, 8080, "/").is_none());
}
