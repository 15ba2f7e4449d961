//! The KRaft dynamic quorum (KIP-853) from the workload's side: the argv of
//! `kafka-metadata-quorum.sh add-controller` / `remove-controller`, the properties file those
//! commands read (`kraft-client.properties`), and the `directory.id` in `meta.properties`.
//!
//! Facts from Kafka 3.9.0 (apache/kafka tag `3.9.0-rc3`, the commit of the 3.9.0 release,
//! `tools/src/main/java/org/apache/kafka/tools/MetadataQuorumCommand.java`):
//! - `--bootstrap-controller` and `--bootstrap-server` are a required, mutually exclusive
//!   pair; `--command-config` is a top-level option, so it goes before the sub-command;
//! - `add-controller` takes no arguments of its own besides `--dry-run`: it reads the
//!   *controller's own* configuration from `--command-config` (`node.id`, `process.roles`,
//!   `metadata.log.dir` else the first `log.dirs`, `listeners`/`advertised.listeners`,
//!   `controller.listener.names`) and the directory id from that directory's
//!   `meta.properties`, so it must run in the container of the controller being added, and
//!   the same file also configures the admin client (in 3.9 there is no separate file);
//! - `remove-controller` needs `--controller-id` and `--controller-directory-id`, and can run
//!   anywhere.
//!
//! `tests/kafka_tool_flags.rs` checks every flag used here against the argparse4j
//! definitions extracted from that source (`testdata/kafka-3.9.0-tool-flags.txt`).

use super::inputs::BrokerInputs;
use super::paths::{KRAFT_CLIENT_PROPERTIES, METADATA_QUORUM_TOOL};
use super::properties::{parse, Properties};
use super::server::{server_properties, SCRAM_LOGIN_MODULE};
use crate::error::Error;

/// Admin client timeouts for the quorum commands (the 4.x charm's values): a hook must not
/// hang on an unreachable quorum.
const DEFAULT_API_TIMEOUT_MS: &str = "20000";
/// See [`DEFAULT_API_TIMEOUT_MS`].
const REQUEST_TIMEOUT_MS: &str = "10000";

/// `kraft-client.properties`: this controller's `server.properties` followed by the admin
/// client settings (the controller user over the controller listener). `add-controller` reads
/// the node's identity from the first part and logs in with the second. `None` on a node
/// without the controller role.
pub fn kraft_client_properties(inputs: &BrokerInputs) -> Result<Option<Properties>, Error> {
    if !inputs.runs_controller() {
        return Ok(None);
    }
    let user = inputs
        .users
        .controller
        .as_ref()
        .ok_or_else(|| Error::invalid("users.controller", "KRaft needs the controller user"))?;
    let listener = inputs.controller_listener();
    let mut props = server_properties(inputs)?;
    props
        .set(
            "sasl.jaas.config",
            format!(
                "{SCRAM_LOGIN_MODULE} required username=\"{}\" password=\"{}\";",
                user.username,
                user.password.expose()
            ),
        )
        .set("sasl.mechanism", listener.auth.mechanism.as_str())
        .set("security.protocol", listener.auth.protocol.as_str())
        .set("default.api.timeout.ms", DEFAULT_API_TIMEOUT_MS)
        .set("request.timeout.ms", REQUEST_TIMEOUT_MS);
    // Over TLS the admin client trusts what the controller listener presents: the peer
    // stores when they exist (KRaft with peer TLS), else the client stores, which
    // `server.properties` already names globally.
    let stores = inputs.peer_tls.as_ref().or(inputs.tls.as_ref());
    if let Some(stores) = stores.filter(|_| listener.auth.protocol.is_tls()) {
        if props.get("ssl.truststore.location") != Some(stores.truststore.as_str()) {
            props
                .set("ssl.truststore.location", &stores.truststore)
                .set("ssl.truststore.password", stores.truststore_password.expose());
        }
    }
    Ok(Some(props))
}

