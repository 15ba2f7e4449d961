//! Keystores Java accepts: a root → intermediate → leaf chain made with rcgen, turned into a
//! PKCS#12 keystore and truststore, then listed by the JDK's own `keytool`. Java is the
//! judge because Kafka and ZooKeeper read these files, and a store that other tools accept
//! can still show up empty in Java (a truststore without the trusted-key-usage attribute).

// Test code: a failed setup step is a failed test, so unwrap/expect are the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;

use std::time::Duration;

use charm_interfaces::tls::keystore::{keystore, truststore, write_private_file};
use charm_interfaces::tls::{CertRequest, CertificateAuthority, CertificateInfo, KeyAlgorithm, PrivateKey};
use interop_support::keytool_list;

const DAY: Duration = Duration::from_secs(86_400);

struct Chain {
    key: PrivateKey,
    /// leaf, intermediate, root
    pems: Vec<String>,
    root: String,
    intermediate: String,
}

fn chain() -> Chain {
    let root = CertificateAuthority::new_root("Test Root CA", 3650 * DAY).unwrap();
    let intermediate = root.new_intermediate("Test Intermediate CA", 365 * DAY).unwrap();
    let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let csr = CertRequest::new("zookeeper-0.zookeeper-endpoints")
        .dns("localhost")
        .san("127.0.0.1")
        .to_csr_pem(&key)
        .unwrap();
    let issued = intermediate.sign_csr(&csr, false, 90 * DAY).unwrap();
    assert_eq!(issued.chain.len(), 3, "leaf, intermediate, root");
    Chain {
        key,
        pems: issued.chain,
        root: root.certificate().to_owned(),
        intermediate: intermediate.certificate().to_owned(),
    }
}

#[test]
fn chain_is_well_formed() {
    let c = chain();
    let leaf = CertificateInfo::parse(&c.pems[0]).unwrap();
    assert!(!leaf.is_ca);
    assert_eq!(leaf.public_key, c.key.public_key_raw());
    assert!(leaf.sans_dns.contains("localhost"));
    assert!(CertificateInfo::parse(&c.pems[1]).unwrap().is_ca);
    assert_eq!(c.pems[1], c.intermediate);
    assert_eq!(c.pems[2], c.root);
}

#[test]
fn keytool_sees_a_private_key_entry_with_the_full_chain() {
    let c = chain();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keystore.p12");
    let bytes = keystore(&c.key, &c.pems, "zookeeper", "changeit").unwrap();
    write_private_file(&path, &bytes).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);

    let text = keytool_list(&path, "changeit");
    assert!(text.contains("Your keystore contains 1 entry"), "{text}");
    assert!(text.contains("Alias name: zookeeper"), "{text}");
    assert!(text.contains("Entry type: PrivateKeyEntry"), "{text}");
    assert!(text.contains("Certificate chain length: 3"), "{text}");
    assert!(text.contains("CN=zookeeper-0.zookeeper-endpoints"), "{text}");
    assert!(text.contains("CN=Test Intermediate CA"), "{text}");
}

#[test]
fn keytool_sees_trusted_cert_entries_in_the_truststore() {
    let c = chain();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truststore.p12");
    // The root twice (once inside a bundle) must give one entry, not two.
    let bundle = format!("{}\n{}\n", c.intermediate, c.root);
    let bytes = truststore(&[c.root.clone(), bundle], "ca", "changeit").unwrap();
    write_private_file(&path, &bytes).unwrap();

    let text = keytool_list(&path, "changeit");
    assert!(text.contains("Your keystore contains 2 entries"), "{text}");
    assert_eq!(text.matches("Entry type: trustedCertEntry").count(), 2, "{text}");
    assert!(text.contains("Alias name: ca\n"), "{text}");
    assert!(text.contains("Alias name: ca-1\n"), "{text}");
}

#[test]
fn wrong_password_and_empty_inputs_are_errors() {
    let c = chain();
    assert!(keystore(&c.key, &[], "a", "p").is_err());
    assert!(truststore(&[], "ca", "p").is_err());
    assert!(truststore(&["not a pem".to_owned()], "ca", "p").is_err());
    let bytes = keystore(&c.key, &c.pems, "a", "right").unwrap();
    assert!(p12_keystore::KeyStore::from_pkcs12(&bytes, "wrong", Default::default()).is_err());
    let store = p12_keystore::KeyStore::from_pkcs12(&bytes, "right", Default::default()).unwrap();
    let (alias, chain) = store.private_key_chain().unwrap();
    assert_eq!(alias, "a");
    assert_eq!(chain.certs().len(), 3);
    assert_eq!(chain.key().as_der(), c.key.pkcs8_der());
}

#[test]
fn private_file_replaces_an_existing_file_and_tightens_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key.pem");
    std::fs::write(&path, "old").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    write_private_file(&path, b"new").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"new");
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
}
