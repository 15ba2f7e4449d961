//! This unit's certificate, keystore and truststore, and the CAs of mTLS clients.
//!
//! The certificate comes from the `certificates` relation through `TlsRequirer` (unit mode):
//! CN is the unit's name in Juju's headless service, the DNS SANs are the pod name, that name
//! and its cluster FQDN, plus `extra-listeners` hosts and `certificate-extra-sans`; the IP
//! SAN (the unit's address) can be switched off with `certificate-include-ip-sans` for CAs
//! that refuse IP SANs (canonical/kafka-operator#424). When any of those inputs changes the
//! requirer replaces its CSR (SAN drift), and past the renewal time it asks again: renewal is
//! the library's job.
//!
//! The stores are PKCS#12 files built in Rust and pushed 0600 to the container: the keystore
//! holds the key with the full chain (leaf first), the truststore every certificate of the
//! chain — not just the issuing CA (canonical/kafka-operator#289, #567) — plus the CAs of mTLS
//! clients from `client-cas` (certificate_transfer), `trusted-ca` and `trusted-certificate`
//! (tls-certificates used backwards, the 3.x way: the provider's CA, or the certificate it
//! issued, is trusted), plus the OAuth provider's CA chain when it sends one. PKCS#12 files
//! carry random salts, so they are rebuilt only when their inputs change, tracked by a
//! fingerprint in unit state.

use std::collections::BTreeSet;

use charm_interfaces::certificate_transfer::CertificateTransferRequirer;
use charm_interfaces::tls::keystore::truststore;
use charm_interfaces::tls::labels::sha256_hex;
use charm_interfaces::tls::{AssignedCertificate, CertRequest, TlsRequirer};
use charm_sdk::pebble::{Pebble, PushOptions};
use charm_sdk::prelude::*;

use crate::config::Config;
use crate::literals::*;
use crate::peers::internal_address;
use crate::workload::env::WORKLOAD_USER;
use crate::workload::paths::{KEYSTORE, TRUSTSTORE};
use crate::workload::{Secret, TlsStores};

const KEYSTORE_PASSWORD: &str = "keystore-password";
const TRUSTSTORE_PASSWORD: &str = "truststore-password";
/// Unit state: fingerprint of the keystore's inputs.
const STATE_KEYSTORE: &str = "keystore";
/// Unit state: fingerprint of the truststore's inputs.
const STATE_TRUSTSTORE: &str = "truststore";
/// Unit state: the CA bundle of the certificate in the keystore (public certificates).
pub const STATE_CA_BUNDLE: &str = "tls-ca-bundle";
/// Unit state: the tls-certificates endpoints this unit has requested certificates on.
const STATE_TLS_ENDPOINTS: &str = "tls-endpoints";
/// The keystore alias of the unit's key.
const KEY_ALIAS: &str = "kafka";

/// What the TLS step leaves for the rest of the run.
#[derive(Debug, Default)]
pub struct TlsState {
    /// The certificates relation exists.
    pub related: bool,
    /// The stores on disk, once this unit has its certificate.
    pub stores: Option<TlsStores>,
    /// The CA bundle clients should trust (`tls-ca`): issuer and chain.
    pub ca_bundle: Option<String>,
    /// Certificates of mTLS clients' CAs (client-cas, trusted-ca, trusted-certificate).
    pub client_cas: BTreeSet<String>,
    /// The keystore was rewritten in this run (a renewal).
    pub keystore_changed: bool,
    /// The truststore was rewritten in this run.
    pub truststore_changed: bool,
    /// Why TLS is not complete yet, if it is not.
    pub waiting: Option<String>,
    /// Problems with what other applications sent (bad CA certificates).
    pub invalid: Vec<String>,
}

/// The certificate request of unit `number`.
pub fn cert_request(
    app: &str,
    number: u32,
    model: &str,
    address: Option<&str>,
    config: &Config,
) -> Result<CertRequest, Error> {
    let internal = internal_address(app, number);
    let mut request = CertRequest::new(internal.clone())
        .dns(format!("{app}-{number}"))
        .dns(internal.clone())
        .dns(format!("{internal}.{model}.svc.cluster.local"));
    for extra in config.extra_listeners(number)? {
        request = request.san(&extra.host);
    }
    for san in config.certificate_extra_sans(number) {
        request = request.san(&san);
    }
    if config.certificate_include_ip_sans {
        if let Some(ip) = address.and_then(|a| a.parse().ok()) {
            request = request.ip(ip);
        }
    } else {
        // Names only: also drop IPs that came from the extra SAN options.
        request.sans_ip.clear();
    }
    Ok(request)
}

