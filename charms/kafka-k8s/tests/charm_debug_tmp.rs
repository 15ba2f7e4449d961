#![allow(clippy::unwrap_used)]
mod charm_support;
use charm_support::*;
use charm_testing::TestEvent;
#[test]
fn dbg() {
    let first = run(TestEvent::config_changed(), with_zookeeper(base(true, 0)));
    let client = charm_interfaces::dataplatform::testing::kafka_client_requirer("kafka-client", "orders", "producer");
    let out = run(TestEvent::relation_changed(&client), first.state.relation(client.clone()));
    let out = next(&out, TestEvent::update_status());
    let out = next(&out, TestEvent::update_status());
    for c in &out.calls { println!("{c}"); }
    println!("{}", out.calls.len());
}
