//! Switching the quorum between plain and TLS without losing it (reference sheet §6.3).
//!
//! Servers that speak different quorum protocols cannot talk, so the switch is three rolling
//! restarts, each started by the leader once every server finished the previous one:
//! 1. `switching-encryption` set: every server restarts with `portUnification=true` (accepts
//!    both protocols) and with the secure client port on (to TLS) or off (to plain);
//! 2. `quorum` flipped: every server restarts with `sslQuorum` on (or off);
//! 3. `switching-encryption` cleared: every server restarts without `portUnification`.
//!
//! Each server reports what its running process loaded (`unified`, `quorum` in its bag), so
//! the leader's next step is a pure function of the bags ([`next_step`]).

use charm_sdk::prelude::Databag;

use crate::literals::{APP_QUORUM, APP_SWITCHING, APP_TLS};
use crate::peers::{AppData, QuorumEncryption, Server};
use crate::render::{Encryption, StorePasswords};

/// The encryption this unit's server should run with now.
pub fn unit_encryption(app: &AppData, stores: Option<StorePasswords>) -> Encryption {
    let has_stores = stores.is_some();
    Encryption {
        client_tls: app.tls() && has_stores,
        ssl_quorum: app.quorum() == QuorumEncryption::Ssl && has_stores,
        port_unification: app.switching(),
        stores,
    }
}

/// Where the switch stands, for statuses.
pub fn describe(app: &AppData, servers: &[&Server]) -> Option<String> {
    let target = if app.tls() { "TLS" } else { "plain" };
    let target_quorum = if app.tls() {
        QuorumEncryption::Ssl
    } else {
        QuorumEncryption::Plain
    };
    let step = match (app.switching(), app.quorum() == target_quorum) {
        (true, false) => 1,
        (true, true) => 2,
        (false, _) if servers.iter().any(|s| s.unified()) => 3,
        (false, _) => return None,
    };
    Some(format!("switching quorum encryption to {target} (step {step} of 3)"))
}

/// The leader's next change to the app bag, if any.
///
/// `tls_related`: the certificates relation exists; `stable`: every server is started and a
/// member, none restarting; `servers`: every server in the relation.
pub fn next_step(app: &AppData, servers: &[&Server], tls_related: bool, stable: bool) -> Option<Databag> {
    let set =
        |pairs: &[(&str, &str)]| -> Databag { pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect() };
    if !app.switching() {
        if tls_related && !app.tls() && stable && servers.iter().all(|s| s.tls_ready()) {
            return Some(set(&[(APP_TLS, "enabled"), (APP_SWITCHING, "started")]));
        }
        if !tls_related && app.tls() && stable {
            return Some(set(&[(APP_TLS, ""), (APP_SWITCHING, "started")]));
        }
        return None;
    }
    let target = if app.tls() {
        QuorumEncryption::Ssl
    } else {
        QuorumEncryption::Plain
    };
    let started: Vec<&&Server> = servers.iter().filter(|s| s.started()).collect();
    let idle = started.iter().all(|s| s.restart().is_none());
    if !idle {
        return None;
    }
    if app.quorum() != target {
        if started.iter().all(|s| s.unified()) {
            return Some(set(&[(APP_QUORUM, target.as_str())]));
        }
        return None;
    }
    if started.iter().all(|s| s.quorum() == Some(target)) {
        return Some(set(&[(APP_SWITCHING, "")]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(pairs: &[(&str, &str)]) -> Server {
        let mut bag: Databag = [("state".to_owned(), "started".to_owned())].into();
        bag.extend(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        Server { number: 0, bag }
    }

    fn app(pairs: &[(&str, &str)]) -> AppData {
        AppData(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    #[test]
    fn plain_to_tls_takes_three_steps() {
        let ready = server(&[("tls-ready", "true"), ("quorum", "non-ssl")]);
        let step1 = next_step(&app(&[]), &[&ready], true, true).expect("starts");
        assert_eq!(step1["tls"], "enabled");
        let a = app(&[("tls", "enabled"), ("switching-encryption", "started")]);
        assert_eq!(next_step(&a, &[&ready], true, true), None, "not unified yet");
        let unified = server(&[("tls-ready", "true"), ("quorum", "non-ssl"), ("unified", "true")]);
        assert_eq!(next_step(&a, &[&unified], true, true).expect("step 2")["quorum"], "ssl");
        let a = app(&[
            ("tls", "enabled"),
            ("switching-encryption", "started"),
            ("quorum", "ssl"),
        ]);
        assert_eq!(next_step(&a, &[&unified], true, true), None, "not on ssl yet");
        let on_ssl = server(&[("quorum", "ssl"), ("unified", "true")]);
        assert_eq!(
            next_step(&a, &[&on_ssl], true, true).expect("step 3")["switching-encryption"],
            ""
        );
    }

    #[test]
    fn waits_for_certificates_and_goes_back_when_the_relation_goes() {
        let not_ready = server(&[]);
        assert_eq!(next_step(&app(&[]), &[&not_ready], true, true), None);
        let a = app(&[("tls", "enabled"), ("quorum", "ssl")]);
        assert_eq!(
            next_step(&a, &[&not_ready], false, true).expect("back")["switching-encryption"],
            "started"
        );
    }
}
