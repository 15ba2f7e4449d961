//! The `certificates` relation in the multi-unit world: a TLS provider related to the
//! ensemble, answering the units' CSRs as the provider charm does.

use std::time::Duration;

use charm_interfaces::tls::testing::{answer_requests, provider_relation};
use charm_interfaces::tls::wire::RequirerData;
use charm_interfaces::tls::CertificateAuthority;
use charm_testing::{juju_unit_bag, TestEvent};

use super::sim::Sim;

/// The certificates relation's id.
pub const CERTS: u32 = 20;

/// Relates a TLS provider and runs `relation-created` on units `0..units`; nobody answers yet.
pub fn relate_certificates(sim: &mut Sim, units: u32) {
    sim.relate(provider_relation("certificates").id(CERTS));
    for n in 0..units {
        let rel = sim.relation_view(n, CERTS);
        sim.run(n, TestEvent::relation_created(&rel));
    }
}

/// Three servers related to a TLS provider that has answered them from `ca`.
pub fn with_tls(sim: &mut Sim, ca: &CertificateAuthority) {
    relate_certificates(sim, 3);
    answer_csrs(sim, ca, &[0, 1, 2]);
}

/// The provider answers the CSRs of `units` (it sees them all in its relation) and withdraws
/// certificates nobody of them asks for.
pub fn answer_csrs(sim: &mut Sim, ca: &CertificateAuthority, units: &[u32]) {
    let mut all = RequirerData::default();
    for n in units {
        if let Some(bag) = sim.units[n].relation_bags.get(&CERTS) {
            let data = RequirerData::from_bag(bag, "unit bag").expect("CSRs");
            all.certificate_signing_requests
                .extend(data.certificate_signing_requests);
        }
    }
    let mut synthetic = sim
        .relations
        .iter()
        .find(|r| r.id.0 == CERTS)
        .expect("certificates relation")
        .clone();
    synthetic.local_unit_data = juju_unit_bag("10.9.9.9");
    synthetic.local_unit_data.extend(all.to_bag().expect("bag"));
    synthetic.local_app_data = Default::default();
    let answered = answer_requests(&synthetic, ca, Duration::from_secs(7 * 86_400)).expect("answered");
    if let Some(r) = sim.relations.iter_mut().find(|r| r.id.0 == CERTS) {
        r.remote_app_data = answered.remote_app_data;
    }
}

/// [`answer_csrs`] for every unit of the world.
pub fn answer_every_csr(sim: &mut Sim, ca: &CertificateAuthority) {
    let units: Vec<u32> = sim.units.keys().copied().collect();
    answer_csrs(sim, ca, &units);
}
