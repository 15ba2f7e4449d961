//! Turning hook tool stdout into typed values, in Juju's JSON shapes (juju-contract.md §2.2).
//!
//! Parsing is separate from running so realistic outputs can be tested without processes,
//! and so one place decides what an unexpected output becomes: a [`ToolErrorKind::BadOutput`]
//! error. Outputs that may hold secret values (`secret-get`, `credential-get`,
//! `action-get`) are never quoted in those errors, not even through serde's message (which
//! can echo a value), only the position of the problem.
//!
//! Juju prints `null` for an empty map or list in some versions (`state-get` on Juju 4), so
//! the map and list parsers accept `null` as empty.

use std::collections::BTreeMap;
use std::path::PathBuf;

use juju_model::tools::{parse_relation_ids, Port, SecretInfo};
use juju_model::{AppName, RelationId, SecretUri, UnitName};
use serde::de::DeserializeOwned;

use crate::backend::{HookToolError, ToolErrorKind, ToolResult};

/// Longest piece of stdout quoted in a non-sensitive error message.
const QUOTE_LIMIT: usize = 200;

/// A `BadOutput` error for `tool`.
pub(crate) fn bad_output(tool: &str, message: impl Into<String>) -> HookToolError {
    HookToolError {
        tool: tool.to_owned(),
        kind: ToolErrorKind::BadOutput,
        message: message.into(),
        code: Some(0),
    }
}

fn quote(stdout: &[u8]) -> String {
    let text = String::from_utf8_lossy(stdout);
    let text = text.trim();
    match text.char_indices().nth(QUOTE_LIMIT) {
        Some((cut, _)) => format!("{:?}…", &text[..cut]),
        None => format!("{text:?}"),
    }
}

/// Parses stdout as JSON into `T`.
pub(crate) fn json<T: DeserializeOwned>(tool: &str, stdout: &[u8], sensitive: bool) -> ToolResult<T> {
    serde_json::from_slice(stdout).map_err(|err| {
        let what = std::any::type_name::<T>().rsplit("::").next().unwrap_or("value");
        if sensitive {
            bad_output(
                tool,
                format!(
                    "unexpected output ({:?} error at line {} column {} while reading {what}; \
                     output not shown because it may hold secret values)",
                    err.classify(),
                    err.line(),
                    err.column()
                ),
            )
        } else {
            bad_output(tool, format!("unexpected output {}: {err}", quote(stdout)))
        }
    })
}

/// Parses stdout as JSON into `T`, reading `null` as `T::default()`.
pub(crate) fn json_or_default<T: DeserializeOwned + Default>(
    tool: &str,
    stdout: &[u8],
    sensitive: bool,
) -> ToolResult<T> {
    json::<Option<T>>(tool, stdout, sensitive).map(Option::unwrap_or_default)
}

/// `relation-ids`: `["db:3", "db:7"]`.
pub(crate) fn relation_ids(stdout: &[u8]) -> ToolResult<Vec<RelationId>> {
    let ids: Vec<String> = json_or_default("relation-ids", stdout, false)?;
    parse_relation_ids(&ids).map_err(|e| bad_output("relation-ids", e.to_string()))
}

/// `relation-list`: `["mysql/0", "mysql/1"]`.
pub(crate) fn units(stdout: &[u8]) -> ToolResult<Vec<UnitName>> {
    let names: Vec<String> = json_or_default("relation-list", stdout, false)?;
    names
        .iter()
        .map(|n| UnitName::new(n).map_err(|e| bad_output("relation-list", e.to_string())))
        .collect()
}

/// `relation-list --app`: `"mysql"`, or `""`/`null` when the remote side is unknown.
pub(crate) fn remote_app(stdout: &[u8]) -> ToolResult<Option<AppName>> {
    let name: Option<String> = json("relation-list", stdout, false)?;
    match name.as_deref() {
        None | Some("") => Ok(None),
        Some(name) => AppName::new(name)
            .map(Some)
            .map_err(|e| bad_output("relation-list", e.to_string())),
    }
}

/// `relation-model-get`: `{"uuid": "<model uuid>"}`.
pub(crate) fn model_uuid(stdout: &[u8]) -> ToolResult<String> {
    #[derive(serde::Deserialize)]
    struct RelationModel {
        uuid: String,
    }
    json::<RelationModel>("relation-model-get", stdout, false).map(|m| m.uuid)
}

