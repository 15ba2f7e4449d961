//! The JAAS file Kafka uses to log in to ZooKeeper (ZooKeeper mode).
//!
//! One `Client` section with ZooKeeper's DIGEST-MD5 login module and the relation user the
//! ZooKeeper charm created for this application (upstream `ConfigManager.jaas_config`). The
//! broker's own SASL/SCRAM server configuration is not here: it is inline in
//! `server.properties` (`listener.name.<l>.scram-sha-512.sasl.jaas.config`), as upstream
//! chose. The file holds a password: write it mode 0600, owned by the workload user.

use super::inputs::ZooKeeperConnection;
use crate::error::Error;

/// `zookeeper-jaas.cfg`.
pub fn zookeeper_jaas(zk: &ZooKeeperConnection) -> Result<String, Error> {
    super::inputs::check_username(&zk.username)?;
    zk.password.check_quotable("ZooKeeper password")?;
    Ok(format!(
        "Client {{\n    org.apache.zookeeper.server.auth.DigestLoginModule required\n    username=\"{}\"\n    password=\"{}\";\n}};\n",
        zk.username,
        zk.password.expose()
    ))
}