/// Adds the node address NodePort clients reach this broker at (`expose-external=nodeport`,
/// known once the Services exist): an IP only with `certificate-include-ip-sans`, as the
/// Python charm adds its node IP.
pub fn with_node_address(request: CertRequest, node: Option<&str>, config: &Config) -> CertRequest {
    match node {
        Some(node) if config.certificate_include_ip_sans || node.parse::<std::net::IpAddr>().is_err() => {
            request.san(node)
        }
        _ => request,
    }
}

/// The certificate request `set-tls-private-key` signs with the operator's key
/// ([`charm_interfaces::tls::set_private_key_action`]): the reconcile's, NodePort address
/// included, so the new CSR stays. The stores change when the provider answers, like any
/// renewal (live reload, no restart).
pub fn key_request<C: Charm<Config = Config>>(ctx: &mut Context<'_, C>) -> Result<CertRequest, ActionError> {
    let config = ctx.config()?;
    let address = ctx.ingress_address(PEER)?;
    let node = crate::external::node_address(ctx, &config)?;
    let request = cert_request(
        ctx.app().as_str(),
        ctx.unit().number(),
        ctx.model_name(),
        address.as_deref(),
        &config,
    )?;
    Ok(with_node_address(request, node.as_deref(), &config))
}

/// The certificates this unit trusts, in PEM, without duplicates: the issuer and every
/// certificate of the chain.
pub fn chain_cas(assigned: &AssignedCertificate) -> Vec<String> {
    let mut out = vec![assigned.certificate.ca.trim().to_owned()];
    out.extend(assigned.certificate.chain.iter().map(|c| c.trim().to_owned()));
    out.retain(|c| !c.is_empty());
    let leaf = assigned.certificate.certificate.trim();
    let mut seen = BTreeSet::new();
    out.retain(|c| c != leaf && seen.insert(c.clone()));
    out
}

/// Runs the TLS step: certificate, client CAs, stores. `extra_trust` are further CAs to
/// trust (the OAuth provider's chain).
pub fn reconcile<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: Option<&Leader>,
    config: &Config,
    address: Option<&str>,
    extra_trust: &[String],
    pebble: &dyn Pebble,
) -> Result<TlsState, Stop> {
    let app = ctx.app().to_string();
    let number = ctx.unit().number();
    let model = ctx.model_name().to_owned();
    let node = crate::external::node_address(ctx, config)?;
    let request = cert_request(&app, number, &model, address, config)?;
    let request = with_node_address(request, node.as_deref(), config);
    let mut state = TlsState {
        related: ctx.relation(CERTIFICATES)?.is_some(),
        ..TlsState::default()
    };
    let assigned = requirer(ctx, leader, CERTIFICATES, &request)?;
    state.client_cas = client_cas(ctx, leader, request, &mut state.invalid)?;

    let Some(assigned) = assigned else {
        if !state.related {
            remove_stores(ctx, pebble)?;
            return Ok(state);
        }
        // A renewal in flight: keep presenting the current certificate until the new one
        // arrives, rather than dropping TLS in between.
        let recorded: Option<String> = ctx.unit_state(STATE_KEYSTORE)?;
        let bundle: Option<String> = ctx.unit_state(STATE_CA_BUNDLE)?;
        if let (Some(_), Some(bundle)) = (recorded, bundle) {
            if exists(pebble, KEYSTORE)? && exists(pebble, TRUSTSTORE)? {
                let passwords = store_passwords(ctx)?;
                state.ca_bundle = Some(bundle);
                state.stores = Some(stores(passwords));
                return Ok(state);
            }
        }
        state.waiting = Some("waiting for a signed certificate".to_owned());
        remove_stores(ctx, pebble)?;
        return Ok(state);
    };
    let passwords = store_passwords(ctx)?;
    let cas = chain_cas(&assigned);
    let bundle = cas.join("\n") + "\n";
    ctx.set_unit_state(STATE_CA_BUNDLE, &bundle)?;
    state.ca_bundle = Some(bundle);

    // Keystore: key and full chain, rebuilt when the certificate changes.
    let chain = assigned.certificate.full_chain();
    let key_inputs = fingerprint(&[chain.join("\n").as_str(), passwords.0.expose()]);
    let recorded: Option<String> = ctx.unit_state(STATE_KEYSTORE)?;
    if recorded.as_deref() != Some(&key_inputs) || !exists(pebble, KEYSTORE)? {
        let bytes = assigned
            .keystore(KEY_ALIAS, passwords.0.expose())
            .map_err(|e| Error::msg(format!("cannot build the keystore: {e}")))?;
        push_private(pebble, KEYSTORE, &bytes)?;
        ctx.set_unit_state(STATE_KEYSTORE, &key_inputs)?;
        state.keystore_changed = recorded.is_some();
    }

    // Truststore: the chain, the mTLS clients' CAs and the OAuth provider's chain.
    let mut trusted: Vec<String> = cas.clone();
    trusted.extend(state.client_cas.iter().cloned());
    trusted.extend(extra_trust.iter().map(|c| c.trim().to_owned()));
    let mut seen = BTreeSet::new();
    trusted.retain(|c| !c.is_empty() && seen.insert(c.clone()));
    let mut sorted = trusted.clone();
    sorted.sort();
    let mut parts: Vec<&str> = sorted.iter().map(String::as_str).collect();
    parts.push(passwords.1.expose());
    let trust_inputs = fingerprint(&parts);
    let recorded: Option<String> = ctx.unit_state(STATE_TRUSTSTORE)?;
    if recorded.as_deref() != Some(&trust_inputs) || !exists(pebble, TRUSTSTORE)? {
        let bytes = truststore(&trusted, "ca", passwords.1.expose())
            .map_err(|e| Error::msg(format!("cannot build the truststore: {e}")))?;
        push_private(pebble, TRUSTSTORE, &bytes)?;
        ctx.set_unit_state(STATE_TRUSTSTORE, &trust_inputs)?;
        state.truststore_changed = recorded.is_some();
    }

    state.stores = Some(stores(passwords));
    Ok(state)
}

