//! certificate_transfer v1 (`send-ca-cert`), with the legacy v0 unit-bag fallback.
//!
//! Kafka trusts client certificates signed by CAs that other charms send over this
//! interface (mTLS client CAs), and our charms send their CA to Canonical's charms the
//! same way. The wire format is the charmlibs library's; errors are the crate's
//! [`crate::error::Error`], as for tls-certificates.

pub mod provider;
pub mod requirer;
#[cfg(feature = "testing")]
pub mod testing;
pub mod wire;

pub use provider::CertificateTransferProvider;
pub use requirer::{CertificateTransferRequirer, TrustedCertificates};
