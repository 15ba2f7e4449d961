//! This unit's certificate, keystore and truststore, and trust across a CA change.
//!
//! The certificate comes from the `certificates` relation through `TlsRequirer` (unit mode;
//! CN and DNS SANs from the pod's names in Juju's headless service, the IP SAN switchable by
//! `certificate-include-ip-sans`). The stores are PKCS#12 files built in Rust and pushed
//! 0600; ZooKeeper reloads them when they change (`sslQuorumReloadCertFiles`,
//! `client.certReload`), so a renewal needs no restart.
//!
//! A CA change must not cut quorum links: a server presenting a certificate from a new CA is
//! rejected by peers that do not trust that CA yet. So every unit publishes the CAs it wants
//! trusted (`tls-ca`) and the fingerprints its truststore holds (`tls-trusted`); truststores
//! take the union of every unit's CAs, and a unit keeps presenting its old certificate until
//! every peer trusts the new CA. The old CA leaves the truststores once no unit asks for it.
//!
//! PKCS#12 files carry random salts, so "rebuild and compare" would rewrite them on every hook;
//! we rebuild only when their inputs change (the leaf certificate, the trusted set).

use std::collections::{BTreeMap, BTreeSet};

use charm_interfaces::tls::keystore::truststore;
use charm_interfaces::tls::labels::sha256_hex;
use charm_interfaces::tls::{AssignedCertificate, CertRequest, TlsRequirer};
use charm_sdk::prelude::*;

use crate::config::Config;
use crate::literals::*;
use crate::peers::{Cluster, QuorumEncryption};
use crate::render::dynamic::internal_address;
use crate::render::StorePasswords;
use crate::workload::Workload;

const STATE_KEYSTORE_CERT: &str = "keystore-cert";
const KEYSTORE_KEY: &str = "keystore-password";
const TRUSTSTORE_KEY: &str = "truststore-password";

/// What the TLS step leaves for the rest of the reconcile.
#[derive(Debug, Default)]
pub struct TlsOutcome {
    /// The certificates relation exists.
    pub related: bool,
    /// The stores are on disk, with their passwords.
    pub stores: Option<StorePasswords>,
    /// Our unit bag's TLS keys.
    pub bag: Databag,
    /// Why TLS is not complete on this unit, if it is not.
    pub waiting: Option<String>,
    /// The CA of our certificate (for clients' `tls-ca`).
    pub ca: Option<String>,
}

/// A short fingerprint of a PEM certificate.
pub fn fingerprint(pem: &str) -> String {
    sha256_hex(pem.trim().as_bytes()).chars().take(16).collect()
}

/// The certificate request of unit `number`.
pub fn cert_request(app: &str, number: u32, model: &str, ingress: &str, include_ip: bool) -> CertRequest {
    let internal = internal_address(app, number);
    let mut request = CertRequest::new(internal.clone())
        .dns(format!("{app}-{number}"))
        .dns(internal.clone())
        .dns(format!("{internal}.{model}.svc.cluster.local"));
    if include_ip {
        if let Ok(ip) = ingress.parse() {
            request = request.ip(ip);
        }
    }
    request
}

/// The certificate request `set-tls-private-key` signs with the operator's key
/// ([`charm_interfaces::tls::set_private_key_action`]). The keystore changes when the
/// provider answers, like any renewal (ZooKeeper reloads it live).
pub fn key_request<C: Charm<Config = Config>>(ctx: &mut Context<'_, C>) -> Result<CertRequest, ActionError> {
    let config = ctx.config()?;
    let peers = ctx
        .relation(PEER)?
        .ok_or_else(|| ActionError::failed("the peer relation is not there yet"))?;
    // The same request the reconcile makes, so it does not replace this CSR again.
    let ingress = ctx
        .local_unit_data(&peers)?
        .get(INGRESS_ADDRESS)
        .cloned()
        .unwrap_or_default();
    Ok(cert_request(
        ctx.app().as_str(),
        ctx.unit().number(),
        ctx.model_name(),
        &ingress,
        config.certificate_include_ip_sans,
    ))
}

