//! The provider's `status` list: conditions it raises on a relation for the requirer to
//! show or act on (`raise_status` / `resolve_status` in the library).
//!
//! The value is `json.dumps([asdict(s) for s in sorted by code])`, each item
//! `{"code": int, "message": str, "resolution": str}` in that key order.

use juju_model::Databag;
use serde::{Deserialize, Serialize};

use super::protocol::STATUS;
use crate::error::{kind_of, BagSide, Error, RelationLabel};
use crate::pyjson;

/// One raised condition. Codes `1xxx` are informational, `4xxx` transitory, `5xxx` fatal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationStatus {
    /// The code.
    pub code: i64,
    /// What happened.
    pub message: String,
    /// What to do about it.
    pub resolution: String,
}

impl RelationStatus {
    /// `code // 1000 == 5`: the relation must be removed.
    pub fn is_fatal(&self) -> bool {
        self.code / 1000 == 5
    }
}

/// The `status` value for `statuses`, sorted by code (duplicates: the last wins).
pub fn encode_statuses(statuses: &[RelationStatus]) -> String {
    let mut by_code: std::collections::BTreeMap<i64, &RelationStatus> = Default::default();
    for s in statuses {
        by_code.insert(s.code, s);
    }
    let list: Vec<&RelationStatus> = by_code.into_values().collect();
    pyjson::dumps(&list).unwrap_or_else(|_| "[]".to_owned())
}

/// Reads the provider's `status` key (absent: no statuses).
pub fn decode_statuses(bag: &Databag, relation: &RelationLabel) -> Result<Vec<RelationStatus>, Error> {
    let Some(text) = bag.get(STATUS).filter(|t| !t.is_empty()) else {
        return Ok(Vec::new());
    };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Error::malformed(relation, BagSide::RemoteApp, STATUS, &e))?;
    if !value.is_array() {
        return Err(Error::wrong_type(
            relation,
            BagSide::RemoteApp,
            STATUS,
            "a JSON list of {code, message, resolution}",
            kind_of(&value),
        ));
    }
    serde_json::from_value(value).map_err(|_| {
        Error::wrong_type(
            relation,
            BagSide::RemoteApp,
            STATUS,
            "a JSON list of {code, message, resolution}",
            "a list of other objects",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_sorted_python_json() {
        let s = |code| RelationStatus {
            code,
            message: "m".into(),
            resolution: "r".into(),
        };
        assert_eq!(
            encode_statuses(&[s(4001), s(1000)]),
            r#"[{"code": 1000, "message": "m", "resolution": "r"}, {"code": 4001, "message": "m", "resolution": "r"}]"#
        );
        let bag: Databag = [(STATUS.to_owned(), encode_statuses(&[s(5000)]))].into();
        let label = RelationLabel::from_parts("database", 2, None);
        assert!(decode_statuses(&bag, &label).unwrap()[0].is_fatal());
    }
}
