//! Property tests of the hook-tool data the SDK parses tool output into: ports, names,
//! relation ids, secret URIs, and the JSON shapes of `network-get`, `status-get`,
//! `secret-info-get`, `goal-state` and `storage-get`. Any input gives an error or a value,
//! never a panic; a valid value prints back to text that parses to the same value.
//! Cases: `PROPTEST_CASES` or 2000.

use std::collections::BTreeMap;

use juju_model::tools::{
    parse_relation_ids, valid_action_key, valid_secret_key, AppStatusInfo, GoalState, Network, Port, SecretInfo,
    StatusInfo, StorageInfo,
};
use juju_model::{AppName, RelationId, SecretUri, UnitName};
use proptest::prelude::*;

fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default);
    // Failures print the minimal input; no regression file is written next to the tests.
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text near the shapes these parsers expect, or anything.
fn near_text() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => any::<String>(),
        2 => "[0-9a-z/:+ (),*-]{0,24}",
        1 => "[a-z][a-z0-9-]{0,10}/[0-9]{1,12}",
        1 => "[0-9]{1,6}(-[0-9]{1,6})?(/(tcp|udp|sctp))?( \\([a-z,*]*\\))?",
        1 => "secret:(//[a-f0-9-]{0,12}/)?[a-z0-9]{0,20}",
    ]
}

fn port() -> impl Strategy<Value = Port> {
    prop_oneof![
        (1..=u16::MAX).prop_map(Port::Tcp),
        (1..=u16::MAX).prop_map(Port::Udp),
        (1..=u16::MAX, 1..=u16::MAX).prop_map(|(a, b)| Port::TcpRange(a.min(b), a.max(b))),
        (1..=u16::MAX, 1..=u16::MAX).prop_map(|(a, b)| Port::UdpRange(a.min(b), a.max(b))),
        Just(Port::Icmp),
    ]
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn text_parsers_never_panic(text in near_text(), list in prop::collection::vec(near_text(), 0..4)) {
        let _ = text.parse::<Port>();
        let _ = UnitName::new(&text);
        let _ = AppName::new(text.clone());
        let _ = RelationId::parse(&text);
        if let Ok(uri) = SecretUri::new(text.clone()) {
            let _ = uri.id();
            prop_assert!(uri.same_secret(&uri));
        }
        let _ = parse_relation_ids(&list);
        let _ = valid_secret_key(&text);
        let _ = valid_action_key(&text);
    }

    #[test]
    fn valid_values_print_back_to_themselves(
        port in port(),
        endpoints in "( \\([a-z,*]{0,12}\\))?",
        app in "[a-z][a-z0-9]{0,6}(-[a-z][a-z0-9]{0,4}){0,2}",
        n in any::<u32>(),
        id in any::<u32>(),
    ) {
        prop_assert_eq!(format!("{port}{endpoints}").parse::<Port>(), Ok(port));
        let app = AppName::new(app).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let unit = app.unit(n);
        prop_assert_eq!(UnitName::new(&unit.to_string()), Ok(unit.clone()));
        prop_assert_eq!(unit.app(), &app);
        prop_assert_eq!(RelationId::parse(&format!("{app}:{id}")), Ok(RelationId(id)));
        prop_assert_eq!(parse_relation_ids(&[format!("db:{id}"), id.to_string()]), Ok(vec![RelationId(id); 2]));
    }

    #[test]
    fn tool_json_shapes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..96), text in any::<String>()) {
        for input in [bytes.as_slice(), text.as_bytes()] {
            let _ = serde_json::from_slice::<Network>(input);
            let _ = serde_json::from_slice::<StatusInfo>(input);
            let _ = serde_json::from_slice::<AppStatusInfo>(input);
            let _ = serde_json::from_slice::<BTreeMap<String, SecretInfo>>(input);
            let _ = serde_json::from_slice::<GoalState>(input);
            let _ = serde_json::from_slice::<StorageInfo>(input);
        }
    }

    #[test]
    fn network_get_output_yields_its_first_addresses(
        value in "[0-9.]{1,15}",
        ingress in prop::collection::vec("[0-9.]{1,15}", 0..3),
    ) {
        let json = serde_json::json!({
            "bind-addresses": [{"mac-address": "", "interface-name": "eth0",
                                "addresses": [{"hostname": "", "value": value, "cidr": ""}]}],
            "egress-subnets": [],
            "ingress-addresses": ingress,
        });
        let network: Network = serde_json::from_value(json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(network.bind_address(), Some(value.as_str()));
        prop_assert_eq!(network.ingress_address(), ingress.first().map(String::as_str));
    }
}
