//! certificate_transfer databags as the Python libraries write them.
//!
//! v1 (charmlibs `_certificate_transfer.py`): a pydantic `DatabagModel` dumped with
//! `exclude_defaults=False`, so `version` is always there and an empty set is `"[]"`.
//! The provider app bag is `certificates` (JSON list from a Python `set`: order arbitrary,
//! we sort) and `version` `"1"`; the requirer app bag is `version` `"1"`.
//! The v0 fallback is the provider's *unit* bag: the v1 library JSON-encodes `ca`,
//! `certificate`, `chain` and writes `version` `"0"`; the old v0 library wrote `ca` and
//! `certificate` as plain PEM text and only `chain` as JSON. Reads accept both.

use std::collections::BTreeSet;

use juju_model::Databag;

use crate::error::Error;
use crate::pyjson;

/// The `version` key (both sides).
pub const VERSION_KEY: &str = "version";
/// The provider's v1 app key.
pub const CERTIFICATES_KEY: &str = "certificates";
/// The provider's v0 unit keys.
pub const V0_KEYS: [&str; 4] = ["ca", "certificate", "chain", "version"];

/// The requirer's app bag: `{"version": "1"}`.
pub fn requirer_app_bag() -> Databag {
    [(VERSION_KEY.to_owned(), "1".to_owned())].into()
}

/// Whether a requirer app bag announces v1 (the provider's test: `version == "1"`).
pub fn requirer_speaks_v1(bag: &Databag) -> bool {
    bag.get(VERSION_KEY).map(String::as_str) == Some("1")
}

/// The provider's v1 app bag for a set of PEMs.
pub fn provider_app_bag(certificates: &BTreeSet<String>) -> Result<Databag, Error> {
    let list: Vec<&String> = certificates.iter().collect();
    let text = pyjson::dumps(&list).map_err(|e| Error::crypto("json encoding", e))?;
    Ok([
        (CERTIFICATES_KEY.to_owned(), text),
        (VERSION_KEY.to_owned(), "1".to_owned()),
    ]
    .into())
}

/// The provider's v0 unit bag, as the v1 library writes it (`ca` = `certificate` = the
/// first certificate, `chain` = all). Empty set: every key deleted.
pub fn provider_unit_bag_v0(certificates: &BTreeSet<String>) -> Result<Databag, Error> {
    let Some(first) = certificates.iter().next() else {
        return Ok(V0_KEYS.iter().map(|k| ((*k).to_owned(), String::new())).collect());
    };
    let chain: Vec<&String> = certificates.iter().collect();
    let chain = pyjson::dumps(&chain).map_err(|e| Error::crypto("json encoding", e))?;
    Ok([
        ("ca".to_owned(), pyjson::dumps_str(first)),
        ("certificate".to_owned(), pyjson::dumps_str(first)),
        ("chain".to_owned(), chain),
        (VERSION_KEY.to_owned(), "0".to_owned()),
    ]
    .into())
}

/// The certificates of a provider's v1 app bag (`None` when the key is absent).
pub fn read_app_bag(bag: &Databag, what: &str) -> Result<Option<BTreeSet<String>>, Error> {
    let Some(text) = bag.get(CERTIFICATES_KEY) else {
        return Ok(None);
    };
    let list: Vec<String> =
        serde_json::from_str(text).map_err(|e| Error::remote(format!("{what} key \"certificates\""), e))?;
    Ok(Some(list.into_iter().collect()))
}

/// The CA certificates of a provider's v0 unit bag: `chain` plus `ca`, each value JSON
/// (v1 library) or plain text (v0 library).
pub fn read_unit_bag_v0(bag: &Databag, what: &str) -> Result<BTreeSet<String>, Error> {
    let mut out = BTreeSet::new();
    if let Some(chain) = bag.get("chain") {
        let list: Vec<String> =
            serde_json::from_str(chain).map_err(|e| Error::remote(format!("{what} key \"chain\""), e))?;
        out.extend(list);
    }
    if let Some(ca) = bag.get("ca") {
        out.insert(json_or_plain(ca));
    }
    Ok(out)
}

fn json_or_plain(value: &str) -> String {
    match serde_json::from_str::<String>(value) {
        Ok(s) => s,
        Err(_) => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_and_v0_shapes() {
        let set: BTreeSet<String> = ["B".to_owned(), "A".to_owned()].into();
        let app = provider_app_bag(&set).unwrap();
        assert_eq!(app["certificates"], r#"["A", "B"]"#);
        assert_eq!(app["version"], "1");
        let empty = provider_app_bag(&BTreeSet::new()).unwrap();
        assert_eq!(empty["certificates"], "[]");
        let unit = provider_unit_bag_v0(&set).unwrap();
        assert_eq!(unit["ca"], r#""A""#);
        assert_eq!(unit["chain"], r#"["A", "B"]"#);
        assert_eq!(unit["version"], "0");
        assert_eq!(read_unit_bag_v0(&unit, "t").unwrap(), set);
        assert_eq!(read_app_bag(&app, "t").unwrap(), Some(set));
    }

    #[test]
    fn v0_library_plain_text_is_read() {
        let bag: Databag = [
            ("ca".to_owned(), "PEM-CA".to_owned()),
            ("chain".to_owned(), r#"["PEM-I"]"#.to_owned()),
        ]
        .into();
        let got = read_unit_bag_v0(&bag, "t").unwrap();
        assert_eq!(got, ["PEM-CA".to_owned(), "PEM-I".to_owned()].into());
    }
}
