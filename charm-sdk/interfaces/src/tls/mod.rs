//! tls-certificates (interface v1, the Python library's "V4" wire format).
//!
//! Our charms get their certificates from Canonical's providers (self-signed-certificates,
//! lego, manual-tls-certificates, Vault) and must look, on the wire, exactly like a charm
//! using the Python library: same keys, same JSON bytes, same secret labels. The protocol
//! is reconcile-shaped here — [`TlsRequirer::reconcile`] and [`TlsProvider::reconcile`] are
//! called on every hook and converge — instead of the library's event handlers.
//!
//! ```no_run
//! use charm_interfaces::tls::{CertRequest, TlsRequirer};
//! use charm_sdk::prelude::*;
//! # struct K; impl Charm for K { const CHARMCRAFT: &'static str = "name: k\nrequires: {certificates: {interface: tls-certificates}}";
//! # type Config = serde_json::Value; type Action = NoActions; fn new() -> Self { K }
//! fn reconcile(&self, ctx: &mut Context<'_, Self>) -> Result<(), Stop> {
//!     let leader = ctx.leader()?;
//!     let request = CertRequest::new("kafka-0.kafka-endpoints").dns("kafka-0");
//!     let tls = TlsRequirer::new("certificates", request).reconcile(ctx, leader.as_ref())?;
//!     let assigned = tls.or_waiting("waiting for a certificate")?;
//!     let keystore = assigned.keystore("kafka", "changeit")?; // push it with Pebble
//!     # let _ = keystore;
//!     Ok(())
//! }
//! # }
//! ```
//!
//! Files: [`wire`] (databags), [`request`] (attributes and CSRs), [`certificate`] (what a
//! certificate says), [`requirer`], [`provider`], [`ca`] (a test CA), [`keystore`]
//! (PKCS#12 and PEM files), [`labels`] (secret labels), `operator_key` (a key an operator
//! passes to an action, inline or as a secret URI: [`operator_key()`]), and with the `testing` feature
//! `testing` (the other side, for `charm-testing` states).

pub mod ca;
pub mod certificate;
pub mod key;
mod key_der;
pub mod keystore;
pub mod labels;
mod operator_key;
pub mod pem;
pub mod provider;
pub mod request;
pub mod requirer;
mod secrets;
#[cfg(feature = "testing")]
pub mod testing;
pub mod wire;

pub use ca::CertificateAuthority;
pub use certificate::{CertificateInfo, ProviderCertificate};
pub use key::{KeyAlgorithm, PrivateKey, OPERATOR_KEY_SECRET_FIELD};
pub use labels::Mode;
pub use operator_key::{operator_key, set_private_key_action};
pub use provider::{CertificateRequest, Issuance, IssuedCertificate, ProviderReport, Requester, TlsProvider};
pub use request::{CertRequest, CsrInfo};
pub use requirer::{AssignedCertificate, KeyReplacement, TlsRequirer};
