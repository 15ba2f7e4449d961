//! JAAS configuration: who may authenticate to the server, and as whom it authenticates.
//!
//! `QuorumServer` lists the users quorum members may log in as (normally just `sync`; two
//! during a `sync` password rotation), `QuorumLearner` the one this server logs in as, and
//! `Server` one `user_<name>` entry per client (`relation-<id>`) plus `super`. The layout
//! follows the Python charm's, so a diff between units of both charms shows only real
//! differences. Passwords are written inside double quotes; the charm only accepts passwords
//! without quotes, backslashes or whitespace (see `credentials::check_password`).

use std::collections::BTreeMap;

use crate::literals::SUPER_USER;

const LOGIN_MODULE: &str = "org.apache.zookeeper.server.auth.DigestLoginModule required";

/// The users of the JAAS file.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct JaasUsers {
    /// `super`'s password.
    pub super_password: String,
    /// Users quorum members may log in as, with their passwords (`QuorumServer`).
    pub quorum_users: Vec<(String, String)>,
    /// The user and password this server logs in to its peers with (`QuorumLearner`).
    pub learner: (String, String),
    /// Client users (`relation-<id>`) and their passwords.
    pub clients: BTreeMap<String, String>,
}

impl std::fmt::Debug for JaasUsers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JaasUsers")
            .field(
                "quorum_users",
                &self.quorum_users.iter().map(|(u, _)| u).collect::<Vec<_>>(),
            )
            .field("learner", &self.learner.0)
            .field("clients", &self.clients.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// `zookeeper-jaas.cfg` (secret: write it 0600).
pub fn server_jaas(users: &JaasUsers) -> String {
    let entries = |pairs: &mut dyn Iterator<Item = (&String, &String)>| -> Vec<String> {
        pairs
            .map(|(name, password)| format!("    user_{name}=\"{password}\""))
            .collect()
    };
    let quorum = entries(&mut users.quorum_users.iter().map(|(u, p)| (u, p))).join("\n");
    let mut server = entries(&mut users.clients.iter());
    server.push(format!("    user_{SUPER_USER}=\"{}\"", users.super_password));
    let (learner, learner_password) = &users.learner;
    format!(
        "QuorumServer {{\n    {LOGIN_MODULE}\n{quorum};\n}};\n\n\
         QuorumLearner {{\n    {LOGIN_MODULE}\n    username=\"{learner}\"\n    password=\"{learner_password}\";\n}};\n\n\
         Server {{\n    {LOGIN_MODULE}\n{};\n}};\n",
        server.join("\n"),
    )
}

/// `client-jaas.cfg`: `zkCli.sh` as `super` (secret: write it 0600).
pub fn client_jaas(super_password: &str) -> String {
    format!("Client {{\n    {LOGIN_MODULE}\n    username=\"{SUPER_USER}\"\n    password=\"{super_password}\";\n}};\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users() -> JaasUsers {
        JaasUsers {
            super_password: "s3cret".into(),
            quorum_users: vec![("sync".into(), "syncpw".into())],
            learner: ("sync".into(), "syncpw".into()),
            clients: [("relation-4".to_owned(), "clientpw".to_owned())].into(),
        }
    }

    #[test]
    fn debug_never_shows_passwords() {
        let debug = format!("{:?}", users());
        assert!(debug.contains("relation-4") && !debug.contains("s3cret") && !debug.contains("pw\""));
        assert!(!debug.contains("clientpw") && !debug.contains("syncpw"));
    }

    #[test]
    fn server_section_lists_clients_then_super() {
        let text = server_jaas(&users());
        assert!(
            text.contains("    user_relation-4=\"clientpw\"\n    user_super=\"s3cret\";\n};"),
            "{text}"
        );
        assert!(text.contains("QuorumServer {\n    org.apache.zookeeper.server.auth.DigestLoginModule required\n    user_sync=\"syncpw\";\n};"));
    }
}
