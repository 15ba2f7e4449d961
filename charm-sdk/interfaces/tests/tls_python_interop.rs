//! The Python side's own tools judge our bytes: `json.dumps(json.loads(v)) == v` for every
//! JSON value we write (so a Python charm rewriting our data changes nothing), Python's
//! `cryptography` re-serialises our CSR to the identical string (the provider matches on
//! it), signs it as the provider library does, and the RSA keys the Python library stores
//! load here. Fails when python3 with `cryptography` is missing (scripts/install-deps.sh).

// Test code: a failed setup step is a failed test, so unwrap/expect are the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;

use charm_interfaces::tls::wire::{CertificateEntry, CsrEntry, ProviderAppData, RequirerData};
use charm_interfaces::tls::{CertRequest, CertificateAuthority, CertificateInfo, CsrInfo, KeyAlgorithm, PrivateKey};
use interop_support::python_cryptography;

fn sample_bags() -> Vec<String> {
    let ca = CertificateAuthority::new_root("Ünïcødé CA ✓", std::time::Duration::from_secs(86_400)).unwrap();
    let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let csr = CertRequest::new("kafka-0")
        .dns("kafka-0.kafka-endpoints")
        .to_csr_pem(&key)
        .unwrap();
    let issued = ca.sign_csr(&csr, false, std::time::Duration::from_secs(3600)).unwrap();
    let requirer = RequirerData {
        certificate_signing_requests: vec![CsrEntry {
            certificate_signing_request: csr.clone(),
            ca: Some(false),
        }],
    };
    let provider = ProviderAppData {
        certificates: vec![CertificateEntry {
            ca: issued.ca,
            certificate_signing_request: csr,
            certificate: issued.certificate,
            chain: Some(issued.chain),
            revoked: Some(true),
        }],
        request_errors: vec![charm_interfaces::tls::wire::RequestError {
            csr: "x\u{7f}\u{1}é😀\"\\/".into(),
            error: charm_interfaces::tls::wire::CertificateError {
                code: 101,
                name: "ip_not_allowed".into(),
                message: "IP SANs are not allowed — «non»".into(),
                reason: None,
                provider: Some("acme".into()),
                endpoint: None,
            },
        }],
        capabilities: Some(Default::default()),
    };
    let mut values: Vec<String> = requirer.to_bag().unwrap().into_values().collect();
    values.extend(provider.to_bag().unwrap().into_values());
    values.extend(
        charm_interfaces::certificate_transfer::wire::provider_unit_bag_v0(&["é".to_owned(), "b".to_owned()].into())
            .unwrap()
            .into_values(),
    );
    values.retain(|v| !v.is_empty());
    values
}

#[test]
fn every_json_value_we_write_is_what_python_json_dumps_writes() {
    let values = sample_bags();
    let input = serde_json::to_string(&values).unwrap();
    let script = "import json,sys\nvals=json.load(sys.stdin)\nbad=[v for v in vals if json.dumps(json.loads(v))!=v]\nprint(json.dumps(bad))";
    let out = python_cryptography(script, &input);
    assert_eq!(out.trim(), "[]", "values Python would write differently: {out}");
}

#[test]
fn cryptography_re_serialises_our_csr_identically_and_signs_it() {
    let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let mut req = CertRequest::new("zk-0.zk-endpoints")
        .dns("zk-0")
        .san("10.1.2.3")
        .organization("Canonical");
    req.country_name = Some("GB".into());
    req.email_address = Some("ops@example.com".into());
    let csr = req.to_csr_pem(&key).unwrap();
    // What the library does with a CSR: load, str(), read attributes, and (provider) sign
    // it with an RSA CA the way Certificate.generate does.
    let script = r#"
import sys, json, datetime, hashlib
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
pem = sys.stdin.read()
csr = x509.load_pem_x509_csr(pem.encode())
again = csr.public_bytes(serialization.Encoding.PEM).decode().strip()
san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "python-ca")])
now = datetime.datetime.now(datetime.timezone.utc)
ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
      .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=2))
      .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
      .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(key, hashes.SHA256()))
cert = (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(ca.issuer).public_key(csr.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(san, critical=False).sign(key, hashes.SHA256()))
print(json.dumps({
  "same": again == pem,
  "valid": csr.is_signature_valid,
  "cn": csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value,
  "uid": len(csr.subject.get_attributes_for_oid(NameOID.X500_UNIQUE_IDENTIFIER)),
  "email": csr.subject.get_attributes_for_oid(NameOID.EMAIL_ADDRESS)[0].value,
  "c": csr.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value,
  "dns": sorted(san.get_values_for_type(x509.DNSName)),
  "ip": sorted(str(i) for i in san.get_values_for_type(x509.IPAddress)),
  "sha": hashlib.sha256(again.encode()).hexdigest(),
  "cert": cert.public_bytes(serialization.Encoding.PEM).decode().strip(),
}))
"#;
    let out = python_cryptography(script, &csr);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["same"], true, "cryptography re-serialises our CSR differently");
    assert_eq!(v["valid"], true);
    assert_eq!(v["cn"], "zk-0.zk-endpoints");
    assert_eq!(v["uid"], 1);
    assert_eq!(v["email"], "ops@example.com");
    assert_eq!(v["c"], "GB");
    assert_eq!(v["dns"], serde_json::json!(["zk-0"]));
    assert_eq!(v["ip"], serde_json::json!(["10.1.2.3"]));
    assert_eq!(v["sha"], charm_interfaces::tls::labels::sha256_hex(csr.as_bytes()));
    // A Python (RSA CA) certificate for our ECDSA CSR carries our key: our requirer accepts it.
    let cert = CertificateInfo::parse(v["cert"].as_str().unwrap()).unwrap();
    assert_eq!(cert.public_key, key.public_key_raw());
    assert!(req.matches(&CsrInfo::parse(&csr).unwrap(), false));
}

#[test]
fn rsa_keys_stored_by_the_python_library_load_and_sign() {
    // PrivateKey.generate + str(): TraditionalOpenSSL PEM ("RSA PRIVATE KEY"), stripped.
    let script = r#"
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
print(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()).decode().strip())
"#;
    let pem = python_cryptography(script, "");
    assert!(pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    let key = PrivateKey::from_pem(&pem).unwrap();
    let csr = CertRequest::new("kafka-0").to_csr_pem(&key).unwrap();
    let check = "import sys\nfrom cryptography import x509\nc=x509.load_pem_x509_csr(sys.stdin.read().encode())\nprint(c.is_signature_valid, c.signature_hash_algorithm.name)";
    let out = python_cryptography(check, &csr);
    assert_eq!(out.trim(), "True sha256");
    assert_eq!(CsrInfo::parse(&csr).unwrap().public_key, key.public_key_raw());
}
