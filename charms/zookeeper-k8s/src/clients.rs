//! Client applications on the `zookeeper` endpoint (data-platform `zookeeper` interface).
//!
//! Each relation that names a chroot (`database`) gets the user `relation-<id>`, a generated
//! password (in the credentials secret), and its chroot zNode created with ACLs for that user
//! only (SASL and digest, rights from `extra-user-roles`, default `cdrwa`), through the
//! administration client as `super`. The answer (endpoints, user, password, chroot, TLS) is
//! published only once every started server runs with a JAAS file that knows the user —
//! earlier, the client would fail to log in on some servers. A broken relation's user leaves
//! the JAAS file (a rolling restart); its chroot and data are kept, as the Python charm does.

use std::collections::{BTreeMap, BTreeSet};

use charm_interfaces::dataplatform::database::{DatabaseResponse, ZooKeeperProvider};
use charm_interfaces::dataplatform::{Credentials as DpCredentials, FlagSpelling, SecretGroup, Tls};
use charm_sdk::prelude::*;

use crate::admin::{AdminConnector, ClientAcl};
use crate::credentials::Credentials;
use crate::leader::Ensemble;
use crate::literals::{APP_CHROOT_PREFIX, CLIENT_ENDPOINT, CLIENT_PORT, SECURE_CLIENT_PORT};
use crate::peers::Cluster;
use crate::render::dynamic::internal_address;

const DEFAULT_PERMS: &str = "cdrwa";

/// One client's request, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRequest {
    /// The relation id.
    pub id: u32,
    /// The chroot, normalised to start with `/`.
    pub chroot: String,
    /// `cdrwa` letters.
    pub perms: String,
}

impl ClientRequest {
    /// `relation-<id>`.
    pub fn username(&self) -> String {
        username(self.id)
    }

    /// The ACL marker the leader keeps in the peer bag once the chroot is set up.
    pub fn marker(&self) -> String {
        format!("{}:{}", self.chroot, self.perms)
    }
}

/// `relation-<id>`.
pub fn username(id: u32) -> String {
    format!("relation-{id}")
}

/// Checks a requested chroot and normalises it (`kafka` → `/kafka`).
pub fn normalise_chroot(requested: &str) -> Result<String, String> {
    let chroot = if requested.starts_with('/') {
        requested.to_owned()
    } else {
        format!("/{requested}")
    };
    let invalid = chroot == "/"
        || chroot.ends_with('/')
        || chroot.contains("//")
        || chroot.split('/').any(|part| part == "." || part == "..")
        || chroot == "/zookeeper"
        || chroot.starts_with("/zookeeper/")
        || chroot.chars().any(|c| c.is_control());
    if invalid {
        return Err(format!("{requested:?} is not a usable chroot"));
    }
    Ok(chroot)
}

/// Checks requested rights (`extra-user-roles`, empty meaning `cdrwa`).
pub fn normalise_perms(requested: Option<&str>) -> Result<String, String> {
    let requested = requested
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .unwrap_or(DEFAULT_PERMS);
    let mut letters: Vec<char> = Vec::new();
    for c in requested.chars() {
        let c = c.to_ascii_lowercase();
        if !DEFAULT_PERMS.contains(c) {
            return Err(format!(
                "{requested:?} is not a set of ZooKeeper permissions (letters of cdrwa)"
            ));
        }
        if !letters.contains(&c) {
            letters.push(c);
        }
    }
    Ok(DEFAULT_PERMS.chars().filter(|c| letters.contains(c)).collect())
}

/// What every unit needs to know about clients: the relation ids with a valid request, and
/// problems with the others (relation → message).
#[derive(Debug, Default)]
pub struct ClientRequests {
    /// Valid requests.
    pub valid: Vec<ClientRequest>,
    /// Requests we cannot serve, with why.
    pub invalid: BTreeMap<u32, String>,
}

impl ClientRequests {
    /// Relation ids that need a user.
    pub fn ids(&self) -> BTreeSet<u32> {
        self.valid.iter().map(|r| r.id).collect()
    }
}

/// Reads every client relation's request (any unit may: the remote application bag is
/// readable by all).
pub fn requests<C: Charm>(ctx: &mut Context<'_, C>) -> Result<ClientRequests, Stop> {
    let provider = ZooKeeperProvider::new(CLIENT_ENDPOINT);
    let mut out = ClientRequests::default();
    for relation in provider.requests(ctx).map_err(|e| e.into_stop())? {
        let id = relation.incoming.relation.id.0;
        match &relation.requests {
            Err(e) => {
                out.invalid.insert(id, e.to_string());
            }
            Ok(requests) => {
                let Some(request) = requests.first() else { continue };
                let checked = normalise_chroot(&request.typed.database)
                    .and_then(|chroot| Ok((chroot, normalise_perms(request.typed.extra_user_roles.as_deref())?)));
                match checked {
                    Ok((chroot, perms)) => out.valid.push(ClientRequest { id, chroot, perms }),
                    Err(why) => {
                        out.invalid.insert(id, why);
                    }
                }
            }
        }
    }
    Ok(out)
}

/// What the leader's client pass reports.
#[derive(Debug, Default)]
pub struct ClientReport {
    /// Relations answered (published) in this state.
    pub ready: BTreeSet<u32>,
    /// Relations waiting, with why.
    pub pending: BTreeMap<u32, String>,
}

/// How clients connect right now.
#[derive(Debug, Clone)]
pub struct ClientAccess {
    /// Serve and advertise the TLS port.
    pub tls: bool,
    /// The CA clients should trust.
    pub ca: Option<String>,
}

