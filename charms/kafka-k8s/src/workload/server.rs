//! `server.properties`, for ZooKeeper mode (Kafka 3.9) and KRaft mode (3.9 or 4.x).
//!
//! Line order and content follow the Python charm's `ConfigManager.server_properties` (3.x
//! track for ZooKeeper mode, 4.x track for KRaft), so a diff between units of both charms
//! shows only real differences: identity and listeners first, then per-listener SASL, the
//! metadata store, OAuth, the operator's options, replication, defaults, the authorizer,
//! KRaft keys and finally TLS. Differences from upstream are listed in the crate README of
//! this module ([`super`]).

use super::inputs::{BrokerInputs, ControllerQuorum, KRaftQuorum, KafkaLine, Metadata, TokenValidation};
use super::listeners::{Listener, Mechanism};
use super::options::config_properties;
use super::properties::Properties;
use crate::error::Error;

/// `kafka.security.authorizer.AclAuthorizer`: ACLs in ZooKeeper (Kafka 3.x, ZooKeeper mode).
pub const ACL_AUTHORIZER: &str = "kafka.security.authorizer.AclAuthorizer";
/// `org.apache.kafka.metadata.authorizer.StandardAuthorizer`: ACLs in the KRaft metadata log.
pub const STANDARD_AUTHORIZER: &str = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
/// Kafka's SCRAM JAAS login module.
pub const SCRAM_LOGIN_MODULE: &str = "org.apache.kafka.common.security.scram.ScramLoginModule";
/// Kafka's OAUTHBEARER JAAS login module.
pub const OAUTH_LOGIN_MODULE: &str = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";
/// Strimzi's token validator (shipped in the charmed-kafka rock).
pub const OAUTH_VALIDATOR: &str = "io.strimzi.kafka.oauth.server.JaasServerOauthValidatorCallbackHandler";
/// Strimzi's principal builder (user name from the token's claims).
pub const OAUTH_PRINCIPAL_BUILDER: &str = "io.strimzi.kafka.oauth.server.OAuthKafkaPrincipalBuilder";
/// Cruise Control's metrics reporter (shipped in the rock's `/opt/kafka/libs`).
pub const CRUISE_CONTROL_METRICS_REPORTER: &str =
    "com.linkedin.kafka.cruisecontrol.metricsreporter.CruiseControlMetricsReporter";
/// The prefix of the metrics reporter's own and its producer's settings.
pub const METRICS_REPORTER_PREFIX: &str = "cruise.control.metrics.reporter.";

/// Renders `server.properties`.
pub fn server_properties(inputs: &BrokerInputs) -> Result<Properties, Error> {
    inputs.check()?;
    match &inputs.metadata {
        Metadata::KRaft(kraft) if !inputs.runs_broker() => controller_only(inputs, kraft),
        _ => broker(inputs),
    }
}

fn broker(inputs: &BrokerInputs) -> Result<Properties, Error> {
    let listeners = inputs.listeners();
    let mut props = Properties::new();
    props.set("super.users", inputs.super_users());
    props.set("log.dirs", inputs.log_dirs()?.join(","));
    if let Metadata::KRaft(_) = inputs.metadata {
        props.set("metadata.log.dir", inputs.metadata_log_dir()?);
    }
    let mut protocol_map: Vec<String> = listeners.iter().map(Listener::protocol_map).collect();
    if matches!(inputs.metadata, Metadata::KRaft(_)) && !inputs.runs_controller() {
        // A broker-only node must know the controller listener's protocol to reach it.
        protocol_map.push(inputs.controller_listener().protocol_map());
    }
    props.set("listener.security.protocol.map", protocol_map.join(","));
    props.set("listeners", join(&listeners, |l| l.bind(&inputs.bind_address)));
    props.set("advertised.listeners", join(&listeners, Listener::advertised));
    props.set("inter.broker.listener.name", inputs.internal_listener().name());
    if inputs.kafka == KafkaLine::V3_9 {
        props.set("inter.broker.protocol.version", major_minor(&inputs.kafka_version)?);
    }
    props.extend(scram_listener_properties(inputs)?);
    if let Metadata::ZooKeeper(zk) = &inputs.metadata {
        props.set("broker.id", inputs.unit_id.to_string());
        props.set("zookeeper.connect", zk.connect()?);
        props.set("zookeeper.set.acl", "true");
    }
    props.extend(oauth_properties(inputs)?);
    props.extend(config_properties(&inputs.config, inputs.kafka)?);
    let rf = inputs.replication_factor().to_string();
    let min_isr = inputs.min_insync_replicas().to_string();
    props
        .set("default.replication.factor", &rf)
        .set("num.partitions", &rf)
        .set("transaction.state.log.replication.factor", &rf)
        .set("offsets.topic.replication.factor", &rf)
        .set("min.insync.replicas", &min_isr)
        .set("transaction.state.log.min.isr", &min_isr);
    if let Some(rack) = &inputs.rack {
        props.set("broker.rack", rack);
    }
    props
        .set("sasl.mechanism.inter.broker.protocol", Mechanism::ScramSha512.as_str())
        .set("allow.everyone.if.no.acl.found", "false")
        .set("auto.create.topics.enable", "false");
    props.set("authorizer.class.name", authorizer(inputs));
    if let Metadata::KRaft(kraft) = &inputs.metadata {
        props.extend(kraft_properties(inputs, kraft)?);
    }
    props.extend(tls_properties(inputs));
    if inputs.balancer {
        props.extend(metrics_reporter_properties(inputs)?);
    }
    Ok(props)
}