fn stores(passwords: (Secret, Secret)) -> TlsStores {
    TlsStores {
        keystore: KEYSTORE.to_owned(),
        keystore_password: passwords.0,
        truststore: TRUSTSTORE.to_owned(),
        truststore_password: passwords.1,
    }
}

/// The CAs of mTLS clients from the three relations that can send them.
fn client_cas<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: Option<&Leader>,
    request: CertRequest,
    invalid: &mut Vec<String>,
) -> Result<BTreeSet<String>, Stop> {
    let transferred = CertificateTransferRequirer::new(CLIENT_CAS)
        .reconcile(ctx, leader)
        .map_err(Stop::from)?;
    invalid.extend(transferred.invalid.iter().map(ToString::to_string));
    let mut out = transferred.all();
    if let Some(ca) = requirer(ctx, leader, TRUSTED_CA, &request)? {
        out.extend(chain_cas(&ca));
    }
    if let Some(cert) = requirer(ctx, leader, TRUSTED_CERTIFICATE, &request)? {
        out.insert(cert.certificate.certificate.trim().to_owned());
    }
    Ok(out)
}

/// Runs the tls-certificates requirer on `endpoint` while it is related, and once more after
/// it went (the run that removes the key and certificate secrets); otherwise costs nothing.
fn requirer<C: Charm>(
    ctx: &mut Context<'_, C>,
    leader: Option<&Leader>,
    endpoint: &str,
    request: &CertRequest,
) -> Result<Option<AssignedCertificate>, Stop> {
    let related = ctx.relation(endpoint)?.is_some();
    let mut known: BTreeSet<String> = ctx.unit_state(STATE_TLS_ENDPOINTS)?.unwrap_or_default();
    if !related && !known.contains(endpoint) {
        return Ok(None);
    }
    let assigned = TlsRequirer::new(endpoint, request.clone())
        .reconcile(ctx, leader)
        .map_err(Stop::from)?;
    let changed = if related {
        known.insert(endpoint.to_owned())
    } else {
        known.remove(endpoint)
    };
    if changed {
        ctx.set_unit_state(STATE_TLS_ENDPOINTS, &known)?;
    }
    Ok(assigned)
}

/// The digest of the truststore this unit wrote (its CAs and password), empty without one.
/// Processes that cannot reload their truststore (Cruise Control) salt their configuration
/// fingerprint with it, so a CA change restarts them.
pub fn truststore_digest<C: Charm>(ctx: &mut Context<'_, C>) -> Result<String, Error> {
    Ok(ctx.unit_state::<String>(STATE_TRUSTSTORE)?.unwrap_or_default())
}

/// No certificate: the stores go, so a broker never presents a stale one.
fn remove_stores<C: Charm>(ctx: &mut Context<'_, C>, pebble: &dyn Pebble) -> Result<(), Error> {
    for (path, key) in [(KEYSTORE, STATE_KEYSTORE), (TRUSTSTORE, STATE_TRUSTSTORE)] {
        if exists(pebble, path)? {
            pebble.remove_path(path, false)?;
        }
        ctx.delete_unit_state(key)?;
    }
    ctx.delete_unit_state(STATE_CA_BUNDLE)?;
    Ok(())
}