/// Leader: chroots, ACLs and answers for every client relation.
#[allow(clippy::too_many_arguments)]
pub fn leader_reconcile<C: Charm, A: AdminConnector>(
    ctx: &mut Context<'_, C>,
    leader: &Leader,
    peers: &Relation,
    ensemble: &mut Ensemble<'_, A>,
    cluster: &Cluster,
    credentials: &Credentials,
    requests: &ClientRequests,
    access: &ClientAccess,
) -> Result<ClientReport, Stop> {
    let mut report = ClientReport::default();
    let markers = cluster.app_data.chroot_markers();
    let mut changes = Databag::new();

    // Relations gone: forget the marker and the per-relation secrets (the chroot stays).
    for id in markers.keys().filter(|id| !requests.ids().contains(id)) {
        changes.insert(format!("{APP_CHROOT_PREFIX}{id}"), String::new());
        for group in [SecretGroup::User, SecretGroup::Tls] {
            remove_secret_by_label(ctx, &group.label(CLIENT_ENDPOINT, *id))?;
        }
    }

    // Chroots and ACLs.
    let mut set_up: BTreeSet<u32> = BTreeSet::new();
    for request in &requests.valid {
        let Some(password) = credentials.clients.get(&request.id) else {
            report.pending.insert(request.id, "no password yet".to_owned());
            continue;
        };
        if markers.get(&request.id) == Some(&request.marker()) {
            set_up.insert(request.id);
            continue;
        }
        let acl = ClientAcl {
            user: request.username(),
            password: password.clone(),
            perms: request.perms.clone(),
        };
        match ensemble
            .session()
            .and_then(|s| s.ensure_chroot(&request.chroot, &acl).map_err(|e| e.to_string()))
        {
            Ok(()) => {
                ctx.info(&format!(
                    "chroot {} ready for {} ({})",
                    request.chroot,
                    request.username(),
                    request.perms
                ));
                changes.insert(format!("{APP_CHROOT_PREFIX}{}", request.id), request.marker());
                set_up.insert(request.id);
            }
            Err(why) => {
                ctx.warn(&format!(
                    "cannot set up chroot {} for {}: {why}",
                    request.chroot,
                    request.username()
                ));
                report
                    .pending
                    .insert(request.id, "waiting to create its chroot".to_owned());
            }
        }
    }
    ctx.update_app_data(peers, leader, &changes)?;

    // Answers, once every started server knows the user.
    let provider = ZooKeeperProvider::new(CLIENT_ENDPOINT);
    let started = cluster.started();
    let port = if access.tls { SECURE_CLIENT_PORT } else { CLIENT_PORT };
    let mut endpoints: Vec<String> = cluster
        .servers()
        .iter()
        .map(|s| format!("{}:{port}", internal_address(&cluster.app, s.number)))
        .collect();
    endpoints.sort();
    let endpoints = endpoints.join(",");
    for relation in provider.requests(ctx).map_err(|e| e.into_stop())? {
        let id = relation.incoming.relation.id.0;
        let Some(request) = requests.valid.iter().find(|r| r.id == id) else {
            continue;
        };
        let Ok(raw) = &relation.requests else { continue };
        let Some(raw) = raw.first() else { continue };
        if !set_up.contains(&id) {
            continue;
        }
        let user = request.username();
        if started.is_empty() || !started.iter().all(|s| s.jaas_users().contains(&user)) {
            report
                .pending
                .insert(id, "waiting for every server to load its user".to_owned());
            continue;
        }
        let Some(password) = credentials.clients.get(&id) else {
            continue;
        };
        let response = DatabaseResponse {
            database: Some(request.chroot.clone()),
            endpoints: endpoints.clone(),
            credentials: Some(DpCredentials::new(user, password.clone())),
            uris: Some(format!("{endpoints}{}", request.chroot).into()),
            tls: Some(Tls {
                enabled: access.tls,
                ca: access.ca.clone().filter(|_| access.tls),
            }),
            tls_spelling: FlagSpelling::EnabledDisabled,
            chroot: Some(request.chroot.clone()),
            ..DatabaseResponse::default()
        };
        provider
            .publish(ctx, leader, &relation, raw, &response)
            .map_err(|e| e.into_stop())?;
        report.ready.insert(id);
    }
    Ok(report)
}

fn remove_secret_by_label<C: Charm>(ctx: &mut Context<'_, C>, label: &str) -> Result<(), Error> {
    match ctx.secret_info(&SecretRef::label(label.to_owned())) {
        Ok(info) => {
            if let Some(uri) = info.uri {
                ctx.remove_secret(&uri, None)?;
            }
            Ok(())
        }
        Err(e) if matches!(e.root(), Error::HookTool(t) if t.kind == charm_sdk::ToolErrorKind::SecretNotFound) => {
            Ok(())
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chroots_are_normalised_and_checked() {
        assert_eq!(normalise_chroot("kafka").as_deref(), Ok("/kafka"));
        assert_eq!(normalise_chroot("/a/b").as_deref(), Ok("/a/b"));
        for bad in ["/", "/a/", "//a", "/zookeeper", "/zookeeper/config", "/a/../b"] {
            assert!(normalise_chroot(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn perms_default_and_canonical_order() {
        assert_eq!(normalise_perms(None).as_deref(), Ok("cdrwa"));
        assert_eq!(normalise_perms(Some("")).as_deref(), Ok("cdrwa"));
        assert_eq!(normalise_perms(Some("wr")).as_deref(), Ok("rw"));
        assert!(normalise_perms(Some("rx")).is_err());
    }
}