/// `kafka-metadata-quorum.sh --bootstrap-controller <b> --command-config <f> add-controller`,
/// run in the container of the controller joining the voters.
pub fn add_controller_argv(bootstrap: &[String]) -> Vec<String> {
    let mut argv = tool_prefix(bootstrap);
    argv.push("add-controller".to_owned());
    argv
}

/// `kafka-metadata-quorum.sh --bootstrap-controller <b> --command-config <f> remove-controller
/// --controller-id <id> --controller-directory-id <dir>`.
pub fn remove_controller_argv(bootstrap: &[String], node_id: u32, directory_id: &str) -> Vec<String> {
    let mut argv = tool_prefix(bootstrap);
    argv.extend([
        "remove-controller".to_owned(),
        "--controller-id".to_owned(),
        node_id.to_string(),
        "--controller-directory-id".to_owned(),
        directory_id.to_owned(),
    ]);
    argv
}

fn tool_prefix(bootstrap: &[String]) -> Vec<String> {
    vec![
        METADATA_QUORUM_TOOL.to_owned(),
        "--bootstrap-controller".to_owned(),
        bootstrap.join(","),
        "--command-config".to_owned(),
        KRAFT_CLIENT_PROPERTIES.to_owned(),
    ]
}

/// Whether a failed `add-controller` failed because the node already is a voter (Kafka's
/// `DuplicateVoterException`), which counts as success.
pub fn already_voter(output: &str) -> bool {
    output.contains("DuplicateVoterException")
}

/// Whether a failed `remove-controller` failed because the node is no voter (Kafka's
/// `VoterNotFoundException`), which counts as success.
pub fn not_a_voter(output: &str) -> bool {
    output.contains("VoterNotFoundException")
}

/// The `directory.id` of a `meta.properties` (written by `kafka-storage.sh format`:
/// `version`, `cluster.id`, `node.id`, `directory.id`), if it has a well-formed one.
pub fn directory_id(meta_properties: &str) -> Option<String> {
    parse(meta_properties)
        .into_iter()
        .rev()
        .find(|(k, _)| k == "directory.id")
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| is_kafka_uuid(v))
}

/// A Kafka `Uuid` as text: 16 bytes in URL-safe base64 without padding (22 characters).
pub fn is_kafka_uuid(text: &str) -> bool {
    text.len() == 22 && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_puts_the_connection_options_before_the_sub_command() {
        let bootstrap = vec!["ctl-0.ctl-endpoints:9097".to_owned()];
        assert_eq!(
            add_controller_argv(&bootstrap),
            [
                "/opt/kafka/bin/kafka-metadata-quorum.sh",
                "--bootstrap-controller",
                "ctl-0.ctl-endpoints:9097",
                "--command-config",
                "/etc/kafka/kraft-client.properties",
                "add-controller"
            ]
        );
        let remove = remove_controller_argv(&bootstrap, 2, "pbvuBlaTTwKRxS5NLJwRFQ");
        assert_eq!(
            &remove[5..],
            [
                "remove-controller",
                "--controller-id",
                "2",
                "--controller-directory-id",
                "pbvuBlaTTwKRxS5NLJwRFQ"
            ]
        );
    }

    #[test]
    fn reads_the_directory_id_kafka_wrote() {
        let text = "#\n#Sun Nov 22 10:00:00 UTC 2026\nnode.id=1\ndirectory.id=pbvuBlaTTwKRxS5NLJwRFQ\n\
                    version=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\n";
        assert_eq!(directory_id(text).as_deref(), Some("pbvuBlaTTwKRxS5NLJwRFQ"));
        assert_eq!(directory_id("version=1\ncluster.id=x\n"), None);
        assert_eq!(directory_id("directory.id=not a uuid\n"), None);
        assert!(already_voter(
            "org.apache.kafka.common.errors.DuplicateVoterException: ..."
        ));
        assert!(not_a_voter("VoterNotFoundException: voter 3 not found"));
    }
}
