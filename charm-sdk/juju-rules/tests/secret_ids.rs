//! New secret ids never collide with secrets a model already holds (a model built from a
//! test state starts its id sequence again).

use juju_model::SecretUri;
use juju_rules::{make_secret_id, Model, Secret, SecretOwnerRef};

#[test]
fn allocation_skips_ids_already_in_use() {
    let mut model = Model::new("m", "0a1b2c3d-aaaa-bbbb-cccc-0123456789ab");
    let taken = make_secret_id(&model.uuid, model.next_secret_seq);
    let uri = SecretUri::new(format!("secret:{taken}")).unwrap();
    let secret = Secret::new(
        uri,
        SecretOwnerRef::Model,
        [("k".to_owned(), "v".to_owned())].into(),
        model.now,
    );
    model.secrets.insert(taken.clone(), secret);

    let fresh = model.allocate_secret_id();
    assert_ne!(fresh, taken);
    assert!(!model.secrets.contains_key(&fresh));
}
