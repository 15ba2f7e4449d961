//! The set of files and the layer one server runs with, and how they reach the container.
//!
//! [`ServerFiles::render`] is pure. Its [`ServerFiles::fingerprint`] covers exactly what the
//! running process reads once at start (zoo.cfg, the JAAS file, the layer, the JMX rules):
//! when it differs from the fingerprint recorded at the last (re)start, the server needs a
//! restart and joins the rolling restart. Files are written only when the server (re)starts,
//! so the container always holds what the process runs with — apart from `logback.xml`
//! (scanned live) and the stores (reloaded live), which are written whenever they change.

use charm_interfaces::tls::labels::sha256_hex;
use charm_sdk::model::pebble::Layer;
use charm_sdk::pebble::PebbleError;

use crate::literals::{CLIENT_JAAS, DYNAMIC_CFG, JAAS, JMX_CONFIG, MYID, ZOO_CFG};
use crate::render::dynamic::dynamic_file;
use crate::render::{
    client_jaas, jmx_exporter_config, server_jaas, server_jvmflags, zoo_cfg, zookeeper_layer, Bind, Encryption,
    JaasUsers, ServerLine, ZooCfg,
};
use crate::workload::Workload;

/// Inputs of a server's files.
#[derive(Debug, Clone)]
pub struct ServerInputs {
    /// `initLimit`.
    pub init_limit: i64,
    /// `syncLimit`.
    pub sync_limit: i64,
    /// `tickTime`.
    pub tick_time: i64,
    /// The dynamic file ZooKeeper currently uses.
    pub dynamic_config_file: String,
    /// Listener binding.
    pub bind: Bind,
    /// TLS settings.
    pub encryption: Encryption,
    /// JAAS users.
    pub users: JaasUsers,
    /// Whether the image ships the JMX exporter.
    pub jmx_exporter: bool,
}

/// Rendered files and layer.
#[derive(Clone)]
pub struct ServerFiles {
    /// `zoo.cfg`.
    pub zoo_cfg: String,
    /// `zookeeper-jaas.cfg`.
    pub jaas: String,
    /// `client-jaas.cfg`.
    pub client_jaas: String,
    /// The JMX exporter rules, when the agent is used.
    pub jmx_config: Option<&'static str>,
    /// The Pebble layer.
    pub layer: Layer,
    /// Fingerprint of what the process reads at start.
    pub fingerprint: String,
    /// Client users in the JAAS file.
    pub jaas_users: Vec<String>,
}

impl std::fmt::Debug for ServerFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerFiles")
            .field("fingerprint", &self.fingerprint)
            .field("jaas_users", &self.jaas_users)
            .finish_non_exhaustive()
    }
}

impl ServerFiles {
    /// Renders everything for `inputs`.
    pub fn render(inputs: &ServerInputs) -> Self {
        let cfg = ZooCfg {
            init_limit: inputs.init_limit,
            sync_limit: inputs.sync_limit,
            tick_time: inputs.tick_time,
            dynamic_config_file: inputs.dynamic_config_file.clone(),
            bind: inputs.bind.clone(),
            encryption: inputs.encryption.clone(),
        };
        let zoo = zoo_cfg(&cfg);
        // The dynamic file's name changes when ZooKeeper reconfigures; it is not a reason to
        // restart, so the fingerprint sees a fixed name.
        let stable_zoo = zoo_cfg(&ZooCfg {
            dynamic_config_file: String::new(),
            ..cfg
        });
        let jaas = server_jaas(&inputs.users);
        let layer = zookeeper_layer(&server_jvmflags(inputs.jmx_exporter, &inputs.bind), &inputs.bind);
        let jmx_config = inputs.jmx_exporter.then(jmx_exporter_config);
        let material = format!(
            "{stable_zoo}\0{jaas}\0{}\0{}",
            layer.to_yaml(),
            jmx_config.unwrap_or_default()
        );
        Self {
            zoo_cfg: zoo,
            client_jaas: client_jaas(&inputs.users.super_password),
            jaas,
            jmx_config,
            layer,
            fingerprint: sha256_hex(material.as_bytes()).chars().take(16).collect(),
            jaas_users: inputs.users.clients.keys().cloned().collect(),
        }
    }

    /// Writes the configuration files (not the dynamic file). Returns whether any changed.
    pub fn write(&self, workload: &Workload<'_>) -> Result<bool, PebbleError> {
        let mut changed = workload.write_private(ZOO_CFG, self.zoo_cfg.as_bytes())?;
        changed |= workload.write_private(JAAS, self.jaas.as_bytes())?;
        changed |= workload.write_private(CLIENT_JAAS, self.client_jaas.as_bytes())?;
        if let Some(jmx) = self.jmx_config {
            changed |= workload.write_public(JMX_CONFIG, jmx.as_bytes())?;
        }
        Ok(changed)
    }

    /// First start (or start after the pod lost its files): data directories, `myid`, the
    /// dynamic file when `seed` is given, the files and the layer.
    pub fn start(
        &self,
        workload: &Workload<'_>,
        server_id: u32,
        seed: Option<&[ServerLine]>,
    ) -> Result<(), PebbleError> {
        workload.ensure_data_dirs()?;
        workload.write_public(MYID, format!("{server_id}\n").as_bytes())?;
        if let Some(lines) = seed {
            workload.write_public(DYNAMIC_CFG, dynamic_file(lines).as_bytes())?;
        }
        self.write(workload)?;
        workload.apply_layer(&self.layer)?;
        Ok(())
    }

    /// Restart with these files.
    pub fn restart(&self, workload: &Workload<'_>) -> Result<(), PebbleError> {
        self.write(workload)?;
        if !workload.apply_layer(&self.layer)? {
            workload.restart()?;
        }
        Ok(())
    }
}
