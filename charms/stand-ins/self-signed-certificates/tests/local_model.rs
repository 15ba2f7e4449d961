//! End to end in a local model: the CA stand-in and two units of a tiny requirer (the
//! fixture under charms/stand-ins/tests/tls-requirer, on our TlsRequirer and
//! CertificateTransferRequirer) are deployed and integrated on both endpoints; each unit
//! gets a certificate signed by the stand-in's CA and the CA itself over send-ca-cert.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::model::{charm, Model};
use support::signed_by;

#[test]
fn a_requirer_gets_a_certificate_signed_by_the_stand_in() {
    let ca_charm = charm("charms/stand-ins/self-signed-certificates", "self-signed-certificates");
    let requirer_charm = charm("charms/stand-ins/tests/tls-requirer", "stand-in-tls-requirer");
    let model = Model::up();
    model.ok(&["deploy", ca_charm.to_str().unwrap(), "self-signed-certificates"]);
    model.ok(&["deploy", requirer_charm.to_str().unwrap(), "tls-requirer", "-n", "2"]);
    model.ok(&[
        "integrate",
        "tls-requirer:certificates",
        "self-signed-certificates:certificates",
    ]);
    model.ok(&[
        "integrate",
        "tls-requirer:receive-ca-cert",
        "self-signed-certificates:send-ca-cert",
    ]);
    model.ok(&["wait-for-idle", "--timeout", "180"]);

    let status = model.status();
    let apps = &status["applications"];
    assert_eq!(
        apps["self-signed-certificates"]["units"]["self-signed-certificates/0"]["workload-status"]["current"],
        "active"
    );
    let ca = model.action("self-signed-certificates/0", "get-ca-certificate")["ca-certificate"].clone();
    assert!(ca.trim_start().starts_with("-----BEGIN CERTIFICATE-----"), "{ca}");

    for n in 0..2 {
        let unit = format!("tls-requirer/{n}");
        let message = &apps["tls-requirer"]["units"][&unit]["workload-status"]["message"];
        assert_eq!(
            message,
            &format!("certificate for tls-requirer-{n}, 1 trusted CA(s)"),
            "{unit}"
        );
        let got = model.action(&unit, "get-certificate");
        assert!(
            signed_by(&got["certificate"], &ca),
            "{unit}'s certificate is signed by the stand-in's CA"
        );
        assert_eq!(got["ca"].trim(), ca.trim());
        let trusted: Vec<String> = serde_json::from_str(&got["trusted-cas"]).unwrap();
        assert_eq!(trusted.iter().map(|c| c.trim()).collect::<Vec<_>>(), [ca.trim()]);
    }

    let issued = model.action("self-signed-certificates/0", "get-issued-certificates");
    let list: Vec<String> = serde_json::from_str(&issued["certificates"]).unwrap();
    assert_eq!(list.len(), 2, "one certificate per requirer unit");
    assert!(!model.log().contains("BEGIN PRIVATE KEY"), "no key in the debug log");
}