/// Cruise Control's metrics reporter, loaded by every broker when a balancer exists: the
/// reporter class and its producer's settings (`cruise.control.metrics.reporter.` + a
/// producer config), which log in as the admin user on this broker's internal listener,
/// as `client.properties` does. The Python charm bootstrapped from every broker's client
/// listener; the local broker is enough for a producer and always runs its internal one.
fn metrics_reporter_properties(inputs: &BrokerInputs) -> Result<Properties, Error> {
    let mut props = Properties::new();
    props.set("metric.reporters", CRUISE_CONTROL_METRICS_REPORTER);
    let client = super::client::client_properties(inputs, std::slice::from_ref(&inputs.advertised_host))?;
    for line in client.lines() {
        if let super::properties::Line::Pair(key, value) = line {
            props.set(format!("{METRICS_REPORTER_PREFIX}{key}"), value);
        }
    }
    // The brokers do not auto-create topics: the reporter creates its own (as the admin user).
    props.set("cruise.control.metrics.topic.auto.create", "true");
    if inputs.config.profile == "testing" {
        // Report every 6 s instead of every minute (the Python charm's testing profile).
        props.set(
            format!("{METRICS_REPORTER_PREFIX}metrics.reporting.interval.ms"),
            "6000",
        );
    }
    Ok(props)
}

/// A controller-only node gets the reduced file of the 4.x charm: identity, its listener,
/// quorum, authorizer and TLS.
fn controller_only(inputs: &BrokerInputs, kraft: &KRaftQuorum) -> Result<Properties, Error> {
    let controller = inputs.controller_listener();
    let mut props = Properties::new();
    props.set("super.users", inputs.super_users());
    props.set("log.dirs", inputs.log_dirs()?.join(","));
    props.set("metadata.log.dir", inputs.metadata_log_dir()?);
    props.set("listeners", controller.bind(&inputs.bind_address));
    props.set("advertised.listeners", controller.advertised());
    props.set("listener.security.protocol.map", controller.protocol_map());
    props.extend(kraft_properties(inputs, kraft)?);
    props.set("authorizer.class.name", authorizer(inputs));
    props.extend(tls_properties(inputs));
    Ok(props)
}

fn authorizer(inputs: &BrokerInputs) -> &'static str {
    match inputs.metadata {
        Metadata::ZooKeeper(_) => ACL_AUTHORIZER,
        Metadata::KRaft(_) => STANDARD_AUTHORIZER,
    }
}

fn join(listeners: &[Listener], f: impl Fn(&Listener) -> String) -> String {
    listeners.iter().map(f).collect::<Vec<_>>().join(",")
}

fn major_minor(version: &str) -> Result<String, Error> {
    let parts: Vec<&str> = version.trim().split('.').collect();
    match parts.as_slice() {
        [major, minor, ..] if major.parse::<u32>().is_ok() && minor.parse::<u32>().is_ok() => {
            Ok(format!("{major}.{minor}"))
        }
        _ => Err(Error::invalid(
            "kafka_version",
            format!("{version:?} is not major.minor[.patch]"),
        )),
    }
}

/// `ScramLoginModule required username="…" password="…"[ user_<u>="…"…];`
fn scram_jaas(username: &str, password: &str, accepted: &[(&str, &str)]) -> String {
    let mut out = format!("{SCRAM_LOGIN_MODULE} required username=\"{username}\" password=\"{password}\"");
    for (user, pw) in accepted {
        out.push_str(&format!(" user_{user}=\"{pw}\""));
    }
    out.push(';');
    out
}