/// `opened-ports`: `["80/tcp", "8000-8100/udp", "icmp"]`, with or without the
/// ` (ep1,ep2)` suffix `--endpoints` adds.
pub(crate) fn ports(stdout: &[u8]) -> ToolResult<Vec<Port>> {
    let specs: Vec<String> = json_or_default("opened-ports", stdout, false)?;
    specs
        .iter()
        .map(|s| s.parse::<Port>().map_err(|e| bad_output("opened-ports", e.to_string())))
        .collect()
}

/// `secret-add`: the new URI on one line (`secret:<id>` or `secret://<model>/<id>`).
pub(crate) fn secret_uri_line(stdout: &[u8]) -> ToolResult<SecretUri> {
    let text = String::from_utf8_lossy(stdout);
    let text = text.trim();
    if !text.starts_with("secret:") {
        return Err(bad_output(
            "secret-add",
            format!("expected a secret URI, got {}", quote(stdout)),
        ));
    }
    SecretUri::new(text).map_err(|e| bad_output("secret-add", e.to_string()))
}

/// `secret-ids`: `["secret:…", …]`.
pub(crate) fn secret_uris(stdout: &[u8]) -> ToolResult<Vec<SecretUri>> {
    let ids: Vec<String> = json_or_default("secret-ids", stdout, false)?;
    ids.into_iter()
        .map(|s| SecretUri::new(s).map_err(|e| bad_output("secret-ids", e.to_string())))
        .collect()
}

/// `secret-info-get`: `{"<id>": {"revision": …, "label": …, "owner": …, …}}`. The key (a
/// bare id) becomes `uri` as `secret:<id>`; Juju prints `"label": ""` for no label, which
/// becomes `None`.
pub(crate) fn secret_info(stdout: &[u8]) -> ToolResult<SecretInfo> {
    const TOOL: &str = "secret-info-get";
    let by_id: BTreeMap<String, SecretInfo> = json(TOOL, stdout, false)?;
    let mut entries = by_id.into_iter();
    let (id, mut info) = match (entries.next(), entries.next()) {
        (Some(entry), None) => entry,
        _ => {
            return Err(bad_output(
                TOOL,
                format!("expected exactly one secret, got {}", quote(stdout)),
            ))
        }
    };
    let uri = if id.starts_with("secret:") {
        id
    } else {
        format!("secret:{id}")
    };
    info.uri = Some(SecretUri::new(uri).map_err(|e| bad_output(TOOL, e.to_string()))?);
    if info.label.as_deref() == Some("") {
        info.label = None;
    }
    Ok(info)
}

