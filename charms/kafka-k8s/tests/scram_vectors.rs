//! SCRAM computed in Rust against published test vectors (RFC 7677 for SHA-256, RFC 5802
//! for SHA-1), against an independent SHA-512 computation with Python's `hashlib`/`hmac`,
//! and against the server-side check a SCRAM server does with the stored credential.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use kafka_k8s::scram::{
    client_proof, salted_password, server_signature, ScramCredential, ScramMechanism, StoredCredential,
    DEFAULT_ITERATIONS,
};

fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

fn auth_message(user: &str, client_nonce: &str, nonce: &str, salt_b64: &str, iterations: u32) -> String {
    format!("n={user},r={client_nonce},r={nonce},s={salt_b64},i={iterations},c=biws,r={nonce}")
}

#[test]
fn rfc7677_scram_sha_256_vector() {
    let salt_b64 = "W22ZaJ0SNY7soEsUEjb6gQ==";
    let nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    let message = auth_message("user", "rOprNGfwEbeRWgbNEkqO", nonce, salt_b64, 4096);
    let salt = STANDARD.decode(salt_b64).unwrap();
    let salted = salted_password(ScramMechanism::Sha256, "pencil", &salt, 4096).unwrap();
    let proof = client_proof(ScramMechanism::Sha256, &salted, message.as_bytes());
    assert_eq!(b64(&proof), "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    let credential = ScramCredential::with_salt(ScramMechanism::Sha256, "pencil", &salt, 4096).unwrap();
    let signature = server_signature(ScramMechanism::Sha256, &credential.server_key, message.as_bytes());
    assert_eq!(b64(&signature), "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
}

#[test]
fn rfc5802_scram_sha_1_vector() {
    let salt_b64 = "QSXCR+Q6sek8bf92";
    let nonce = "fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j";
    let message = auth_message("user", "fyko+d2lbbFgONRv9qkxdawL", nonce, salt_b64, 4096);
    let salt = STANDARD.decode(salt_b64).unwrap();
    let salted = salted_password(ScramMechanism::Sha1, "pencil", &salt, 4096).unwrap();
    assert_eq!(
        b64(&client_proof(ScramMechanism::Sha1, &salted, message.as_bytes())),
        "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
    );
    let credential = ScramCredential::with_salt(ScramMechanism::Sha1, "pencil", &salt, 4096).unwrap();
    assert_eq!(
        b64(&server_signature(
            ScramMechanism::Sha1,
            &credential.server_key,
            message.as_bytes()
        )),
        "rmF9pqV8S7suAoZWja4dJRkFsKQ="
    );
}

/// The same SCRAM-SHA-512 credential computed by Python's standard library.
fn python_scram_sha512(password: &str, salt: &[u8], iterations: u32) -> String {
    let script = r#"
import base64, hashlib, hmac, sys
password, salt, iterations = sys.argv[1].encode(), base64.b64decode(sys.argv[2]), int(sys.argv[3])
salted = hashlib.pbkdf2_hmac("sha512", password, salt, iterations)
client_key = hmac.new(salted, b"Client Key", hashlib.sha512).digest()
stored_key = hashlib.sha512(client_key).digest()
server_key = hmac.new(salted, b"Server Key", hashlib.sha512).digest()
b = lambda x: base64.b64encode(x).decode()
print(f"salt={b(salt)},stored_key={b(stored_key)},server_key={b(server_key)},iterations={iterations}", end="")
"#;
    let out = Command::new("python3")
        .args(["-c", script, password, &b64(salt), &iterations.to_string()])
        .output()
        .expect("python3 is needed for this cross-check (scripts/install-deps.sh)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn scram_sha_512_matches_python_hashlib() {
    for (password, iterations) in [("Adm1n-passw0rd", DEFAULT_ITERATIONS), ("ünïcödé ✓", 8192)] {
        let credential = ScramCredential::generate(ScramMechanism::Sha512, password, iterations).unwrap();
        assert_eq!(
            credential.to_kafka_string(),
            python_scram_sha512(password, &credential.salt, iterations),
            "{password:?}"
        );
        assert_eq!(credential.stored_key.len(), 64);
    }
}

#[test]
fn a_server_holding_the_stored_credential_accepts_the_right_password_only() {
    let stored = StoredCredential::parse(
        &ScramCredential::generate(ScramMechanism::Sha512, "right", DEFAULT_ITERATIONS)
            .unwrap()
            .to_kafka_string(),
    )
    .unwrap();
    let message = b"n=relation-7,r=abc,r=abcdef,s=c2FsdA==,i=4096,c=biws,r=abcdef";
    // What the server does with a client's proof (RFC 5802 §3).
    let server_accepts = |password: &str| {
        let salted = salted_password(ScramMechanism::Sha512, password, &stored.salt, stored.iterations).unwrap();
        let proof = client_proof(ScramMechanism::Sha512, &salted, message);
        let signature = server_signature(ScramMechanism::Sha512, &stored.stored_key, message);
        let client_key: Vec<u8> = proof.iter().zip(&signature).map(|(a, b)| a ^ b).collect();
        ring::digest::digest(&ring::digest::SHA512, &client_key).as_ref() == stored.stored_key.as_slice()
    };
    assert!(server_accepts("right"));
    assert!(!server_accepts("wrong"));
}

#[test]
fn kafka_salts_look_like_kafkas() {
    let a = ScramCredential::generate(ScramMechanism::Sha512, "p", DEFAULT_ITERATIONS).unwrap();
    let b = ScramCredential::generate(ScramMechanism::Sha512, "p", DEFAULT_ITERATIONS).unwrap();
    assert_ne!(a.salt, b.salt, "salts must be random");
    assert!(a.salt.iter().all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()));
    assert_ne!(a.to_kafka_string(), b.to_kafka_string());
}
