//! Keys an operator hands to `set-tls-private-key`, made by the `openssl` command line as an
//! operator makes them: PKCS#1 and PKCS#8 RSA, SEC1 and PKCS#8 ECDSA, raw or base64. They
//! load, sign a CSR that OpenSSL and Python's `cryptography` verify, carry the public key
//! OpenSSL derives, and end up in a keystore Java's `keytool` lists. Bad keys (too short,
//! encrypted, other algorithms, junk) are refused with a reason that never quotes the key.
//! Fails when `openssl`, `keytool` or Python's `cryptography` is missing: scripts/install-deps.sh
//! installs them wherever tests run.

// Test code: a failed setup step is a failed test, so unwrap/expect are the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;

use std::process::Command;
use std::time::Duration;

use base64::Engine;
use charm_interfaces::tls::keystore::{keystore, write_private_file};
use charm_interfaces::tls::testing::{assert_no_private_key, openssl_pem};
use charm_interfaces::tls::{CertRequest, CertificateAuthority, CsrInfo, PrivateKey};
use interop_support::{keytool_list, python_cryptography, stdout_with_input};

const DAY: Duration = Duration::from_secs(86_400);

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// `openssl ARGS` with `input` on stdin; its stdout.
#[track_caller]
fn openssl_with_input(args: &[&str], input: &[u8]) -> Vec<u8> {
    stdout_with_input(Command::new("openssl").args(args), input)
}

/// The SubjectPublicKeyInfo DER OpenSSL derives from a private key PEM.
fn openssl_spki(pem: &str) -> Vec<u8> {
    openssl_with_input(&["pkey", "-pubout", "-outform", "DER"], pem.as_bytes())
}

/// Asserts that no 16-character run of the key's base64 body appears in `text`.
#[track_caller]
fn assert_no_key_material(text: &str, pem: &str) {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----") && !l.contains(':'))
        .collect();
    for start in (0..body.len().saturating_sub(16)).step_by(8) {
        assert!(!text.contains(&body[start..start + 16]), "key material in {text:?}");
    }
    assert!(!text.contains("PRIVATE KEY-----"), "a PEM in {text:?}");
}

#[track_caller]
fn refused(input: &str, why: &str) -> String {
    let err = PrivateKey::from_operator_input(input).expect_err("the key should be refused");
    let text = err.to_string();
    assert!(text.contains(why), "{text:?} does not say {why:?}");
    assert_no_key_material(&text, input);
    assert_no_key_material(&format!("{err:?}"), input);
    text
}