/// Per-listener SCRAM: the JAAS entry the broker logs in with (as the inter-broker user) and
/// the mechanism it accepts, on the internal listener and every SCRAM client listener.
fn scram_listener_properties(inputs: &BrokerInputs) -> Result<Properties, Error> {
    let users = &inputs.users;
    let sync = &users.inter_broker;
    let admin = &users.admin;
    let mut props = Properties::new();
    let internal = inputs.internal_listener();
    // KRaft: the internal listener also declares the admin and inter-broker users inline,
    // so they authenticate before the metadata log delivered their credentials (KAFKA-15513;
    // the 4.x charm does the same).
    let accepted: Vec<(&str, &str)> = match inputs.metadata {
        Metadata::KRaft(_) => vec![
            (admin.username.as_str(), admin.password.expose()),
            (sync.username.as_str(), sync.password.expose()),
        ],
        Metadata::ZooKeeper(_) => Vec::new(),
    };
    let mut scram: Vec<(Listener, Vec<(&str, &str)>)> = vec![(internal, accepted)];
    for listener in inputs
        .client_listeners()
        .into_iter()
        .chain(inputs.external_listeners())
        .chain(inputs.extra_listeners())
        .filter(|l| l.auth.mechanism == Mechanism::ScramSha512)
    {
        scram.push((listener, Vec::new()));
    }
    for (listener, accepted) in scram {
        let mechanism = listener.auth.mechanism.as_str();
        props.set(
            format!("{}{}.sasl.jaas.config", listener.prefix(), mechanism.to_lowercase()),
            scram_jaas(&sync.username, sync.password.expose(), &accepted),
        );
        props.set(format!("{}sasl.enabled.mechanisms", listener.prefix()), mechanism);
    }
    Ok(props)
}

fn oauth_properties(inputs: &BrokerInputs) -> Result<Properties, Error> {
    let mut props = Properties::new();
    let Some(oauth) = &inputs.clients.oauth else {
        return Ok(props);
    };
    // Every OAUTHBEARER listener (client, NodePort, extra) validates tokens the same way.
    let listeners: Vec<Listener> = inputs
        .client_listeners()
        .into_iter()
        .chain(inputs.external_listeners())
        .chain(inputs.extra_listeners())
        .filter(|l| l.auth.mechanism == Mechanism::OAuthBearer)
        .collect();
    if listeners.is_empty() {
        return Ok(props);
    }
    check_jaas_text("oauth issuer", &oauth.issuer_url)?;
    let validation = match &oauth.validation {
        TokenValidation::Jwks(url) => {
            check_jaas_text("oauth jwks endpoint", url)?;
            format!("oauth.jwks.endpoint.uri=\"{url}\"")
        }
        TokenValidation::Introspection(url) => {
            check_jaas_text("oauth introspection endpoint", url)?;
            format!("oauth.introspection.endpoint.uri=\"{url}\"")
        }
    };
    let common = vec![
        format!("{OAUTH_LOGIN_MODULE} required"),
        "oauth.client.id=\"kafka\"".to_owned(),
        format!("oauth.valid.issuer.uri=\"{}\"", oauth.issuer_url),
        validation,
        "oauth.username.claim=\"email\"".to_owned(),
        "oauth.fallback.username.claim=\"client_id\"".to_owned(),
        "oauth.check.audience=\"true\"".to_owned(),
        "oauth.check.access.token.type=\"false\"".to_owned(),
    ];
    let mut truststore = Vec::new();
    if !oauth.issuer_publicly_trusted {
        if let Some(tls) = &inputs.tls {
            truststore.push(format!("oauth.ssl.truststore.location=\"{}\"", tls.truststore));
            truststore.push(format!(
                "oauth.ssl.truststore.password=\"{}\"",
                tls.truststore_password.expose()
            ));
            truststore.push("oauth.ssl.truststore.type=\"JKS\"".to_owned());
        }
    }
    for listener in listeners {
        let mut jaas = common.clone();
        jaas.push(format!("oauth.config.id=\"{}\"", listener.name()));
        jaas.push("unsecuredLoginStringClaim_sub=\"unused\"".to_owned());
        jaas.extend(truststore.iter().cloned());
        let prefix = listener.prefix();
        props.set(
            format!("{prefix}oauthbearer.sasl.jaas.config"),
            format!("{};", jaas.join(" ")),
        );
        props.set(
            format!("{prefix}oauthbearer.sasl.server.callback.handler.class"),
            OAUTH_VALIDATOR,
        );
        props.set(
            format!("{prefix}sasl.enabled.mechanisms"),
            Mechanism::OAuthBearer.as_str(),
        );
    }
    props.set("principal.builder.class", OAUTH_PRINCIPAL_BUILDER);
    Ok(props)
}

