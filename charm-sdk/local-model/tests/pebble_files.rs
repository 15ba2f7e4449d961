//! The files API through the sandbox's binds, driven by the SDK's client: push/pull/list/
//! make-dir/remove with modes and ownership, the host side of a bind, refusals outside the
//! binds and on read-only binds, Pebble's per-path error kinds.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod pebble_common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use charm_sdk::pebble::{FileType, MakeDirOptions, Pebble, PushOptions};
use local_model::pebble::PebbleOptions;
use local_model::sandbox::Bind;
use pebble_common::{need_root, Harness};

/// `nobody`/`nogroup` exist on every Debian system.
fn nobody() -> (u32, u32) {
    let user = nix::unistd::User::from_name("nobody").unwrap().unwrap();
    let group = nix::unistd::Group::from_name("nogroup").unwrap().unwrap();
    (user.uid.as_raw(), group.gid.as_raw())
}

#[test]
fn push_pull_list_through_binds() {
    if !need_root() {
        return;
    }
    let harness = Harness::start();
    let client = harness.client();
    let content = b"tickTime=2000\r\n--boundary-like--\n".to_vec();
    client
        .push(
            "/data/conf/zoo.cfg",
            &content,
            &PushOptions::default()
                .permissions(0o640)
                .owner("nobody", "nogroup")
                .make_dirs(),
        )
        .unwrap();
    let host = harness.data().join("conf/zoo.cfg");
    assert_eq!(
        std::fs::read(&host).unwrap(),
        content,
        "the file is in the bind's host dir"
    );
    let meta = std::fs::metadata(&host).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    assert_eq!((meta.uid(), meta.gid()), nobody());
    let dir_meta = std::fs::metadata(harness.data().join("conf")).unwrap();
    assert_eq!(dir_meta.permissions().mode() & 0o777, 0o755);
    assert_eq!(
        (dir_meta.uid(), dir_meta.gid()),
        nobody(),
        "make-dirs chowns new parents"
    );
    assert_eq!(client.pull("/data/conf/zoo.cfg").unwrap(), content);

    // Overwrite keeps atomicity and takes the default mode.
    client
        .push("/data/conf/zoo.cfg", b"x=1\n", &PushOptions::default())
        .unwrap();
    assert_eq!(std::fs::metadata(&host).unwrap().permissions().mode() & 0o777, 0o644);

    let big: Vec<u8> = (0..3 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    client.push("/data/big.bin", &big, &PushOptions::default()).unwrap();
    assert_eq!(client.pull("/data/big.bin").unwrap(), big);

    let entries = client.list_files("/data", None, false).unwrap();
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["big.bin", "conf"]);
    assert_eq!(entries[0].size, Some(big.len() as u64));
    assert_eq!(entries[1].file_type, FileType::Directory);
    assert_eq!(entries[1].path, "/data/conf");
    let cfgs = client.list_files("/data/conf", Some("*.cfg"), false).unwrap();
    assert_eq!(cfgs.len(), 1);
    assert_eq!(cfgs[0].path, "/data/conf/zoo.cfg");
    assert_eq!(cfgs[0].user.as_deref(), Some("root"), "the second push had no owner");
    let itself = client.list_files("/data/conf", None, true).unwrap();
    assert_eq!(itself.len(), 1);
    assert_eq!(itself[0].file_type, FileType::Directory);

    let missing = client.pull("/data/nope").unwrap_err();
    assert!(missing.is_not_found(), "{missing:?}");
    assert!(
        missing.to_string().contains("/data/nope: no such file or directory"),
        "{missing}"
    );
    let listing = client.list_files("/data/nope", None, false).unwrap_err();
    assert!(listing.is_not_found(), "{listing:?}");
    let dir_read = client.pull("/data/conf").unwrap_err();
    assert!(
        dir_read.to_string().contains("can only read a regular file"),
        "{dir_read}"
    );
    harness.shutdown();
}

#[test]
fn make_dir_and_remove() {
    if !need_root() {
        return;
    }
    let harness = Harness::start();
    let client = harness.client();
    let nested = MakeDirOptions {
        make_parents: true,
        permissions: Some(0o750),
        user: Some("nobody".into()),
        group: Some("nogroup".into()),
        ..MakeDirOptions::default()
    };
    client.make_dir("/data/a/b/c", &nested).unwrap();
    let meta = std::fs::metadata(harness.data().join("a/b/c")).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o750);
    assert_eq!((meta.uid(), meta.gid()), nobody());
    client.make_dir("/data/a/b/c", &nested).unwrap();
    let exists = client.make_dir("/data/a", &MakeDirOptions::default()).unwrap_err();
    assert!(exists.to_string().contains("mkdir /data/a: file exists"), "{exists}");
    let no_parent = client.make_dir("/data/x/y", &MakeDirOptions::default()).unwrap_err();
    assert!(no_parent.is_not_found(), "{no_parent:?}");

    client.push("/data/a/file", b"1", &PushOptions::default()).unwrap();
    let not_empty = client.remove_path("/data/a", false).unwrap_err();
    assert!(not_empty.to_string().contains("directory not empty"), "{not_empty}");
    client.remove_path("/data/a/file", false).unwrap();
    assert!(!harness.data().join("a/file").exists());
    client.remove_path("/data/a", true).unwrap();
    assert!(!harness.data().join("a").exists());
    let gone = client.remove_path("/data/a", false).unwrap_err();
    assert!(gone.is_not_found(), "{gone:?}");
    harness.shutdown();
}

#[test]
fn outside_binds_and_read_only_binds_are_refused() {
    if !need_root() {
        return;
    }
    let harness = Harness::start_with(
        |dir| {
            let ro = dir.join("ro");
            std::fs::create_dir_all(&ro).unwrap();
            std::fs::write(ro.join("readme"), "read only").unwrap();
            vec![Bind::read_only(ro, "/opt/app")]
        },
        PebbleOptions::default(),
    );
    let client = harness.client();
    let outside = client
        .push("/etc/local-model-test", b"x", &PushOptions::default())
        .unwrap_err();
    assert!(outside.is_permission_denied(), "{outside:?}");
    assert!(!std::path::Path::new("/etc/local-model-test").exists());
    let escape = client.pull("/data/../etc/passwd").unwrap_err();
    assert!(escape.is_permission_denied(), "{escape:?}");
    let listing = client.list_files("/etc", None, false).unwrap_err();
    assert!(listing.is_permission_denied(), "{listing:?}");
    assert_eq!(client.pull("/opt/app/readme").unwrap(), b"read only");
    let ro = client.push("/opt/app/new", b"x", &PushOptions::default()).unwrap_err();
    assert!(ro.to_string().contains("read-only file system"), "{ro}");
    let hosts = client.pull("/etc/hosts").unwrap();
    assert!(String::from_utf8_lossy(&hosts).contains("unit-0-workload-host.test-endpoints"));
    let relative = client.push("data/x", b"x", &PushOptions::default()).unwrap_err();
    assert!(relative.to_string().contains("paths must be absolute"), "{relative}");
    harness.shutdown();
}