/// `resource-get`: the path of the downloaded file on one line.
pub(crate) fn path_line(tool: &str, stdout: &[u8]) -> ToolResult<PathBuf> {
    let text = String::from_utf8_lossy(stdout);
    let path = text.trim_end_matches(['\n', '\r']);
    if path.is_empty() {
        Err(bad_output(tool, "printed no path"))
    } else {
        Ok(PathBuf::from(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use juju_model::tools::{AppStatusInfo, GoalState, Network, RotatePolicy, SecretOwner, StatusInfo, StorageInfo};
    use juju_model::StatusKind;
    use serde_json::{Map, Value};

    #[test]
    fn network_get_output() {
        let out = br#"{"bind-addresses":[{"mac-address":"","interface-name":"eth0","addresses":[{"hostname":"","value":"10.1.2.3","cidr":"10.1.2.0/24"}],"macaddress":"","interfacename":"eth0"}],"egress-subnets":["10.1.2.3/32"],"ingress-addresses":["10.1.2.3"]}"#;
        let net: Network = json("network-get", out, false).unwrap();
        assert_eq!(net.bind_address(), Some("10.1.2.3"));
        assert_eq!(net.ingress_address(), Some("10.1.2.3"));
        assert_eq!(net.bind_addresses[0].interface_name, "eth0");
        assert_eq!(net.bind_addresses[0].addresses[0].cidr, "10.1.2.0/24");
        assert_eq!(net.egress_subnets, ["10.1.2.3/32"]);
    }

    #[test]
    fn secret_info_get_output() {
        let out = br#"{"cq5l0hvmp25c7d3sbjug":{"revision":2,"label":"db-password","owner":"application","description":"admin password","rotation":"monthly","expiry":"2026-01-01T00:00:00Z","rotates":"2025-12-01T00:00:00Z","access":[{"target":"app-mysql","scope":"relation-mysql.db#app.db","role":"view"}]}}"#;
        let info = secret_info(out).unwrap();
        assert_eq!(
            info.uri.as_ref().map(SecretUri::as_str),
            Some("secret:cq5l0hvmp25c7d3sbjug")
        );
        assert_eq!(info.revision, 2);
        assert_eq!(info.label.as_deref(), Some("db-password"));
        assert_eq!(info.owner, SecretOwner::Application);
        assert_eq!(info.rotation, Some(RotatePolicy::Monthly));
        assert_eq!(info.expiry.as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(info.access.len(), 1);
        assert_eq!(info.access[0].role, "view");

        // Juju always prints `label`, empty when there is none; no rotation/expiry keys.
        let bare = secret_info(br#"{"secret:abc123":{"revision":1,"label":"","owner":"unit"}}"#).unwrap();
        assert_eq!(bare.uri.as_ref().map(SecretUri::as_str), Some("secret:abc123"));
        assert_eq!(bare.label, None);
        assert_eq!(bare.owner, SecretOwner::Unit);
        assert_eq!(bare.rotation, None);

        assert_eq!(secret_info(b"{}").unwrap_err().kind, ToolErrorKind::BadOutput);
        let two = br#"{"a1":{"revision":1,"label":"","owner":"unit"},"b2":{"revision":1,"label":"","owner":"unit"}}"#;
        assert_eq!(secret_info(two).unwrap_err().kind, ToolErrorKind::BadOutput);
    }

    #[test]
    fn status_get_outputs() {
        let unit: StatusInfo = json(
            "status-get",
            br#"{"message":"ready","status":"active","status-data":{}}"#,
            false,
        )
        .unwrap();
        assert_eq!(unit.status, StatusKind::Active);
        assert_eq!(unit.message, "ready");
        let app: AppStatusInfo = json(
            "status-get",
            br#"{"application-status":{"message":"1 unit blocked","status":"blocked","status-data":{"k":1},"units":{"kafka-k8s/0":{"message":"","status":"active","status-data":{}}}},"units":{"kafka-k8s/0":{"message":"","status":"active","status-data":{}},"kafka-k8s/1":{"message":"no zookeeper","status":"blocked","status-data":{}}}}"#,
            false,
        )
        .unwrap();
        assert_eq!(app.application.status, StatusKind::Blocked);
        assert_eq!(app.application.status_data["k"], 1);
        assert_eq!(app.units.len(), 2);
        assert_eq!(app.units["kafka-k8s/1"].message, "no zookeeper");
    }

    #[test]
    fn goal_state_output() {
        let out = br#"{"units":{"zk/0":{"status":"active","since":"2025-05-01T10:00:00Z"},"zk/1":{"status":"waiting","since":"2025-05-01T10:01:00Z"},"zk/2":{"status":"dying","since":"2025-05-01T10:02:00Z"}},"relations":{"zookeeper":{"kafka":{"status":"joined","since":"2025-05-01T10:03:00Z"},"kafka/0":{"status":"active","since":"2025-05-01T10:03:00Z"}}}}"#;
        let goal: GoalState = json("goal-state", out, false).unwrap();
        assert_eq!(goal.planned_units(), 2);
        assert_eq!(goal.relations["zookeeper"]["kafka/0"].status, "active");
        let empty: GoalState = json("goal-state", br#"{"units":{},"relations":{}}"#, false).unwrap();
        assert_eq!(empty, GoalState::default());
    }

    #[test]
    fn opened_ports_with_and_without_endpoints() {
        let plain = ports(br#"["80/tcp","8000-8100/udp","icmp"]"#).unwrap();
        assert_eq!(plain, [Port::Tcp(80), Port::UdpRange(8000, 8100), Port::Icmp]);
        let with_eps = ports(br#"["80/tcp (*)","9092/tcp (client,internal)","icmp (*)"]"#).unwrap();
        assert_eq!(with_eps, [Port::Tcp(80), Port::Tcp(9092), Port::Icmp]);
        assert!(ports(b"null").unwrap().is_empty());
        assert!(ports(b"[]\n").unwrap().is_empty());
        assert_eq!(ports(br#"["80/sctp"]"#).unwrap_err().kind, ToolErrorKind::BadOutput);
    }

    #[test]
    fn state_get_null_is_empty() {
        let state: BTreeMap<String, String> = json_or_default("state-get", b"null\n", false).unwrap();
        assert!(state.is_empty());
        let state: BTreeMap<String, String> = json_or_default("state-get", br#"{"a":"1"}"#, false).unwrap();
        assert_eq!(state["a"], "1");
    }

    #[test]
    fn config_get_keeps_nulls_and_types() {
        let out = br#"{"log-level":"INFO","max-connections":100,"ratio":0.5,"tls":false,"admin-password":null,"creds":"secret:cq5l0hvmp25c7d3sbjug"}"#;
        let config: Map<String, Value> = json_or_default("config-get", out, false).unwrap();
        assert_eq!(config["log-level"], "INFO");
        assert_eq!(config["max-connections"], 100);
        assert_eq!(config["ratio"], 0.5);
        assert_eq!(config["tls"], false);
        assert!(config["admin-password"].is_null());
        assert_eq!(config.len(), 6);
    }

    #[test]
    fn relation_outputs() {
        assert_eq!(
            relation_ids(br#"["db:3","db:7"]"#).unwrap(),
            [RelationId(3), RelationId(7)]
        );
        assert!(relation_ids(b"[]").unwrap().is_empty());
        assert_eq!(relation_ids(br#"["db:x"]"#).unwrap_err().kind, ToolErrorKind::BadOutput);
        let list = units(br#"["mysql/0","mysql/2"]"#).unwrap();
        assert_eq!(
            list.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["mysql/0", "mysql/2"]
        );
        assert_eq!(
            remote_app(br#""mysql""#).unwrap().map(String::from).as_deref(),
            Some("mysql")
        );
        assert_eq!(remote_app(br#""""#).unwrap(), None);
        assert_eq!(remote_app(b"null").unwrap(), None);
        assert_eq!(
            model_uuid(br#"{"uuid":"0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"}"#).unwrap(),
            "0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
        );
        let bag: BTreeMap<String, String> =
            json_or_default("relation-get", br#"{"host":"10.0.0.1","port":"3306"}"#, false).unwrap();
        assert_eq!(bag["port"], "3306");
        let err = json_or_default::<BTreeMap<String, String>>("relation-get", br#"{"port":3306}"#, false).unwrap_err();
        assert_eq!(err.kind, ToolErrorKind::BadOutput);
        assert!(err.message.contains("3306"), "{}", err.message);
    }

    #[test]
    fn storage_and_misc_outputs() {
        let info: StorageInfo = json(
            "storage-get",
            br#"{"kind":"filesystem","location":"/var/lib/juju/storage/data/0"}"#,
            false,
        )
        .unwrap();
        assert_eq!(info.kind, "filesystem");
        assert_eq!(info.location, "/var/lib/juju/storage/data/0");
        let list: Vec<String> = json_or_default("storage-list", br#"["data/0","logs/1"]"#, false).unwrap();
        assert_eq!(list, ["data/0", "logs/1"]);
        assert_eq!(
            path_line(
                "resource-get",
                b"/var/lib/juju/agents/unit-x-0/resources/jar/kafka.jar\n"
            )
            .unwrap(),
            PathBuf::from("/var/lib/juju/agents/unit-x-0/resources/jar/kafka.jar")
        );
        assert_eq!(
            path_line("resource-get", b"\n").unwrap_err().kind,
            ToolErrorKind::BadOutput
        );
        assert_eq!(
            secret_uri_line(b"secret:cq5l0hvmp25c7d3sbjug\n").unwrap().id(),
            "cq5l0hvmp25c7d3sbjug"
        );
        assert_eq!(secret_uri_line(b"oops\n").unwrap_err().kind, ToolErrorKind::BadOutput);
        let ids = secret_uris(br#"["secret:cq5l0hvmp25c7d3sbjug","secret:cq5l0hvmp25c7d3sbjuh"]"#).unwrap();
        assert_eq!(ids.len(), 2);
        let cred: Value = json("credential-get", br#"{"type":"kubernetes","name":"k8s","credential":{"auth-type":"certificate","attrs":{"ClientCertificateData":"x"}}}"#, true).unwrap();
        assert_eq!(cred["type"], "kubernetes");
        assert!(json::<bool>("is-leader", b"true\n", false).unwrap());
        assert!(!json::<bool>("is-leader", b"false", false).unwrap());
    }

    #[test]
    fn sensitive_output_is_never_quoted() {
        // Not JSON at all, and JSON of the wrong shape (serde would quote the value).
        for out in [
            &b"password: hunter2"[..],
            br#"{"password":["hunter2"]}"#,
            br#"{"password":"hunter2""#,
        ] {
            let err = json::<BTreeMap<String, String>>("secret-get", out, true).unwrap_err();
            assert_eq!(err.kind, ToolErrorKind::BadOutput);
            assert!(!err.message.contains("hunter2"), "{}", err.message);
            assert!(!err.to_string().contains("hunter2"));
        }
        let err = json::<bool>("is-leader", b"maybe", false).unwrap_err();
        assert!(err.message.contains("maybe"), "{}", err.message);
        let long = "z".repeat(1000);
        let err = json::<bool>("is-leader", long.as_bytes(), false).unwrap_err();
        assert!(err.message.len() < 500, "{}", err.message);
    }
}