fn check_jaas_text(what: &str, text: &str) -> Result<(), Error> {
    if text.is_empty() || text.contains(['"', '\\']) || text.chars().any(char::is_control) {
        return Err(Error::invalid(
            "oauth",
            format!("{what} {text:?} cannot be quoted in JAAS"),
        ));
    }
    Ok(())
}

fn kraft_properties(inputs: &BrokerInputs, kraft: &KRaftQuorum) -> Result<Properties, Error> {
    let mut props = Properties::new();
    let roles: Vec<&str> = [
        ("broker", inputs.runs_broker()),
        ("controller", inputs.runs_controller()),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(role, _)| *role)
    .collect();
    props.set("process.roles", roles.join(","));
    props.set("node.id", kraft.node_id.to_string());
    match &kraft.quorum {
        ControllerQuorum::Bootstrap(servers) => {
            props.set("controller.quorum.bootstrap.servers", servers.join(","));
        }
        ControllerQuorum::Voters(voters) => {
            let voters: Vec<String> = voters
                .iter()
                .map(|v| format!("{}@{}:{}", v.id, v.host, v.port))
                .collect();
            props.set("controller.quorum.voters", voters.join(","));
        }
    }
    let controller = inputs.controller_listener();
    props.set("controller.listener.names", controller.name());
    let user = inputs
        .users
        .controller
        .as_ref()
        .ok_or_else(|| Error::invalid("users.controller", "KRaft needs the controller user"))?;
    let mechanism = controller.auth.mechanism.as_str();
    props.set("sasl.mechanism.controller.protocol", mechanism);
    // Both sides on one line: the username/password pair is what this node logs in to the
    // controllers with, the user_ entry what a controller accepts.
    props.set(
        format!("{}{}.sasl.jaas.config", controller.prefix(), mechanism.to_lowercase()),
        scram_jaas(
            &user.username,
            user.password.expose(),
            &[(user.username.as_str(), user.password.expose())],
        ),
    );
    props.set(format!("{}sasl.enabled.mechanisms", controller.prefix()), mechanism);
    Ok(props)
}

fn tls_properties(inputs: &BrokerInputs) -> Properties {
    let mut props = Properties::new();
    if let (Metadata::KRaft(_), Some(peer)) = (&inputs.metadata, &inputs.peer_tls) {
        let mut internal: Vec<Listener> = Vec::new();
        if inputs.runs_controller() || inputs.runs_broker() {
            // A broker-only node is a client of the controller listener: it needs the stores too.
            internal.push(inputs.controller_listener());
        }
        if inputs.runs_broker() {
            internal.push(inputs.internal_listener());
        }
        for listener in internal {
            let prefix = listener.prefix();
            props
                .set(format!("{prefix}ssl.truststore.location"), &peer.truststore)
                .set(
                    format!("{prefix}ssl.truststore.password"),
                    peer.truststore_password.expose(),
                )
                .set(format!("{prefix}ssl.keystore.location"), &peer.keystore)
                .set(
                    format!("{prefix}ssl.keystore.password"),
                    peer.keystore_password.expose(),
                );
        }
    }
    let Some(tls) = &inputs.tls else {
        return props;
    };
    // Global stores: the client listeners', and the internal/controller listeners' too
    // when they run SASL_SSL without peer stores (3.x behaviour).
    props
        .set("ssl.truststore.location", &tls.truststore)
        .set("ssl.truststore.password", tls.truststore_password.expose())
        .set("ssl.keystore.location", &tls.keystore)
        .set("ssl.keystore.password", tls.keystore_password.expose());
    if inputs.runs_broker() {
        let client_auth = if inputs.clients.mtls { "required" } else { "none" };
        props.set("ssl.client.auth", client_auth);
    }
    if let Metadata::ZooKeeper(zk) = &inputs.metadata {
        if zk.tls {
            props
                .set("zookeeper.ssl.client.enable", "true")
                .set("zookeeper.ssl.truststore.location", &tls.truststore)
                .set("zookeeper.ssl.truststore.password", tls.truststore_password.expose())
                .set(
                    "zookeeper.clientCnxnSocket",
                    "org.apache.zookeeper.ClientCnxnSocketNetty",
                );
        }
    }
    props
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_version_is_major_minor() {
        assert_eq!(major_minor("3.9.0").unwrap(), "3.9");
        assert_eq!(major_minor("3.9").unwrap(), "3.9");
        assert!(major_minor("three").is_err());
    }

    #[test]
    fn jaas_lines_quote_every_value() {
        assert_eq!(
            scram_jaas("sync", "pw", &[("admin", "apw")]),
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"sync\" password=\"pw\" \
             user_admin=\"apw\";"
        );
    }
}
