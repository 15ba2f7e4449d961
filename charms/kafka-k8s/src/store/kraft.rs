//! The KRaft store: Kafka's own tools in the workload container, against the running brokers.
//!
//! In KRaft mode users and ACLs live in the metadata log, reachable only through the brokers'
//! Admin API; the charm drives it with `kafka-configs.sh` and `kafka-acls.sh` (as the Python
//! charm does) over the internal listener with the admin `client.properties`. Passwords never
//! go on a command line: the SCRAM config is pushed as a 0600 properties file and passed with
//! `--add-config-file`, then removed. `kafka-acls.sh` cannot list one principal's bindings
//! cheaply, so ACLs are changed as a diff against what the charm wrote last time.

use std::collections::BTreeSet;
use std::time::Duration;

use charm_sdk::pebble::{ExecRequest, Pebble};

use super::MetadataStore;
use crate::acl::{AclBinding, PatternType, ResourceType};
use crate::error::Error;
use crate::scram::DEFAULT_ITERATIONS;
use crate::workload::paths::{BIN_DIR, CLIENT_PROPERTIES, CONF_DIR};
use crate::workload::properties::escape_value;
use crate::workload::Secret;

/// How long one tool run may take (the JVM starts for each).
const TOOL_TIMEOUT: Duration = Duration::from_secs(60);

/// Kafka's tools in the container, talking to `bootstrap` (`host:port` of the internal listener).
pub struct KraftAdmin<'a> {
    pebble: &'a dyn Pebble,
    bootstrap: String,
}

impl std::fmt::Debug for KraftAdmin<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KraftAdmin")
            .field("bootstrap", &self.bootstrap)
            .finish()
    }
}

/// The scratch file holding a SCRAM config while `kafka-configs.sh` reads it.
pub const SCRAM_CONFIG_FILE: &str = "/etc/kafka/scram-user.properties";

impl<'a> KraftAdmin<'a> {
    /// Tools in `pebble`'s container, against `bootstrap`.
    pub fn new(pebble: &'a dyn Pebble, bootstrap: impl Into<String>) -> Self {
        Self {
            pebble,
            bootstrap: bootstrap.into(),
        }
    }

    fn tool(&self, name: &str) -> Vec<String> {
        vec![
            format!("{BIN_DIR}/bin/{name}"),
            "--bootstrap-server".to_owned(),
            self.bootstrap.clone(),
            "--command-config".to_owned(),
            CLIENT_PROPERTIES.to_owned(),
        ]
    }

    fn run(&self, argv: Vec<String>) -> Result<String, Error> {
        let what = argv.first().cloned().unwrap_or_default();
        let request = ExecRequest::new(argv)
            .user(crate::workload::env::WORKLOAD_USER)
            .working_dir(CONF_DIR)
            .timeout(TOOL_TIMEOUT);
        let output = self.pebble.exec(&request).map_err(|e| Error::Tool {
            tool: what.clone(),
            why: e.to_string(),
        })?;
        if output.exit_code != 0 {
            let text = format!("{}\n{}", output.stderr_text(), output.stdout_text());
            let first = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("no output");
            return Err(Error::ToolExit {
                tool: what,
                code: output.exit_code,
                first_line: first.to_owned(),
            });
        }
        Ok(output.stdout_text())
    }
}

/// The `kafka-acls.sh` resource arguments of a binding.
pub fn resource_args(binding: &AclBinding) -> Vec<String> {
    let pattern = &binding.pattern;
    let flag = match pattern.resource_type {
        ResourceType::Topic => "--topic",
        ResourceType::Group => "--group",
        ResourceType::Cluster => "--cluster",
        ResourceType::TransactionalId => "--transactional-id",
        ResourceType::DelegationToken => "--delegation-token",
        ResourceType::User => "--user-principal",
    };
    let mut out = vec![flag.to_owned()];
    if pattern.resource_type != ResourceType::Cluster {
        out.push(pattern.name.clone());
    }
    out.push("--resource-pattern-type".to_owned());
    out.push(
        match pattern.pattern_type {
            PatternType::Literal => "literal",
            PatternType::Prefixed => "prefixed",
        }
        .to_owned(),
    );
    out
}

impl MetadataStore for KraftAdmin<'_> {
    fn upsert_user(&mut self, user: &str, password: &Secret) -> Result<bool, Error> {
        let config = format!(
            "SCRAM-SHA-512={}\n",
            escape_value(&format!(
                "[iterations={DEFAULT_ITERATIONS},password={}]",
                password.expose()
            ))
        );
        crate::tls::push_private(self.pebble, SCRAM_CONFIG_FILE, config.as_bytes()).map_err(|e| Error::WriteFile {
            what: "the SCRAM config file",
            why: e.to_string(),
        })?;
        let mut argv = self.tool("kafka-configs.sh");
        argv.extend(
            [
                "--alter",
                "--entity-type",
                "users",
                "--entity-name",
                user,
                "--add-config-file",
                SCRAM_CONFIG_FILE,
            ]
            .map(str::to_owned),
        );
        let result = self.run(argv);
        // The file holds the password: gone whatever happened.
        let _ = self.pebble.remove_path(SCRAM_CONFIG_FILE, false);
        result.map(|_| true)
    }

    fn delete_user(&mut self, user: &str) -> Result<bool, Error> {
        let mut argv = self.tool("kafka-configs.sh");
        argv.extend(
            [
                "--alter",
                "--entity-type",
                "users",
                "--entity-name",
                user,
                "--delete-config",
                "SCRAM-SHA-512",
            ]
            .map(str::to_owned),
        );
        self.run(argv).map(|_| true)
    }

    fn sync_acls(
        &mut self,
        _principal: &str,
        previous: &BTreeSet<AclBinding>,
        desired: &BTreeSet<AclBinding>,
    ) -> Result<bool, Error> {
        let mut changed = false;
        for binding in previous.difference(desired) {
            let mut argv = self.tool("kafka-acls.sh");
            argv.extend(["--remove", "--force", "--allow-principal"].map(str::to_owned));
            argv.push(binding.entry.principal.clone());
            argv.push("--operation".to_owned());
            argv.push(binding.entry.operation.pascal().to_owned());
            argv.extend(resource_args(binding));
            self.run(argv)?;
            changed = true;
        }
        for binding in desired.difference(previous) {
            let mut argv = self.tool("kafka-acls.sh");
            argv.extend(["--add", "--allow-principal"].map(str::to_owned));
            argv.push(binding.entry.principal.clone());
            argv.push("--operation".to_owned());
            argv.push(binding.entry.operation.pascal().to_owned());
            argv.extend(resource_args(binding));
            self.run(argv)?;
            changed = true;
        }
        Ok(changed)
    }
}
