//! `zoo.cfg`: the static server configuration.
//!
//! Keys follow the Python charm (reference sheet §3.6) so an operator comparing units of both
//! charms sees the same settings. Two things are ours: listeners bind the unit's address when
//! the model is a shared-host one (see [`super::Bind`]), and the truststore is PKCS#12 (built
//! in Rust, no `keytool`). `clientPort` is not written: with `reconfigEnabled` the client
//! address lives on each server line of the dynamic file, which ZooKeeper rewrites itself.

use super::Bind;
use crate::literals::{
    ADMIN_SERVER_PORT, DATA_DIR, DATA_LOG_DIR, KEYSTORE, METRICS_PROVIDER_PORT, SECURE_CLIENT_PORT, TRUSTSTORE,
};

/// Keystore and truststore passwords (the stores themselves are files in the container).
#[derive(Clone, PartialEq, Eq)]
pub struct StorePasswords {
    /// The keystore's password.
    pub keystore: String,
    /// The truststore's password.
    pub truststore: String,
}

impl std::fmt::Debug for StorePasswords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StorePasswords(<redacted>)")
    }
}

/// What the unit's server encrypts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Encryption {
    /// The stores, when the unit has them (without them nothing below can be on).
    pub stores: Option<StorePasswords>,
    /// Serve TLS clients on the secure port.
    pub client_tls: bool,
    /// Encrypt quorum traffic (`sslQuorum`).
    pub ssl_quorum: bool,
    /// Accept plain and TLS quorum connections (`portUnification`, during the switch; with
    /// stores, their settings are written so TLS peers can be served).
    pub port_unification: bool,
}

/// Everything `zoo.cfg` depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZooCfg {
    /// `initLimit`.
    pub init_limit: i64,
    /// `syncLimit`.
    pub sync_limit: i64,
    /// `tickTime`.
    pub tick_time: i64,
    /// `dynamicConfigFile`: the file ZooKeeper currently uses (it renames it on reconfig).
    pub dynamic_config_file: String,
    /// Where listeners bind.
    pub bind: Bind,
    /// TLS settings.
    pub encryption: Encryption,
}

const FIXED: &str = "\
syncEnabled=true
maxClientCnxns=60
minSessionTimeout=4000
maxSessionTimeout=40000
autopurge.snapRetainCount=3
autopurge.purgeInterval=0
reconfigEnabled=true
standaloneEnabled=false
4lw.commands.whitelist=mntr,srvr,stat,ruok
quorum.auth.enableSasl=true
quorum.auth.learnerRequireSasl=true
quorum.auth.serverRequireSasl=true
authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider
enforce.auth.enabled=true
enforce.auth.schemes=sasl,digest
audit.enable=true
";

const TLS_FIXED: &str = "\
serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory
clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty
ssl.clientAuth=none
ssl.quorum.clientAuth=none
ssl.keyStore.type=PKCS12
ssl.trustStore.type=PKCS12
ssl.quorum.keyStore.type=PKCS12
ssl.quorum.trustStore.type=PKCS12
sslQuorumReloadCertFiles=true
client.certReload=true
ssl.enabledProtocols=TLSv1.3,TLSv1.2
ssl.quorum.enabledProtocols=TLSv1.3,TLSv1.2
";

/// The file's text (holds store passwords when TLS is on: write it 0600).
pub fn zoo_cfg(cfg: &ZooCfg) -> String {
    let mut out = format!(
        "initLimit={}\nsyncLimit={}\ntickTime={}\n",
        cfg.init_limit, cfg.sync_limit, cfg.tick_time
    );
    out.push_str(FIXED);
    let admin_host = match &cfg.bind {
        Bind::All => "localhost",
        Bind::Address(address) => address,
    };
    out.push_str(&format!(
        "admin.serverAddress={admin_host}\nadmin.serverPort={ADMIN_SERVER_PORT}\n"
    ));
    out.push_str(&format!("dataDir={DATA_DIR}\ndataLogDir={DATA_LOG_DIR}\n"));
    out.push_str(&format!("dynamicConfigFile={}\n", cfg.dynamic_config_file));
    out.push_str(&format!(
        "metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider\n\
         metricsProvider.httpPort={METRICS_PROVIDER_PORT}\n"
    ));
    if let Bind::Address(address) = &cfg.bind {
        out.push_str(&format!("metricsProvider.httpHost={address}\n"));
    }
    let enc = &cfg.encryption;
    // With portUnification the quorum port also accepts TLS from peers still on sslQuorum, so
    // it needs the stores too.
    if let Some(stores) = enc
        .stores
        .as_ref()
        .filter(|_| enc.client_tls || enc.ssl_quorum || enc.port_unification)
    {
        out.push_str(TLS_FIXED);
        for prefix in ["ssl", "ssl.quorum"] {
            out.push_str(&format!(
                "{prefix}.keyStore.location={KEYSTORE}\n{prefix}.keyStore.password={}\n\
                 {prefix}.trustStore.location={TRUSTSTORE}\n{prefix}.trustStore.password={}\n",
                stores.keystore, stores.truststore
            ));
        }
        if enc.client_tls {
            out.push_str(&format!("secureClientPort={SECURE_CLIENT_PORT}\n"));
            if let Bind::Address(address) = &cfg.bind {
                out.push_str(&format!("secureClientPortAddress={address}\n"));
            }
        }
        if enc.ssl_quorum {
            out.push_str("sslQuorum=true\n");
        }
    }
    if enc.port_unification {
        out.push_str("portUnification=true\n");
    }
    out
}

/// The `dynamicConfigFile` value of a `zoo.cfg` as ZooKeeper left it, if any.
pub fn current_dynamic_file(zoo_cfg: &str) -> Option<String> {
    zoo_cfg.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.trim() == "dynamicConfigFile" && !value.trim().is_empty()).then(|| value.trim().to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_dynamic_file_zookeeper_wrote() {
        let text = "tickTime=2000\ndynamicConfigFile=/etc/zookeeper/zoo.cfg.dynamic.100000003\n";
        assert_eq!(
            current_dynamic_file(text).as_deref(),
            Some("/etc/zookeeper/zoo.cfg.dynamic.100000003")
        );
        assert_eq!(current_dynamic_file("dynamicConfigFile=\n"), None);
    }

    #[test]
    fn port_unification_does_not_need_stores() {
        let cfg = ZooCfg {
            init_limit: 5,
            sync_limit: 2,
            tick_time: 2000,
            dynamic_config_file: "/d".into(),
            bind: Bind::All,
            encryption: Encryption {
                port_unification: true,
                client_tls: true,
                ..Encryption::default()
            },
        };
        let text = zoo_cfg(&cfg);
        assert!(text.ends_with("portUnification=true\n"));
        assert!(!text.contains("secureClientPort"), "no stores, no TLS port: {text}");
    }
}