fn exists(pebble: &dyn Pebble, path: &str) -> Result<bool, Error> {
    match pebble.list_files(path, None, true) {
        Ok(entries) => Ok(!entries.is_empty()),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Pushes key material readable by the workload user only.
pub fn push_private(pebble: &dyn Pebble, path: &str, bytes: &[u8]) -> Result<(), Error> {
    let options = PushOptions::default()
        .permissions(0o600)
        .owner(WORKLOAD_USER, WORKLOAD_USER)
        .make_dirs();
    pebble.push(path, bytes, &options)?;
    Ok(())
}

/// A short hash of the inputs of a store.
fn fingerprint(parts: &[&str]) -> String {
    sha256_hex(parts.join("\u{0}").as_bytes()).chars().take(16).collect()
}

/// The store passwords from this unit's secret (`cluster.<app>.unit`, the Python charm's
/// label and keys), created on first use.
fn store_passwords<C: Charm>(ctx: &mut Context<'_, C>) -> Result<(Secret, Secret), Error> {
    let label = unit_secret_label(ctx.app().as_str());
    let content = match ctx.try_get_secret(&SecretRef::label(label.clone()), SecretRead::Peek)? {
        Some(content) => content,
        None => {
            let content: SecretContent = [
                (KEYSTORE_PASSWORD.to_owned(), crate::credentials::generate()?),
                (TRUSTSTORE_PASSWORD.to_owned(), crate::credentials::generate()?),
            ]
            .into();
            let meta = SecretMeta {
                label: Some(label),
                description: Some("Kafka keystore and truststore passwords of this unit".to_owned()),
                ..SecretMeta::default()
            };
            ctx.add_unit_secret(&content, meta)?;
            content
        }
    };
    match (content.get(KEYSTORE_PASSWORD), content.get(TRUSTSTORE_PASSWORD)) {
        (Some(k), Some(t)) => Ok((Secret::new(k.clone()), Secret::new(t.clone()))),
        _ => Err(Error::msg("the unit secret has no keystore or truststore password")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(include_ip: bool, extra: &str) -> Config {
        let mut c: Config = serde_json::from_value(serde_json::json!({
            "metadata-mode": "zookeeper", "roles": "broker", "compression-type": "producer",
            "log-flush-interval-messages": "1", "log-flush-interval-ms": "1",
            "log-flush-offset-checkpoint-interval-ms": 1, "log-retention-bytes": "-1",
            "log-retention-ms": "-1", "log-segment-bytes": 1, "message-max-bytes": 1,
            "offsets-topic-num-partitions": 1, "transaction-state-log-num-partitions": 1,
            "unclean-leader-election-enable": false, "log-cleaner-delete-retention-ms": "1",
            "log-cleaner-min-compaction-lag-ms": "0", "log-cleanup-policy": "delete",
            "log-message-timestamp-type": "CreateTime", "ssl-cipher-suites": "",
            "ssl-principal-mapping-rules": "DEFAULT", "replication-quota-window-num": 11,
            "zookeeper-ssl-cipher-suites": "", "profile": "production",
            "certificate-extra-sans": "", "extra-listeners": "", "certificate-include-ip-sans": true,
            "log-level": "INFO", "network-bandwidth": 1, "cruisecontrol-balance-threshold": 1.1,
            "cruisecontrol-capacity-threshold": 0.8, "expose-external": "false"
        }))
        .unwrap();
        c.certificate_include_ip_sans = include_ip;
        c.extra_listeners = extra.to_owned();
        c
    }

    #[test]
    fn request_names_the_pod_and_switches_ip_sans() {
        let r = cert_request(
            "kafka",
            1,
            "m",
            Some("10.1.2.3"),
            &config(true, "broker-{unit}.example.com:30000"),
        )
        .unwrap();
        assert_eq!(r.common_name.as_deref(), Some("kafka-1.kafka-endpoints"));
        assert!(r.sans_dns.contains("kafka-1"));
        assert!(r.sans_dns.contains("kafka-1.kafka-endpoints.m.svc.cluster.local"));
        assert!(r.sans_dns.contains("broker-1.example.com"));
        assert_eq!(r.sans_ip.len(), 1);
        let r = cert_request("kafka", 1, "m", Some("10.1.2.3"), &config(false, "")).unwrap();
        assert!(r.sans_ip.is_empty());
    }

    #[test]
    fn node_address_is_a_san_with_nodeport() {
        let base = || cert_request("kafka", 1, "m", Some("10.1.2.3"), &config(true, "")).unwrap();
        let r = with_node_address(base(), Some("203.0.113.7"), &config(true, ""));
        assert_eq!(r.sans_ip.len(), 2);
        assert!(r.sans_ip.contains(&"203.0.113.7".parse().unwrap()));
        let r = with_node_address(base(), Some("203.0.113.7"), &config(false, ""));
        assert_eq!(r.sans_ip, base().sans_ip, "no IP SANs asked for");
        let r = with_node_address(base(), Some("worker-1"), &config(false, ""));
        assert!(r.sans_dns.contains("worker-1"));
        assert_eq!(with_node_address(base(), None, &config(true, "")), base());
    }
}
