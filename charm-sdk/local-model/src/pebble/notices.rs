//! Notices: deduplicated records that something happened (`internals/overlord/state/notices.go`).
//!
//! A notice is unique per (user, type, key); a new occurrence bumps `occurrences`, replaces
//! `last-data` and — unless `repeat-after` has not elapsed — moves `last-repeated`, which is
//! what `GET /v1/notices?after=` filters on and what makes Juju fire a
//! `<container>-pebble-custom-notice` hook again. Change-update notices (key = change id) are
//! recorded whenever a change's status changes.

use std::time::{Duration, SystemTime};

use serde_json::{json, Map, Value};

use super::timefmt::rfc3339_nano;

/// Notices expire a week after their last occurrence (not enforced here: nothing lives that long).
const DEFAULT_EXPIRE_AFTER: &str = "168h0m0s";
/// Pebble's limit on custom keys.
pub(crate) const MAX_KEY_LENGTH: usize = 256;
/// Pebble's limit on the JSON text of `data`.
pub(crate) const MAX_DATA_SIZE: usize = 4 * 1024;

/// One notice.
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    pub(crate) id: String,
    pub(crate) user_id: Option<u32>,
    pub(crate) notice_type: String,
    pub(crate) key: String,
    pub(crate) first_occurred: SystemTime,
    pub(crate) last_occurred: SystemTime,
    pub(crate) last_repeated: SystemTime,
    pub(crate) occurrences: u64,
    pub(crate) last_data: Map<String, Value>,
    pub(crate) repeat_after: Option<Duration>,
}

impl Notice {
    /// The API JSON.
    pub(crate) fn to_json(&self) -> Value {
        let mut value = json!({
            "id": self.id, "user-id": self.user_id, "type": self.notice_type, "key": self.key,
            "first-occurred": rfc3339_nano(self.first_occurred),
            "last-occurred": rfc3339_nano(self.last_occurred),
            "last-repeated": rfc3339_nano(self.last_repeated),
            "occurrences": self.occurrences,
            "expire-after": DEFAULT_EXPIRE_AFTER,
        });
        if !self.last_data.is_empty() {
            value["last-data"] = Value::Object(self.last_data.clone());
        }
        if let Some(repeat) = self.repeat_after {
            value["repeat-after"] = json!(juju_model::pebble::GoDuration::from_std(repeat).to_string());
        }
        value
    }
}

/// Which notices a query wants.
#[derive(Debug, Clone, Default)]
pub(crate) struct NoticeFilter {
    /// Notices visible to this user (plus public ones); `None`: all users.
    pub(crate) user_id: Option<u32>,
    pub(crate) types: Vec<String>,
    pub(crate) keys: Vec<String>,
    pub(crate) after: Option<SystemTime>,
}

impl NoticeFilter {
    fn matches(&self, notice: &Notice) -> bool {
        if let Some(uid) = self.user_id {
            if notice.user_id.is_some_and(|n| n != uid) {
                return false;
            }
        }
        if !self.types.is_empty() && !self.types.contains(&notice.notice_type) {
            return false;
        }
        if !self.keys.is_empty() && !self.keys.contains(&notice.key) {
            return false;
        }
        self.after.is_none_or(|after| notice.last_repeated > after)
    }
}

/// All notices of one Pebble.
#[derive(Debug, Default)]
pub(crate) struct Notices {
    notices: Vec<Notice>,
    last_id: u64,
}

/// The result of recording an occurrence.
pub(crate) struct Added {
    pub(crate) id: String,
    /// New or repeated (moved `last-repeated`): what wakes waiters and Juju.
    pub(crate) repeated: bool,
}

impl Notices {
    /// Records an occurrence (Pebble's `State.AddNotice`).
    pub(crate) fn add(
        &mut self,
        user_id: Option<u32>,
        notice_type: &str,
        key: &str,
        data: Map<String, Value>,
        repeat_after: Option<Duration>,
    ) -> Added {
        let now = SystemTime::now();
        if let Some(notice) = self
            .notices
            .iter_mut()
            .find(|n| n.user_id == user_id && n.notice_type == notice_type && n.key == key)
        {
            notice.occurrences += 1;
            let repeated = match repeat_after {
                None => true,
                Some(after) => now > notice.last_repeated + after,
            };
            if repeated {
                notice.last_repeated = now;
            }
            notice.last_occurred = now;
            notice.last_data = data;
            notice.repeat_after = repeat_after;
            return Added {
                id: notice.id.clone(),
                repeated,
            };
        }
        self.last_id += 1;
        let id = self.last_id.to_string();
        self.notices.push(Notice {
            id: id.clone(),
            user_id,
            notice_type: notice_type.to_owned(),
            key: key.to_owned(),
            first_occurred: now,
            last_occurred: now,
            last_repeated: now,
            occurrences: 1,
            last_data: data,
            repeat_after,
        });
        Added { id, repeated: true }
    }

    /// Matching notices, oldest `last-repeated` first.
    pub(crate) fn query(&self, filter: &NoticeFilter) -> Vec<&Notice> {
        let mut found: Vec<&Notice> = self.notices.iter().filter(|n| filter.matches(n)).collect();
        found.sort_by_key(|n| n.last_repeated);
        found
    }

    /// One notice by id.
    pub(crate) fn get(&self, id: &str) -> Option<&Notice> {
        self.notices.iter().find(|n| n.id == id)
    }
}

/// Pebble's custom key rule: `^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)+(/[a-z0-9]+(-[a-z0-9]+)*)+$`.
pub(crate) fn valid_custom_key(key: &str) -> bool {
    let word = |w: &str| {
        !w.is_empty()
            && w.split('-')
                .all(|p| !p.is_empty() && p.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9')))
    };
    let mut segments = key.split('/');
    let domain = segments.next().unwrap_or_default();
    let paths: Vec<&str> = segments.collect();
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2 && labels.iter().all(|l| word(l)) && !paths.is_empty() && paths.iter().all(|p| word(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occurrences_and_repeat_after() {
        let mut notices = Notices::default();
        let a = notices.add(Some(0), "custom", "example.com/a", Map::new(), None);
        assert!(a.repeated);
        let again = notices.add(Some(0), "custom", "example.com/a", Map::new(), None);
        assert_eq!(again.id, a.id);
        assert!(again.repeated);
        let held = notices.add(
            Some(0),
            "custom",
            "example.com/a",
            Map::new(),
            Some(Duration::from_secs(3600)),
        );
        assert!(!held.repeated);
        assert_eq!(notices.get(&a.id).map(|n| n.occurrences), Some(3));
        let filter = NoticeFilter {
            user_id: Some(1000),
            ..NoticeFilter::default()
        };
        assert!(notices.query(&filter).is_empty());
        assert!(valid_custom_key("example.com/a-b/c"));
        assert!(!valid_custom_key("example/a") && !valid_custom_key("Example.com/a"));
    }
}