/// Loads `pem` raw and base64-encoded, and checks the public key against OpenSSL's.
#[track_caller]
fn loads(pem: &str) -> PrivateKey {
    let key = PrivateKey::from_operator_input(pem).unwrap();
    let again = PrivateKey::from_operator_input(&b64(pem)).unwrap();
    assert_eq!(key.public_key_raw(), again.public_key_raw());
    // base64 with line breaks (`base64` without -w0) too.
    let wrapped: String = b64(pem)
        .as_bytes()
        .chunks(76)
        .map(|c| format!("{}\n", std::str::from_utf8(c).unwrap()))
        .collect();
    assert_eq!(
        PrivateKey::from_operator_input(&wrapped).unwrap().public_key_raw(),
        key.public_key_raw()
    );
    assert_eq!(
        key.public_key_spki_der(),
        openssl_spki(pem),
        "same public key as OpenSSL's"
    );
    // What goes into the secret is PKCS#8 and reads back as the same key.
    let stored = key.to_pem();
    assert!(stored.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_eq!(
        PrivateKey::from_pem(&stored).unwrap().public_key_raw(),
        key.public_key_raw()
    );
    assert!(!format!("{key:?}").contains(&stored[40..60]));
    key
}

fn csr_for(key: &PrivateKey) -> String {
    CertRequest::new("kafka-k8s-0.kafka-k8s-endpoints")
        .dns("kafka-k8s-0")
        .san("10.1.2.3")
        .to_csr_pem(key)
        .unwrap()
}

#[test]
fn rsa_pkcs1_and_pkcs8_load_and_sign() {
    let pkcs1 = openssl_pem(&["genrsa", "-traditional", "2048"]);
    assert!(pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----"), "{}", &pkcs1[..40]);
    let key = loads(&pkcs1);
    let pkcs8 = openssl_pem(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"]);
    assert!(pkcs8.starts_with("-----BEGIN PRIVATE KEY-----"));
    loads(&pkcs8);

    // The CSR carries the operator's key and OpenSSL verifies its signature.
    let csr = csr_for(&key);
    assert_eq!(CsrInfo::parse(&csr).unwrap().public_key, key.public_key_raw());
    openssl_with_input(&["req", "-verify", "-noout"], csr.as_bytes());
    let pubkey = openssl_with_input(&["req", "-pubkey", "-noout"], csr.as_bytes());
    let spki = openssl_with_input(&["pkey", "-pubin", "-outform", "DER"], &pubkey);
    assert_eq!(spki, openssl_spki(&pkcs1));
}

#[test]
fn ec_sec1_and_pkcs8_load() {
    let sec1 = openssl_pem(&["ecparam", "-name", "prime256v1", "-genkey", "-noout"]);
    assert!(sec1.starts_with("-----BEGIN EC PRIVATE KEY-----"));
    loads(&sec1);
    let p384 = openssl_pem(&["ecparam", "-name", "secp384r1", "-genkey", "-noout"]);
    loads(&p384);
    let pkcs8 = openssl_pem(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    assert!(pkcs8.starts_with("-----BEGIN PRIVATE KEY-----"));
    let key = loads(&pkcs8);
    openssl_with_input(&["req", "-verify", "-noout"], csr_for(&key).as_bytes());
    // `ecparam -genkey` without -noout prints the parameters first: still found.
    let with_params = openssl_pem(&["ecparam", "-name", "prime256v1", "-genkey"]);
    assert!(with_params.starts_with("-----BEGIN EC PARAMETERS-----"));
    loads(&with_params);
}

#[test]
fn short_encrypted_and_foreign_keys_are_refused() {
    let short = openssl_pem(&["genrsa", "-traditional", "1024"]);
    refused(&short, "RSA key of 1024 bits is too short; at least 2048 bits");
    refused(&b64(&short), "RSA key of 1024 bits is too short");
    let short8 = openssl_pem(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"]);
    refused(&short8, "1024 bits");

    let encrypted8 = openssl_pem(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-aes256",
        "-pass",
        "pass:secret",
    ]);
    assert!(encrypted8.contains("ENCRYPTED PRIVATE KEY"));
    refused(&encrypted8, "encrypted");
    refused(&b64(&encrypted8), "encrypted");
    let encrypted1 = openssl_pem(&["genrsa", "-traditional", "-aes256", "-passout", "pass:secret", "2048"]);
    assert!(encrypted1.contains("Proc-Type: 4,ENCRYPTED"));
    refused(&encrypted1, "encrypted");

    let k1 = openssl_pem(&["ecparam", "-name", "secp256k1", "-genkey", "-noout"]);
    refused(&k1, "unsupported key type ECDSA secp256k1");
    let p521 = openssl_pem(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"]);
    refused(&p521, "unsupported key type ECDSA P-521");
    let ed = openssl_pem(&["genpkey", "-algorithm", "ed25519"]);
    refused(&ed, "unsupported key type Ed25519");
    let x = openssl_pem(&["genpkey", "-algorithm", "x25519"]);
    refused(&x, "unsupported key type X25519");
    let pss = openssl_pem(&["genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"]);
    refused(&pss, "unsupported key type RSA-PSS");
}

#[test]
fn junk_is_refused_without_echoing_it() {
    refused("", "empty");
    refused("   \n", "empty");
    refused("not a key at all!", "neither PEM nor base64");
    refused(&b64("hello, world"), "does not decode to a PEM key");
    let ca = CertificateAuthority::new_root("ca", DAY).unwrap();
    refused(ca.certificate(), "no PRIVATE KEY");
    refused(
        "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END PRIVATE KEY-----",
        "private key",
    );
    refused(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----",
        "unsupported format",
    );
    // A damaged key: a valid RSA key with one byte of the private exponent flipped.
    let good = openssl_pem(&["genrsa", "-traditional", "2048"]);
    let der = charm_interfaces::tls::pem::decode_one(&good, "RSA PRIVATE KEY").unwrap();
    let mut bad = der.clone();
    let i = bad.len() - 10;
    bad[i] ^= 0x55;
    let text = charm_interfaces::tls::pem::encode("RSA PRIVATE KEY", &bad);
    refused(&text, "does not load");
}

/// Python's `cryptography` (what the Python provider parses CSRs with) verifies the
/// signature ring made with the operator's RSA key.
#[test]
fn python_cryptography_verifies_the_rsa_signed_csr() {
    let pem = openssl_pem(&["genrsa", "-traditional", "2048"]);
    let key = PrivateKey::from_operator_input(&pem).unwrap();
    let csr = csr_for(&key);
    let script = "import sys\nfrom cryptography import x509\ncsr = x509.load_pem_x509_csr(sys.stdin.read().encode())\n\
                  print(csr.is_signature_valid, csr.signature_hash_algorithm.name, csr.public_key().key_size)";
    assert_eq!(python_cryptography(script, &csr).trim(), "True sha256 2048");
}

/// The keystore Kafka and ZooKeeper get when the operator's key is RSA (PKCS#1, as
/// `openssl genrsa -traditional` writes it): Java lists the key entry and its chain.
#[test]
fn keytool_accepts_a_keystore_with_the_operators_rsa_key() {
    let pem = openssl_pem(&["genrsa", "-traditional", "2048"]);
    let key = PrivateKey::from_operator_input(&b64(&pem)).unwrap();
    let root = CertificateAuthority::new_root("Test Root CA", 30 * DAY).unwrap();
    let issued = root.sign_csr(&csr_for(&key), false, DAY).unwrap();
    let bytes = keystore(&key, &issued.chain, "kafka", "changeit").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keystore.p12");
    write_private_file(&path, &bytes).unwrap();
    // The key itself, back out of the keystore through OpenSSL, is the operator's.
    let out = Command::new("openssl")
        .args(["pkcs12", "-in"])
        .arg(&path)
        .args(["-nocerts", "-nodes", "-passin", "pass:changeit"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(openssl_spki(&String::from_utf8_lossy(&out.stdout)), openssl_spki(&pem));

    let text = keytool_list(&path, "changeit");
    assert!(text.contains("Entry type: PrivateKeyEntry"), "{text}");
    assert!(text.contains("Certificate chain length: 2"), "{text}");
    assert!(text.contains("2048-bit RSA key"), "{text}");
    assert!(text.contains("CN=kafka-k8s-0.kafka-k8s-endpoints"), "{text}");
}

/// The leak check the charms' tests use: it finds a private line of either encoding (the
/// operator's PKCS#1 and the PKCS#8 the charm stores) and its base64 form, and does not
/// mistake the CSR and certificate (which carry the public modulus) for a leak.
#[test]
fn the_leak_check_finds_both_encodings_and_ignores_the_public_half() {
    let pem = openssl_pem(&["genrsa", "-traditional", "2048"]);
    let key = PrivateKey::from_operator_input(&pem).unwrap();
    let stored = key.to_pem();
    let csr = csr_for(&key);
    let root = CertificateAuthority::new_root("Test Root CA", 30 * DAY).unwrap();
    let issued = root.sign_csr(&csr, false, DAY).unwrap();
    let public = vec![
        csr.clone(),
        csr.replace('\n', ""),
        issued.certificate.clone(),
        issued.certificate.replace('\n', ""),
    ];
    assert_no_private_key(&public, &pem);
    assert_no_private_key(&public, &stored);

    // A line from the private half (CRT coefficients at the end), and whole encodings.
    let private_line = |text: &str| {
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len() - 3].to_owned()
    };
    let caught = |leak: String, key: &str| {
        let texts = vec![format!("juju-log: {leak}")];
        std::panic::catch_unwind(|| assert_no_private_key(&texts, key)).is_err()
    };
    assert!(caught(private_line(&stored), &stored));
    assert!(caught(private_line(&pem), &pem));
    assert!(caught(stored.clone(), &stored));
    assert!(caught(b64(&stored), &stored));
    // The operator's PEM alone does not find the stored form: both must be searched.
    assert!(!caught(private_line(&stored), &pem));
}
