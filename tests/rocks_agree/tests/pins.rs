//! Every rock in rocks/ is reproducible from what its rockcraft.yaml pins: each download has a
//! version in its URL and a checksum craft-parts verifies, nothing comes from a moving channel,
//! and the build-time contract check runs last.

use rocks_agree::repo;
use rocks_agree::rock::{Rock, CONTRACT_PART};

fn rocks() -> Vec<Rock> {
    let dir = repo::root().join("rocks");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .filter(|e| e.path().join("rockcraft.yaml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.len() >= 2,
        "rocks/charmed-zookeeper and rocks/charmed-kafka: {names:?}"
    );
    names
        .iter()
        .map(|name| {
            let rock = Rock::load(name).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                &rock.name, name,
                "rocks/{name}/rockcraft.yaml names the rock {}",
                rock.name
            );
            rock
        })
        .collect()
}

/// `sha256/<hex>` or `sha512/<hex>`, lower-case: craft-parts compares the hex digest as a string.
fn valid_checksum(checksum: &str) -> bool {
    let Some((algorithm, digest)) = checksum.split_once('/') else {
        return false;
    };
    let length = match algorithm {
        "sha256" => 64,
        "sha512" => 128,
        _ => return false,
    };
    digest.len() == length && digest.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

#[test]
fn every_download_is_pinned_by_version_and_checksum() {
    for rock in rocks() {
        let downloads = rock.downloads();
        assert!(!downloads.is_empty(), "{}: no downloads?", rock.name);
        for d in downloads {
            let what = format!("{} part {} ({})", rock.name, d.part, d.url);
            assert!(d.url.starts_with("https://"), "{what}: not https");
            if d.source_type == Some("git") {
                // A git source is pinned by its full commit id (craft-parts checks it out).
                let commit = d
                    .commit
                    .unwrap_or_else(|| panic!("{what}: a git source needs source-commit"));
                assert!(
                    commit.len() == 40 && commit.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
                    "{what}: source-commit {commit:?} is not a full commit id"
                );
                continue;
            }
            let checksum = d.checksum.unwrap_or_else(|| panic!("{what}: no source-checksum"));
            assert!(valid_checksum(checksum), "{what}: source-checksum {checksum:?}");
            let file = d.url.rsplit('/').next().unwrap_or_default();
            let version_dir = d.url.rsplit('/').nth(1).unwrap_or_default();
            assert!(
                version_dir.chars().next().is_some_and(|c| c.is_ascii_digit()) || version_dir.contains(&rock.version),
                "{what}: the URL's directory should be the version"
            );
            match d.source_type {
                Some("tar") => assert!(
                    file.contains(&rock.version),
                    "{what}: the release is not rock version {}",
                    rock.version
                ),
                Some("file") => {
                    let part = &rock.parts[d.part];
                    assert!(part.organize.contains_key(file), "{what}: organize should place {file}");
                }
                other => panic!("{what}: source-type {other:?}; say tar or file"),
            }
        }
    }
}

#[test]
fn nothing_comes_from_a_moving_channel() {
    for rock in rocks() {
        for (name, part) in &rock.parts {
            assert!(
                part.stage_snaps.is_empty() && part.build_snaps.is_empty(),
                "{} part {name}: snaps are not pinned",
                rock.name
            );
            if let Some(source) = &part.source {
                assert!(
                    source.contains("://"),
                    "{} part {name}: local source {source}",
                    rock.name
                );
            }
        }
    }
}

#[test]
fn bases_platforms_and_the_contract_part() {
    for rock in rocks() {
        assert_eq!(rock.base, "ubuntu@22.04", "{}", rock.name);
        assert_eq!(rock.build_base.as_deref(), Some("ubuntu@22.04"), "{}", rock.name);
        assert_eq!(rock.platforms.keys().collect::<Vec<_>>(), ["amd64"], "{}", rock.name);
        let contract = &rock.parts[CONTRACT_PART];
        for other in rock.parts.keys().filter(|p| *p != CONTRACT_PART) {
            assert!(
                contract.after.contains(other),
                "{}: {CONTRACT_PART} must run after {other}",
                rock.name
            );
        }
        rock.contract().unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn checksums_are_checked_as_written() {
    assert!(valid_checksum(&format!("sha256/{}", "a".repeat(64))));
    assert!(!valid_checksum(&format!("sha256/{}", "A".repeat(64))));
    assert!(!valid_checksum(&format!("md5/{}", "a".repeat(32))));
}
