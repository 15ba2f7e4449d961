//! The Pebble layer: the `zookeeper` service and its alive check.
//!
//! The command is the charmed-zookeeper rock's own (`rockcraft.yaml` of
//! canonical/charmed-zookeeper-rock: `zkServer.sh --config /etc/zookeeper start-foreground`,
//! user and group `zookeeper`). The check is a TCP connect to the client port: the Python
//! charm's exec check (`echo ruok | nc …`) is not run through a shell by Pebble, so it never
//! fails; a TCP check does what it meant.

use charm_sdk::model::pebble::{Check, CheckLevel, Layer, Service, TcpCheck};

use super::Bind;
use crate::literals::{BIN_DIR, CLIENT_PORT, CONF_DIR, LOG_DIR, SERVICE, WORKLOAD_GROUP, WORKLOAD_USER};

/// The layer for `SERVER_JVMFLAGS` = `jvmflags`.
pub fn zookeeper_layer(jvmflags: &str, bind: &Bind) -> Layer {
    let mut service = Service::replace(format!(
        "{BIN_DIR}/bin/zkServer.sh --config {CONF_DIR} start-foreground"
    ))
    .enabled()
    .env("SERVER_JVMFLAGS", jvmflags)
    .env("ZOO_LOG_DIR", LOG_DIR);
    service.summary = Some("Apache ZooKeeper server".to_owned());
    service.user = Some(WORKLOAD_USER.to_owned());
    service.group = Some(WORKLOAD_GROUP.to_owned());
    let check = Check {
        tcp: Some(TcpCheck {
            port: Some(CLIENT_PORT),
            host: Some(bind.local_host().to_owned()),
        }),
        ..Check::tcp(CLIENT_PORT).level(CheckLevel::Alive)
    };
    Layer {
        summary: Some("zookeeper layer".to_owned()),
        ..Layer::default()
    }
    .with_service(SERVICE, service)
    .with_check(SERVICE, check)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_is_valid_and_runs_the_rock_command() {
        let layer = zookeeper_layer("-Dx=y", &Bind::All);
        assert!(layer.validate("zookeeper").is_ok(), "{:?}", layer.validate("zookeeper"));
        let yaml = layer.to_yaml();
        assert!(
            yaml.contains("/opt/zookeeper/bin/zkServer.sh --config /etc/zookeeper start-foreground"),
            "{yaml}"
        );
        assert!(yaml.contains("host: localhost"), "{yaml}");
    }
}
