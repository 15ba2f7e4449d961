//! The requirer's private key: generated here, kept in a Juju secret, never on a relation.
//!
//! The workspace has one crypto stack (ring), which cannot generate RSA keys, so new keys
//! are ECDSA (P-256 by default). Every provider we interoperate with signs an ECDSA CSR
//! (the Python provider's `Certificate.generate` copies the CSR's public key whatever its
//! type; ACME and Vault accept P-256). Keys written by the Python library (RSA, PKCS#1
//! "RSA PRIVATE KEY") are still *read*, so a unit that moves from the Python charm to
//! this one keeps its key and its certificate. An operator's own key
//! ([`PrivateKey::from_operator_input`], the `set-tls-private-key` action) may be RSA
//! (PKCS#1 or PKCS#8) or ECDSA (SEC1 or PKCS#8): ring signs with either.
//!
//! The key is PKCS#8 DER inside; `Debug` never prints it.

use std::fmt;
use std::sync::Arc;

use base64::Engine;
use rcgen::{KeyPair, PublicKeyData};

use super::key_der::{self, KeyKind, KeyProblem};
use super::pem;
use crate::error::Error;

/// The smallest RSA modulus accepted (ring's own floor, and the Python library's default).
pub const MIN_RSA_BITS: usize = 2048;
/// The largest RSA modulus ring signs with.
pub const MAX_RSA_BITS: usize = 8192;
/// The content key of the Juju secret an operator may name instead of passing a key to
/// `set-tls-private-key` (see [`PrivateKey::operator_secret_uri`]).
pub const OPERATOR_KEY_SECRET_FIELD: &str = "private-key";
const ENCRYPTED: &str = "the key is encrypted; give it unencrypted (`openssl pkey -in key.pem -out plain.pem`)";

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

    /// Reads a PEM key: PKCS#8 (`PRIVATE KEY`: ECDSA P-256/P-384, Ed25519, RSA), PKCS#1
    /// (`RSA PRIVATE KEY`, what the Python library stores) or SEC1 (`EC PRIVATE KEY`).
    /// Encrypted keys, other algorithms and RSA outside 2048–8192 bits are refused with a
    /// reason that never quotes the key.
    pub fn from_pem(text: &str) -> Result<Self, Error> {
        Self::parse(text).map(|(key, _)| key)
    }

    /// Reads a key an operator handed over (an action parameter): PEM as [`Self::from_pem`]
    /// reads it, or that PEM base64-encoded (what `base64 -w0 key.pem` prints, the form
    /// that survives a command line). Ed25519 is refused: Java's TLS and the Python
    /// libraries' CSR signing do not take it, so a certificate could never be used.
    pub fn from_operator_input(text: &str) -> Result<Self, Error> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::crypto("private key", "empty"));
        }
        let decoded;
        let pem_text = if text.contains("-----BEGIN") {
            text
        } else {
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&compact)
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&compact))
                .map_err(|_| Error::crypto("private key", "neither PEM nor base64-encoded PEM"))?;
            decoded = String::from_utf8(bytes)
                .ok()
                .filter(|t| t.contains("-----BEGIN"))
                .ok_or_else(|| Error::crypto("private key", "base64 that does not decode to a PEM key"))?;
            decoded.as_str()
        };
        let (key, kind) = Self::parse(pem_text)?;
        if kind == KeyKind::Ed25519 {
            return Err(Error::crypto(
                "private key",
                KeyProblem::Unsupported("Ed25519".to_owned()),
            ));
        }
        Ok(key)
    }

    /// The Juju secret an operator named instead of handing the key over: Juju stores an
    /// action's parameters with the task (`juju show-task` shows them), so a raw key passed
    /// to `set-tls-private-key` stays readable there, while a secret URI (`juju add-secret
    /// my-key private-key#file=key.pem`, then `juju grant-secret my-key <app>`) does not.
    /// `Ok(None)` when `text` is a key itself (PEM and base64 never start with `secret:`);
    /// the secret's [`OPERATOR_KEY_SECRET_FIELD`] holds the key, read by
    /// [`Self::from_operator_input`].
    pub fn operator_secret_uri(text: &str) -> Result<Option<juju_model::SecretUri>, Error> {
        let text = text.trim();
        if !text.starts_with("secret:") {
            return Ok(None);
        }
        juju_model::SecretUri::new(text)
            .map(Some)
            .map_err(|_| Error::Input(format!("{text:?} is not a secret URI (secret:<id>)")))
    }

    fn parse(text: &str) -> Result<(Self, KeyKind), Error> {
        let problem = |p: KeyProblem| Error::crypto("private key", p);
        if text.contains("Proc-Type:") && text.contains("ENCRYPTED") {
            return Err(Error::crypto("private key", ENCRYPTED));
        }
        let (label, der) = pem::decode_all(text)?
            .into_iter()
            .find(|(l, _)| l.ends_with("PRIVATE KEY"))
            .ok_or_else(|| Error::crypto("private key", "no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block"))?;
        let (pkcs8, kind) = match label.as_str() {
            "PRIVATE KEY" => {
                let kind = key_der::pkcs8_kind(&der).map_err(problem)?;
                (der, kind)
            }
            "RSA PRIVATE KEY" => {
                let bits = key_der::rsa_bits(&der).map_err(problem)?;
                (key_der::pkcs1_to_pkcs8(&der), KeyKind::Rsa(bits))
            }
            "EC PRIVATE KEY" => {
                let (pkcs8, curve) = key_der::sec1_to_pkcs8(&der).map_err(problem)?;
                (pkcs8, KeyKind::Ec(curve))
            }
            "ENCRYPTED PRIVATE KEY" => return Err(Error::crypto("private key", ENCRYPTED)),
            other => {
                return Err(Error::crypto(
                    "private key",
                    format!("unsupported format {other:?}; give PKCS#8, PKCS#1 (RSA) or SEC1 (EC) PEM"),
                ))
            }
        };
        if let KeyKind::Rsa(bits) = kind {
            if bits < MIN_RSA_BITS {
                return Err(Error::crypto(
                    "private key",
                    format!("RSA key of {bits} bits is too short; at least {MIN_RSA_BITS} bits are needed"),
                ));
            }
            if bits > MAX_RSA_BITS {
                return Err(Error::crypto(
                    "private key",
                    format!("RSA key of {bits} bits is too long; at most {MAX_RSA_BITS} bits are supported"),
                ));
            }
        }
        // ring checks the key's consistency (public half matches, RSA primes multiply out).
        let pair = KeyPair::try_from(pkcs8.as_slice())
            .map_err(|_| Error::crypto("private key", "the key does not load (damaged or inconsistent)"))?;
        Ok((Self { pair: Arc::new(pair) }, kind))
    }

    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), no trailing newline.
    pub fn to_pem(&self) -> String {
        pem::encode("PRIVATE KEY", self.pair.serialized_der())
    }

    /// PKCS#8 DER.
    pub fn pkcs8_der(&self) -> &[u8] {
        self.pair.serialized_der()
    }

    /// The SubjectPublicKeyInfo DER (what `openssl pkey -pubout -outform DER` prints).
    pub fn public_key_spki_der(&self) -> Vec<u8> {
        self.pair.subject_public_key_info()
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
    fn junk_is_an_error() {
        assert!(PrivateKey::from_pem("").is_err());
        assert!(PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----").is_err());
    }
}

#[cfg(test)]
mod operator_secret_tests {
    use super::*;

    #[test]
    fn a_secret_uri_names_a_secret_and_keys_do_not() {
        let uri = PrivateKey::operator_secret_uri(" secret:d0m8a7kcmg1s7bn3l4pg\n")
            .unwrap()
            .unwrap();
        assert_eq!(uri.id(), "d0m8a7kcmg1s7bn3l4pg");
        let long =
            PrivateKey::operator_secret_uri("secret://6e2ba5b4-7e5c-4a9b-8b32-3b1c3c9d9f00/d0m8a7kcmg1s7bn3l4pg");
        assert_eq!(long.unwrap().unwrap().id(), "d0m8a7kcmg1s7bn3l4pg");
        let pem = PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap().to_pem();
        assert_eq!(PrivateKey::operator_secret_uri(&pem).unwrap(), None);
        let b64 = base64::engine::general_purpose::STANDARD.encode(&pem);
        assert_eq!(PrivateKey::operator_secret_uri(&b64).unwrap(), None);
        let e = PrivateKey::operator_secret_uri("secret:not/a-uri!").unwrap_err();
        assert!(e.to_string().contains("is not a secret URI"), "{e}");
    }
}