/// The unit's TLS work for this run.
pub fn reconcile<C: Charm>(
    ctx: &mut Context<'_, C>,
    config: &Config,
    cluster: &Cluster,
    workload: &Workload<'_>,
) -> Result<TlsOutcome, Stop> {
    let related = ctx.relation(CERTIFICATES)?.is_some();
    let ingress = cluster.me.bag.get(INGRESS_ADDRESS).cloned().unwrap_or_default();
    let request = cert_request(
        &cluster.app,
        cluster.me.number,
        ctx.model_name(),
        &ingress,
        config.certificate_include_ip_sans,
    );
    let assigned = TlsRequirer::new(CERTIFICATES, request)
        .reconcile(ctx, None)
        .map_err(Stop::from)?;
    let mut out = TlsOutcome {
        related,
        ..TlsOutcome::default()
    };
    let on_disk = workload.exists(KEYSTORE)? && workload.exists(TRUSTSTORE)?;

    let Some(assigned) = assigned else {
        if related {
            out.waiting = Some("waiting for a TLS certificate".to_owned());
        }
        let still_needed = cluster.app_data.tls()
            || cluster.app_data.switching()
            || cluster.app_data.quorum() == QuorumEncryption::Ssl
            || cluster.me.quorum() == Some(QuorumEncryption::Ssl)
            || cluster.me.unified();
        if on_disk && still_needed {
            // The relation went, but the quorum still needs the stores until the switch back
            // to plain is over: keep presenting what we have.
            out.stores = store_passwords(ctx, false)?;
        } else {
            for path in [KEYSTORE, TRUSTSTORE] {
                workload.remove(path)?;
            }
            ctx.delete_unit_state(STATE_KEYSTORE_CERT)?;
            for key in [UNIT_TLS_READY, UNIT_TLS_CAS, UNIT_TLS_TRUSTED, UNIT_TLS_PRESENTED] {
                out.bag.insert(key.to_owned(), String::new());
            }
        }
        return Ok(out);
    };

    let Some(passwords) = store_passwords(ctx, true)? else {
        return Err(Stop::Failed(Error::msg(
            "the keystore password secret could not be created",
        )));
    };
    let own_cas = ca_pems(&assigned);
    let new_ca = fingerprint(&assigned.certificate.ca);
    out.ca = Some(assigned.certificate.ca.clone());
    let presented = cluster
        .me
        .bag
        .get(UNIT_TLS_PRESENTED)
        .filter(|p| !p.is_empty())
        .cloned();
    let previous_cas: Vec<String> = cluster.me.tls_cas();

    // Present the new certificate once every peer trusts its CA (or nothing older exists).
    let keystore_there = workload.exists(KEYSTORE)?;
    let peers_trust_new = cluster.peers.iter().all(|p| p.trusted().contains(&new_ca));
    let switch_now = !keystore_there || presented.is_none() || presented.as_deref() == Some(&new_ca) || peers_trust_new;
    let mut wanted: Vec<String> = own_cas.clone();
    if !switch_now {
        wanted.extend(previous_cas.iter().cloned());
        out.waiting = Some("waiting for every unit to trust the new CA before using the new certificate".to_owned());
    }
    dedup(&mut wanted);

    // Truststore: every CA any unit asks for, ours included.
    let mut trust: BTreeMap<String, String> = BTreeMap::new();
    for pem in wanted.iter().chain(
        cluster
            .peers
            .iter()
            .flat_map(|p| p.tls_cas())
            .collect::<Vec<_>>()
            .iter(),
    ) {
        trust.entry(fingerprint(pem)).or_insert_with(|| pem.clone());
    }
    let trusted: BTreeSet<String> = trust.keys().cloned().collect();
    let trusted_text = trusted.iter().cloned().collect::<Vec<_>>().join(",");
    let truststore_there = workload.exists(TRUSTSTORE)?;
    if !truststore_there || cluster.me.trusted() != trusted {
        let pems: Vec<String> = trust.values().cloned().collect();
        let bytes = truststore(&pems, "ca", &passwords.truststore).map_err(|e| Error::msg(e.to_string()))?;
        workload.write_private(TRUSTSTORE, &bytes)?;
    }

    if switch_now {
        let leaf = fingerprint(&assigned.certificate.certificate);
        let recorded: Option<String> = ctx.unit_state(STATE_KEYSTORE_CERT)?;
        if !keystore_there || recorded.as_deref() != Some(&leaf) {
            let bytes = assigned
                .keystore("zookeeper", &passwords.keystore)
                .map_err(|e| Error::msg(e.to_string()))?;
            workload.write_private(KEYSTORE, &bytes)?;
            ctx.set_unit_state(STATE_KEYSTORE_CERT, &leaf)?;
        }
    }

    out.bag.insert(UNIT_TLS_READY.to_owned(), "true".to_owned());
    out.bag.insert(
        UNIT_TLS_CAS.to_owned(),
        serde_json::to_string(&wanted).unwrap_or_default(),
    );
    out.bag.insert(UNIT_TLS_TRUSTED.to_owned(), trusted_text);
    out.bag.insert(
        UNIT_TLS_PRESENTED.to_owned(),
        if switch_now {
            new_ca
        } else {
            presented.unwrap_or_default()
        },
    );
    out.stores = Some(passwords);
    Ok(out)
}

