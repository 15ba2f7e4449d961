//! Juju secret labels, spelled as the Python library spells them.
//!
//! Using the same labels means a unit that moves from Canonical's Python charm to ours
//! (a refresh to a Rust charm of the same name) finds its private key and certificate
//! secrets where the Python library left them, and vice versa.
//! Source: charmlibs `_tls_certificates.py` `_get_private_key_secret_label`,
//! `_get_csr_secret_label` (charmlibs ≥ 1.9 for the app key's `-app-` infix).

use juju_model::UnitName;

/// The library id the Python library uses as a label prefix.
pub const LIBID: &str = "afd8c2bccf834997afce12c2706d2ede";

/// Whose certificate it is: each unit's own, or one for the whole application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Each unit requests its own certificate in its unit bag (the default).
    #[default]
    Unit,
    /// The leader requests one certificate for the application in the app bag.
    App,
}

/// `<LIBID>-private-key-<unit#>-<endpoint>` or `<LIBID>-private-key-app-<endpoint>`.
pub fn private_key(mode: Mode, unit: &UnitName, endpoint: &str) -> String {
    match mode {
        Mode::Unit => format!("{LIBID}-private-key-{}-{endpoint}", unit.number()),
        Mode::App => format!("{LIBID}-private-key-app-{endpoint}"),
    }
}

/// `<LIBID>-certificate-<unit#>-<endpoint>-<sha256(csr)>` or
/// `<LIBID>-certificate-<endpoint>-<sha256(csr)>`.
pub fn certificate(mode: Mode, unit: &UnitName, endpoint: &str, csr_pem: &str) -> String {
    let digest = sha256_hex(csr_pem.as_bytes());
    match mode {
        Mode::Unit => format!("{LIBID}-certificate-{}-{endpoint}-{digest}", unit.number()),
        Mode::App => format!("{LIBID}-certificate-{endpoint}-{digest}"),
    }
}

/// The prefix every certificate label of this endpoint and mode starts with.
pub fn certificate_prefix(mode: Mode, unit: &UnitName, endpoint: &str) -> String {
    match mode {
        Mode::Unit => format!("{LIBID}-certificate-{}-{endpoint}-", unit.number()),
        Mode::App => format!("{LIBID}-certificate-{endpoint}-"),
    }
}

/// Lowercase hex SHA-256 (`CertificateSigningRequest.get_sha256_hex`).
pub fn sha256_hex(data: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_match_the_python_library() {
        let unit = UnitName::new("kafka/3").unwrap();
        assert_eq!(
            private_key(Mode::Unit, &unit, "certificates"),
            format!("{LIBID}-private-key-3-certificates")
        );
        assert_eq!(
            private_key(Mode::App, &unit, "certificates"),
            format!("{LIBID}-private-key-app-certificates")
        );
        let label = certificate(Mode::Unit, &unit, "certificates", "x");
        // sha256("x")
        assert!(label.ends_with("-3-certificates-2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"));
        assert!(label.starts_with(&certificate_prefix(Mode::Unit, &unit, "certificates")));
    }
}
