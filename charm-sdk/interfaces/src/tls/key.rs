//! The requirer's private key: generated here, kept in a Juju secret, never on a relation.
//!
//! The workspace has one crypto stack (ring), which cannot generate RSA keys, so new keys
//! are ECDSA (P-256 by default). Every provider we interoperate with signs an ECDSA CSR
//! (the Python provider's `Certificate.generate` copies the CSR's public key whatever its
//! type; ACME and Vault accept P-256). Keys written by the Python library (RSA, PKCS#1
//! "RSA PRIVATE KEY") are still *read*, so a unit that moves from the Python charm to
//! this one keeps its key and its certificate.
//!
//! The key is PKCS#8 DER inside; `Debug` never prints it.

use std::fmt;
use std::sync::Arc;

use rcgen::{KeyPair, PublicKeyData};

use super::{pem, Error};

/// Which kind of key [`PrivateKey::generate`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyAlgorithm {
    /// ECDSA on P-256 with SHA-256 signatures (the default; what rcgen and Java agree on).
    #[default]
    EcdsaP256,
    /// ECDSA on P-384 with SHA-384 signatures.
    EcdsaP384,
}

/// A private key and its public half (cheap to clone: the key is shared, not copied).
#[derive(Clone)]
pub struct PrivateKey {
    pair: Arc<KeyPair>,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("algorithm", &self.pair.algorithm())
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// A new random key.
    pub fn generate(algorithm: KeyAlgorithm) -> Result<Self, Error> {
        let alg = match algorithm {
            KeyAlgorithm::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyAlgorithm::EcdsaP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
        };
        Ok(Self {
            pair: Arc::new(KeyPair::generate_for(alg)?),
        })
    }

    /// Reads a PEM key: PKCS#8 (`PRIVATE KEY`: ECDSA P-256/P-384, Ed25519, RSA) or PKCS#1
    /// (`RSA PRIVATE KEY`, what the Python library stores).
    pub fn from_pem(text: &str) -> Result<Self, Error> {
        let blocks = pem::decode_all(text)?;
        let (label, der) = blocks
            .into_iter()
            .find(|(l, _)| l == "PRIVATE KEY" || l == "RSA PRIVATE KEY")
            .ok_or_else(|| Error::crypto("private key", "no PRIVATE KEY or RSA PRIVATE KEY block"))?;
        let pkcs8 = if label == "RSA PRIVATE KEY" {
            pkcs1_to_pkcs8(&der)
        } else {
            der
        };
        let pair = KeyPair::try_from(pkcs8.as_slice()).map_err(|e| Error::crypto("private key", e))?;
        Ok(Self { pair: Arc::new(pair) })
    }

    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), no trailing newline.
    pub fn to_pem(&self) -> String {
        pem::encode("PRIVATE KEY", self.pair.serialized_der())
    }

    /// PKCS#8 DER.
    pub fn pkcs8_der(&self) -> &[u8] {
        self.pair.serialized_der()
    }

    /// The public key as it appears in the BIT STRING of a SubjectPublicKeyInfo (the EC
    /// point, or the PKCS#1 RSAPublicKey): what certificates and CSRs are matched on.
    pub fn public_key_raw(&self) -> &[u8] {
        self.pair.der_bytes()
    }

    pub(crate) fn key_pair(&self) -> &KeyPair {
        &self.pair
    }
}

/// Wraps a PKCS#1 RSAPrivateKey into a PKCS#8 PrivateKeyInfo (version 0, rsaEncryption
/// with NULL parameters), which is all ring reads.
fn pkcs1_to_pkcs8(pkcs1: &[u8]) -> Vec<u8> {
    const RSA_ALGORITHM: [u8; 15] = [
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let mut body = vec![0x02, 0x01, 0x00];
    body.extend_from_slice(&RSA_ALGORITHM);
    body.push(0x04);
    push_der_len(&mut body, pkcs1.len());
    body.extend_from_slice(pkcs1);
    let mut out = vec![0x30];
    push_der_len(&mut out, body.len());
    out.extend_from_slice(&body);
    out
}

fn push_der_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    out.push(0x80 | (bytes.len() - skip) as u8);
    out.extend_from_slice(&bytes[skip..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_round_trips_through_pem() {
        let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
        let pem = key.to_pem();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let back = PrivateKey::from_pem(&pem).unwrap();
        assert_eq!(back.public_key_raw(), key.public_key_raw());
        assert!(!format!("{key:?}").contains(&pem[30..60]));
    }

    #[test]
    fn der_lengths() {
        let mut v = Vec::new();
        push_der_len(&mut v, 0x7f);
        push_der_len(&mut v, 0x80);
        push_der_len(&mut v, 0x1234);
        assert_eq!(v, [0x7f, 0x81, 0x80, 0x82, 0x12, 0x34]);
    }

    #[test]
    fn junk_is_an_error() {
        assert!(PrivateKey::from_pem("").is_err());
        assert!(PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----").is_err());
    }
}