/// The CA certificates behind our certificate: the issuer, and the chain's root if different.
fn ca_pems(assigned: &AssignedCertificate) -> Vec<String> {
    let mut cas = vec![assigned.certificate.ca.trim().to_owned()];
    if let Some(root) = assigned.certificate.chain.last() {
        cas.push(root.trim().to_owned());
    }
    dedup(&mut cas);
    cas
}

fn dedup(pems: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    pems.retain(|p| seen.insert(fingerprint(p)));
}

/// The store passwords from this unit's secret (`cluster.<app>.unit`, the Python charm's
/// label), created when `create` and missing.
fn store_passwords<C: Charm>(ctx: &mut Context<'_, C>, create: bool) -> Result<Option<StorePasswords>, Error> {
    let label = format!("cluster.{}.unit", ctx.app());
    let content = match ctx.try_get_secret(&SecretRef::label(label.clone()), SecretRead::Peek)? {
        Some(content) => content,
        None if create => {
            let content: SecretContent = [
                (KEYSTORE_KEY.to_owned(), charm_sdk::generate_password(32)?),
                (TRUSTSTORE_KEY.to_owned(), charm_sdk::generate_password(32)?),
            ]
            .into();
            let meta = SecretMeta {
                label: Some(label),
                description: Some("ZooKeeper keystore and truststore passwords of this unit".to_owned()),
                ..SecretMeta::default()
            };
            ctx.add_unit_secret(&content, meta)?;
            content
        }
        None => return Ok(None),
    };
    Ok(match (content.get(KEYSTORE_KEY), content.get(TRUSTSTORE_KEY)) {
        (Some(k), Some(t)) => Some(StorePasswords {
            keystore: k.clone(),
            truststore: t.clone(),
        }),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_names_the_pod_and_switches_the_ip_san() {
        let with_ip = cert_request("zk", 1, "m", "10.0.0.7", true);
        assert_eq!(with_ip.common_name.as_deref(), Some("zk-1.zk-endpoints"));
        assert!(
            with_ip.sans_dns.contains("zk-1") && with_ip.sans_dns.contains("zk-1.zk-endpoints.m.svc.cluster.local")
        );
        assert_eq!(with_ip.sans_ip.len(), 1);
        assert!(cert_request("zk", 1, "m", "10.0.0.7", false).sans_ip.is_empty());
    }
}
