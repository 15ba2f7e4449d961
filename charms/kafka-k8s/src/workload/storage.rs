//! `kafka-storage.sh format`: the KRaft storage step, with the internal users' SCRAM
//! credentials.
//!
//! KRaft has no `/config/users` to write to before the cluster runs; the credentials go into
//! the bootstrap metadata at format time (`--add-scram`, KIP-900). Kafka's parser
//! (`org.apache.kafka.metadata.storage.ScramParser`, 4.x) accepts
//! `SCRAM-SHA-512=[name=<u>,password=<p>]` or
//! `SCRAM-SHA-512=[name=<u>,salt=<base64>,saltedpassword=<base64>,iterations=<n>]`, splits
//! the bracket on `,`, strips one pair of double quotes around each value, decodes salt and
//! salted password with the standard base64 alphabet and requires 4096 ≤ iterations ≤ 16384.
//! This builder uses the second form with the salted password computed in Rust
//! ([`crate::scram`]), so the clear-text password is never on a command line. The salted
//! password still lets its holder log in: the argv is a secret and its `Debug` hides it.

use std::fmt;

use super::inputs::{check_username, Credential};
use super::paths::{SERVER_PROPERTIES, STORAGE_TOOL};
use crate::error::Error;
use crate::scram::{ScramCredential, ScramMechanism};

/// How the initial controller set is given (KIP-853).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitialControllers {
    /// `--standalone`: this node is the only initial voter (the first controller).
    Standalone,
    /// `--initial-controllers id@host:port:directory-id,…`.
    Initial(Vec<InitialController>),
    /// `--no-initial-controllers`: a broker, or a controller joining an existing quorum.
    NoInitialControllers,
    /// No flag at all (static `controller.quorum.voters`).
    Static,
}

/// One initial voter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialController {
    /// `node.id`.
    pub id: u32,
    /// Host of its controller listener.
    pub host: String,
    /// Port of its controller listener.
    pub port: u16,
    /// Its metadata log directory id (base64url UUID, 22 chars).
    pub directory_id: String,
}

/// The `format` invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatRequest {
    /// The cluster id.
    pub cluster_id: String,
    /// `kraft.version` feature level (1 for the dynamic quorum), `None` to leave it out.
    pub kraft_version: Option<u8>,
    /// The initial controllers.
    pub controllers: InitialControllers,
    /// Users whose SCRAM-SHA-512 credentials are written at format time.
    pub users: Vec<Credential>,
    /// PBKDF2 iterations (Kafka's default is 4096).
    pub iterations: u32,
}

/// The argv of `kafka-storage.sh format`. Holds salted passwords: `Debug` redacts them.
#[derive(Clone, PartialEq, Eq)]
pub struct FormatCommand {
    argv: Vec<String>,
}

impl FormatCommand {
    /// The arguments, program first.
    pub fn argv(&self) -> &[String] {
        &self.argv
    }
}

impl fmt::Debug for FormatCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<&str> = self
            .argv
            .iter()
            .map(|a| {
                if a.starts_with("SCRAM-") {
                    "<scram credential>"
                } else {
                    a.as_str()
                }
            })
            .collect();
        f.debug_struct("FormatCommand").field("argv", &shown).finish()
    }
}

/// The `--add-scram` value for a precomputed credential.
pub fn add_scram_argument(username: &str, credential: &ScramCredential) -> Result<String, Error> {
    check_username(username)?;
    Ok(format!(
        "{}=[name={username},salt=\"{}\",saltedpassword=\"{}\",iterations={}]",
        credential.mechanism.kafka_name(),
        credential.salt_base64(),
        credential.salted_password_base64(),
        credential.iterations
    ))
}

/// Builds the `format` argv, computing each user's credential with a fresh salt.
pub fn format_command(request: &FormatRequest) -> Result<FormatCommand, Error> {
    let cluster_id = request.cluster_id.trim();
    if cluster_id.is_empty()
        || !cluster_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(Error::invalid(
            "cluster_id",
            format!("{cluster_id:?} is not a Kafka cluster id"),
        ));
    }
    let mut argv: Vec<String> = [STORAGE_TOOL, "format", "--ignore-formatted", "--cluster-id", cluster_id]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    argv.push("--config".to_owned());
    argv.push(SERVER_PROPERTIES.to_owned());
    if let Some(version) = request.kraft_version {
        argv.push("--feature".to_owned());
        argv.push(format!("kraft.version={version}"));
    }
    match &request.controllers {
        InitialControllers::Standalone => argv.push("--standalone".to_owned()),
        InitialControllers::NoInitialControllers => argv.push("--no-initial-controllers".to_owned()),
        InitialControllers::Static => {}
        InitialControllers::Initial(voters) => {
            if voters.is_empty() {
                return Err(Error::invalid("initial controllers", "empty"));
            }
            let list: Vec<String> = voters
                .iter()
                .map(|v| format!("{}@{}:{}:{}", v.id, v.host, v.port, v.directory_id))
                .collect();
            argv.push("--initial-controllers".to_owned());
            argv.push(list.join(","));
        }
    }
    for user in &request.users {
        user.password
            .check_quotable(&format!("password of {}", user.username))?;
        let credential = ScramCredential::generate(ScramMechanism::Sha512, user.password.expose(), request.iterations)
            .map_err(|e| Error::invalid("scram", e.to_string()))?;
        argv.push("--add-scram".to_owned());
        argv.push(add_scram_argument(&user.username, &credential)?);
    }
    Ok(FormatCommand { argv })
}
