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

#[test]
fn each_unit_may_label_its_own_secret_alike_but_not_twice() {
    use juju_model::tools::SecretOwner;
    use juju_rules::{Hook, HookContext, SecretArgs};

    let mut model = Model::default();
    let meta = juju_model::CharmMeta::from_charmcraft_yaml("name: zk\npeers: {cluster: {interface: c}}").unwrap();
    let app = model.deploy("zk", meta, 2).unwrap();
    let args = SecretArgs {
        label: Some("cluster.zk.unit".into()),
        owner: Some(SecretOwner::Unit),
        ..SecretArgs::default()
    };
    let content = [("password".to_owned(), "pw".to_owned())].into();
    for n in 0..2 {
        let mut hook = Hook::begin(&mut model, HookContext::hook(app.unit(n), "install")).unwrap();
        hook.secret_add(&mut model, &content, &args).unwrap();
        assert!(hook.commit(&mut model).committed.is_some());
    }
    let mut hook = Hook::begin(&mut model, HookContext::hook(app.unit(0), "start")).unwrap();
    let again = hook.secret_add(&mut model, &content, &args).unwrap_err();
    assert!(again.to_string().contains("already exists"), "{again}");
}
