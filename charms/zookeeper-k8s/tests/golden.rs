//! Golden files for everything the charm renders for the workload: zoo.cfg (plain, TLS,
//! mid-switch on a loopback model), JAAS (clients, a sync rotation), the dynamic file, the
//! Pebble layer. Byte for byte; `UPDATE_GOLDEN=1` regenerates them.

// Test helpers outside #[test] functions panic on purpose too.
#![allow(clippy::expect_used)]

mod support;

use std::collections::BTreeMap;

use support::golden::check;
use zookeeper_k8s::credentials::Credentials;
use zookeeper_k8s::peers::AppData;
use zookeeper_k8s::render::dynamic::dynamic_file;
use zookeeper_k8s::render::{
    client_jaas, server_jaas, server_jvmflags, server_line, zoo_cfg, zookeeper_layer, Bind, Encryption, Role,
    StorePasswords, ZooCfg,
};

fn cfg(bind: Bind, encryption: Encryption) -> ZooCfg {
    ZooCfg {
        init_limit: 5,
        sync_limit: 2,
        tick_time: 2000,
        dynamic_config_file: "/etc/zookeeper/zookeeper-dynamic.properties".into(),
        bind,
        encryption,
    }
}

fn stores() -> StorePasswords {
    StorePasswords {
        keystore: "keystore-pw-for-tests".into(),
        truststore: "truststore-pw-for-tests".into(),
    }
}

fn creds() -> Credentials {
    Credentials {
        super_password: "super-pw-for-tests".into(),
        sync_password: "sync-pw-for-tests".into(),
        sync_next: Some("next-sync-pw-for-tests".into()),
        clients: BTreeMap::from([(4, "client-4-pw".to_owned()), (12, "client-12-pw".to_owned())]),
    }
}

fn app(pairs: &[(&str, &str)]) -> AppData {
    AppData(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
}

#[test]
fn zoo_cfg_plain_on_kubernetes() {
    check("zoo_cfg_plain", &zoo_cfg(&cfg(Bind::All, Encryption::default())));
}

#[test]
fn zoo_cfg_with_tls_quorum_and_clients() {
    let encryption = Encryption {
        stores: Some(stores()),
        client_tls: true,
        ssl_quorum: true,
        port_unification: false,
    };
    check("zoo_cfg_tls", &zoo_cfg(&cfg(Bind::All, encryption)));
}

#[test]
fn zoo_cfg_mid_switch_on_a_loopback_model() {
    let encryption = Encryption {
        stores: Some(stores()),
        client_tls: true,
        ssl_quorum: false,
        port_unification: true,
    };
    check(
        "zoo_cfg_switch_loopback",
        &zoo_cfg(&cfg(Bind::Address("127.0.1.2".into()), encryption)),
    );
}

#[test]
fn zoo_cfg_back_to_plain_keeps_the_stores_while_unified() {
    let encryption = Encryption {
        stores: Some(stores()),
        client_tls: false,
        ssl_quorum: false,
        port_unification: true,
    };
    check("zoo_cfg_switch_back", &zoo_cfg(&cfg(Bind::All, encryption)));
}

#[test]
fn jaas_with_clients() {
    check("jaas_clients", &server_jaas(&creds().jaas_users(&app(&[]))));
}

#[test]
fn jaas_during_a_sync_rotation() {
    check(
        "jaas_sync_accept",
        &server_jaas(&creds().jaas_users(&app(&[("sync-rotation", "accept")]))),
    );
    check(
        "jaas_sync_switch",
        &server_jaas(&creds().jaas_users(&app(&[("sync-rotation", "switch")]))),
    );
}

#[test]
fn client_jaas_for_zkcli() {
    check("client_jaas", &client_jaas("super-pw-for-tests"));
}

#[test]
fn dynamic_file_with_an_observer() {
    let lines = vec![
        server_line("zookeeper-k8s", 2, Role::Observer, "0.0.0.0"),
        server_line("zookeeper-k8s", 0, Role::Participant, "0.0.0.0"),
        server_line("zookeeper-k8s", 1, Role::Participant, "0.0.0.0"),
    ];
    check("dynamic_observer", &dynamic_file(&lines));
}

#[test]
fn pebble_layer_with_the_jmx_exporter() {
    let bind = Bind::All;
    check(
        "layer",
        &zookeeper_layer(&server_jvmflags(true, &bind), &bind).to_yaml(),
    );
}
