//! `client.properties`: how the charm's tooling (and `get-admin-credentials`) talks to the
//! cluster as the admin user.
//!
//! Upstream 3.x pointed it at the client listener, which only exists once a `kafka-client`
//! relation does; this crate uses the internal listener (as the 4.x charm does with its
//! internal bootstrap), which every broker always runs, with its protocol and truststore.

use super::inputs::{BrokerInputs, Metadata};
use super::properties::Properties;
use super::server::SCRAM_LOGIN_MODULE;
use crate::error::Error;

/// `client.properties` for the admin user; `brokers` are the advertised hosts of every broker
/// (`bootstrap.servers` lists them sorted, on the internal port).
pub fn client_properties(inputs: &BrokerInputs, brokers: &[String]) -> Result<Properties, Error> {
    let admin = &inputs.users.admin;
    admin.password.check_quotable("admin user password")?;
    super::inputs::check_username(&admin.username)?;
    let internal = inputs.internal_listener();
    let mut hosts: Vec<String> = brokers.iter().map(|h| format!("{h}:{}", internal.port())).collect();
    hosts.sort();
    hosts.dedup();
    if hosts.is_empty() {
        return Err(Error::invalid("brokers", "no broker to bootstrap from"));
    }
    let mut props = Properties::new();
    props
        .set(
            "sasl.jaas.config",
            format!(
                "{SCRAM_LOGIN_MODULE} required username=\"{}\" password=\"{}\";",
                admin.username,
                admin.password.expose()
            ),
        )
        .set("sasl.mechanism", internal.auth.mechanism.as_str())
        .set("security.protocol", internal.auth.protocol.as_str())
        .set("bootstrap.servers", hosts.join(","));
    let stores = match (&inputs.metadata, &inputs.peer_tls) {
        (Metadata::KRaft(_), Some(peer)) => Some(peer),
        _ => inputs.tls.as_ref(),
    };
    if let Some(stores) = stores.filter(|_| internal.auth.protocol.is_tls()) {
        props
            .set("ssl.truststore.location", &stores.truststore)
            .set("ssl.truststore.password", stores.truststore_password.expose());
    }
    Ok(props)
}
