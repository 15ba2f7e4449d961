//! Java keystores and PEM files from a certificate, its chain and its key.
//!
//! Kafka and ZooKeeper read PKCS#12 stores. A keystore is one PrivateKeyEntry: the key with
//! the full chain (leaf first), so peers can build the path without the intermediates. A
//! truststore is one trustedCertEntry per CA; Java only sees a certificate bag as trusted
//! when it carries Oracle's trusted-key-usage attribute, which `openssl pkcs12 -nokeys`
//! (bookworm's 3.0) does not write and `p12-keystore` does. Encryption is PBES2
//! AES-256-CBC with an HMAC-SHA256 MAC, which Java 17 reads.
//!
//! Files holding key material are created 0600 and replaced atomically, so a workload
//! never reads half a keystore.

use std::fs;
use std::io::Write;
use std::path::Path;

use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKeyChain};

use super::requirer::AssignedCertificate;
use super::{labels, pem, PrivateKey};
use crate::error::Error;

/// Builds a PKCS#12 keystore holding `key` with `chain` (PEMs, leaf first; duplicates
/// dropped) under `alias`, protected by `password`.
pub fn keystore(key: &PrivateKey, chain: &[String], alias: &str, password: &str) -> Result<Vec<u8>, Error> {
    let mut certs = Vec::new();
    let mut seen: Vec<Vec<u8>> = Vec::new();
    for text in chain {
        for der in pem::certificates(text)? {
            if !seen.contains(&der) {
                certs.push(Certificate::from_der(&der).map_err(|e| Error::Keystore(format!("certificate: {e}")))?);
                seen.push(der);
            }
        }
    }
    let Some(leaf) = seen.first() else {
        return Err(Error::Keystore("a keystore needs at least the leaf certificate".into()));
    };
    let key_id = labels::sha256_hex(leaf);
    let p12_key = p12_keystore::PrivateKey::from_der(key.pkcs8_der())
        .map_err(|e| Error::Keystore(format!("private key: {e}")))?;
    let mut store = KeyStore::new();
    store.add_entry(
        alias,
        KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(key_id.as_str(), p12_key, certs)),
    );
    store
        .writer(password)
        .write()
        .map_err(|e| Error::Keystore(e.to_string()))
}

/// Builds a PKCS#12 truststore with one trusted certificate per CA in `cas` (each PEM may
/// hold several certificates; duplicates dropped). Aliases are `alias_prefix`, then
/// `alias_prefix-1`, `alias_prefix-2`, …
pub fn truststore(cas: &[String], alias_prefix: &str, password: &str) -> Result<Vec<u8>, Error> {
    let mut store = KeyStore::new();
    let mut seen: Vec<Vec<u8>> = Vec::new();
    for text in cas {
        for der in pem::certificates(text)? {
            if seen.contains(&der) {
                continue;
            }
            let cert = Certificate::from_der(&der).map_err(|e| Error::Keystore(format!("certificate: {e}")))?;
            let alias = if seen.is_empty() {
                alias_prefix.to_owned()
            } else {
                format!("{alias_prefix}-{}", seen.len())
            };
            store.add_entry(&alias, KeyStoreEntry::Certificate(cert));
            seen.push(der);
        }
    }
    if seen.is_empty() {
        return Err(Error::Keystore("a truststore needs at least one CA certificate".into()));
    }
    store
        .writer(password)
        .write()
        .map_err(|e| Error::Keystore(e.to_string()))
}

impl AssignedCertificate {
    /// A keystore with our key and the full chain under `alias`.
    pub fn keystore(&self, alias: &str, password: &str) -> Result<Vec<u8>, Error> {
        keystore(&self.private_key, &self.certificate.full_chain(), alias, password)
    }

    /// A truststore with the CA (and the chain's root, if it is another certificate).
    pub fn truststore(&self, alias_prefix: &str, password: &str) -> Result<Vec<u8>, Error> {
        let mut cas = vec![self.certificate.ca.clone()];
        if let Some(root) = self.certificate.chain.last() {
            cas.push(root.clone());
        }
        truststore(&cas, alias_prefix, password)
    }

    /// The PEM files a workload usually wants: `(file name, content, secret?)` for
    /// `key.pem` (PKCS#8), `cert.pem` (leaf), `chain.pem` (full chain), `ca.pem`.
    pub fn pem_files(&self) -> Vec<(&'static str, String, bool)> {
        vec![
            ("key.pem", format!("{}\n", self.private_key.to_pem()), true),
            ("cert.pem", format!("{}\n", self.certificate.certificate.trim()), false),
            ("chain.pem", self.certificate.full_chain_pem(), false),
            ("ca.pem", format!("{}\n", self.certificate.ca.trim()), false),
        ]
    }
}

/// Writes `data` to `path` readable by the owner only (0600), atomically: a temporary file
/// in the same directory, created 0600, then renamed over `path`.
pub fn write_private_file(path: &Path, data: &[u8]) -> Result<(), Error> {
    use std::os::unix::fs::OpenOptionsExt;
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io)?;
    file.write_all(data).and_then(|()| file.sync_all()).map_err(io)?;
    // An existing temp file keeps its old mode: force it.
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600)).map_err(io)?;
    fs::rename(&tmp, path).map_err(io)
}
