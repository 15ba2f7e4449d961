//! TLS settings for ZooKeeper's secure client port, turned into a rustls client configuration.
//!
//! The workspace has exactly one crypto stack, rustls with the `ring` provider. The provider is
//! passed explicitly (never the process default), so this works whatever else the charm
//! binary installs. ZooKeeper certificates issued by a charm CA often name the pod's FQDN while
//! a caller dials an IP, so hostname verification can be turned off; the chain is then still
//! verified against the CA (see [`ChainOnlyVerifier`]).

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_cert_signed_by_trust_anchor, WebPkiServerVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::Error;

/// TLS material for connecting to ZooKeeper's `secureClientPort`.
#[derive(Clone)]
pub struct Tls {
    /// PEM certificate(s) of the CA(s) that signed the servers' certificates.
    pub ca_pem: String,
    /// PEM client certificate chain, for `ssl.clientAuth=need` (set together with the key).
    pub client_cert_pem: Option<String>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1) of the client certificate.
    pub client_key_pem: Option<String>,
    /// Check that the server certificate names the host dialled (the chain is always checked).
    pub verify_hostname: bool,
}

impl fmt::Debug for Tls {
    /// Never prints the private key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls")
            .field("ca_pem", &format_args!("<{} bytes>", self.ca_pem.len()))
            .field(
                "client_cert_pem",
                &self.client_cert_pem.as_ref().map(|c| format!("<{} bytes>", c.len())),
            )
            .field("client_key_pem", &self.client_key_pem.as_ref().map(|_| "<redacted>"))
            .field("verify_hostname", &self.verify_hostname)
            .finish()
    }
}

/// Builds the rustls client configuration for `tls`.
pub(crate) fn client_config(tls: &Tls) -> Result<Arc<ClientConfig>, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(tls.ca_pem.as_bytes()) {
        let cert = cert.map_err(|e| Error::Tls(format!("CA PEM: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| Error::Tls(format!("CA certificate: {e}")))?;
    }
    if roots.is_empty() {
        return Err(Error::Tls("CA PEM contains no certificate".into()));
    }
    let roots = Arc::new(roots);
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(format!("protocol versions: {e}")))?;
    let builder = if tls.verify_hostname {
        let verifier = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| Error::Tls(format!("server verifier: {e}")))?;
        builder.with_webpki_verifier(verifier)
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(ChainOnlyVerifier { roots, provider }))
    };
    let config = match (&tls.client_cert_pem, &tls.client_key_pem) {
        (None, None) => builder.with_no_client_auth(),
        (Some(cert_pem), Some(key_pem)) => {
            let chain = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| Error::Tls(format!("client certificate PEM: {e}")))?;
            if chain.is_empty() {
                return Err(Error::Tls("client certificate PEM contains no certificate".into()));
            }
            // The parse error text never includes key material.
            let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
                .map_err(|e| Error::Tls(format!("client key PEM: {e}")))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| Error::Tls(format!("client certificate/key: {e}")))?
        }
        _ => return Err(Error::Tls("client certificate and key must be given together".into())),
    };
    Ok(Arc::new(config))
}

/// The TLS server name (SNI, and the name checked when verifying) for `host`.
pub(crate) fn server_name(host: &str) -> Result<ServerName<'static>, Error> {
    ServerName::try_from(host.to_owned()).map_err(|e| Error::InvalidArgument(format!("host {host:?}: {e}")))
}

/// Verifies the server's chain against the CA and its handshake signatures, but not its name.
#[derive(Debug)]
struct ChainOnlyVerifier {
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for ChainOnlyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let cert = ParsedCertificate::try_from(end_entity)?;
        let algorithms = self.provider.signature_verification_algorithms.all;
        verify_server_cert_signed_by_trust_anchor(&cert, &self.roots, intermediates, now, algorithms)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tls(ca: &str) -> Tls {
        Tls {
            ca_pem: ca.into(),
            client_cert_pem: None,
            client_key_pem: None,
            verify_hostname: true,
        }
    }

    #[test]
    fn rejects_empty_or_broken_material() {
        assert!(matches!(client_config(&tls("")), Err(Error::Tls(_))));
        assert!(matches!(client_config(&tls("not a pem")), Err(Error::Tls(_))));
        let ca = rcgen::generate_simple_self_signed(vec!["ca".into()]).unwrap();
        assert!(client_config(&tls(&ca.cert.pem())).is_ok());
        let mut half = tls(&ca.cert.pem());
        half.client_cert_pem = Some(ca.cert.pem());
        assert!(matches!(client_config(&half), Err(Error::Tls(_))));
    }

    #[test]
    fn debug_redacts_the_key() {
        let mut t = tls("ca");
        t.client_key_pem = Some("-----BEGIN PRIVATE KEY-----secret".into());
        let text = format!("{t:?}");
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("redacted"));
    }
}
