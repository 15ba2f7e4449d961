//! Getting a charm ready to run: unpack it, and know what it declares.
//!
//! A `.charm` is a zip whose entries keep their unix modes (juju-contract.md §5); an
//! unpacked charm directory (a Python charm with its venv, say) is copied as it is,
//! symlinks included. Juju reads `metadata.yaml`, `config.yaml` and `actions.yaml`, and so
//! does ops; a charm that only has `charmcraft.yaml` gets them generated the way
//! charmcraft would, so an unmodified ops charm finds what it expects.

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use juju_model::CharmMeta;

use crate::error::{Error, Result};

/// An unpacked charm and what it declares.
#[derive(Debug, Clone, PartialEq)]
pub struct Charm {
    /// The unpacked directory.
    pub dir: PathBuf,
    /// Its declarations.
    pub meta: CharmMeta,
}

/// Unpacks (or copies) the charm at `source` into `dest` (which must not exist), writes
/// the metadata files it lacks, and reads its declarations.
pub fn install(source: &Path, dest: &Path) -> Result<Charm> {
    if dest.exists() {
        fs::remove_dir_all(dest).map_err(|e| Error::io("removing", dest, e))?;
    }
    if source.is_dir() {
        copy_tree(source, dest)?;
    } else {
        unzip(source, dest)?;
    }
    ensure_metadata(dest)?;
    let meta = load_meta(dest)?;
    Ok(Charm {
        dir: dest.to_path_buf(),
        meta,
    })
}

/// Reads the declarations of an unpacked charm.
pub fn load_meta(dir: &Path) -> Result<CharmMeta> {
    let read = |name: &str| -> Result<Option<String>> {
        let path = dir.join(name);
        match fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io("reading", &path, e)),
        }
    };
    let metadata = read("metadata.yaml")?.ok_or_else(|| Error::charm(dir, "no metadata.yaml or charmcraft.yaml"))?;
    let config = read("config.yaml")?;
    let actions = read("actions.yaml")?;
    let meta = CharmMeta::from_packed(&metadata, config.as_deref(), actions.as_deref())
        .map_err(|e| Error::charm(dir, e.to_string()))?;
    if meta.name.is_empty() {
        return Err(Error::charm(dir, "metadata.yaml has no name"));
    }
    Ok(meta)
}

/// Writes metadata.yaml, config.yaml and actions.yaml from charmcraft.yaml when the charm
/// has no metadata.yaml.
pub fn ensure_metadata(dir: &Path) -> Result<()> {
    if dir.join("metadata.yaml").exists() {
        return Ok(());
    }
    let path = dir.join("charmcraft.yaml");
    let text = fs::read_to_string(&path).map_err(|e| Error::io("reading", &path, e))?;
    let project = charm_pack::Charmcraft::parse(&text).map_err(|e| Error::charm(&path, e))?;
    let write = |name: &str, value: &serde_yaml_ng::Value| -> Result<()> {
        let text = charm_pack::yaml::to_string(value).map_err(|e| Error::charm(dir, e))?;
        let target = dir.join(name);
        fs::write(&target, text).map_err(|e| Error::io("writing", &target, e))
    };
    write("metadata.yaml", &charm_pack::metadata::metadata(&project))?;
    if let Some(config) = charm_pack::metadata::config(&project) {
        write("config.yaml", &config)?;
    }
    if let Some(actions) = charm_pack::metadata::actions(&project) {
        write("actions.yaml", &actions)?;
    }
    Ok(())
}

/// Copies a directory tree, keeping modes and symlinks.
pub fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    let meta = fs::symlink_metadata(from).map_err(|e| Error::io("reading", from, e))?;
    fs::create_dir_all(to).map_err(|e| Error::io("creating", to, e))?;
    fs::set_permissions(to, meta.permissions()).map_err(|e| Error::io("setting the mode of", to, e))?;
    let entries = fs::read_dir(from).map_err(|e| Error::io("listing", from, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("listing", from, e))?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().map_err(|e| Error::io("reading", &source, e))?;
        if kind.is_symlink() {
            let link = fs::read_link(&source).map_err(|e| Error::io("reading", &source, e))?;
            std::os::unix::fs::symlink(&link, &target).map_err(|e| Error::io("linking", &target, e))?;
        } else if kind.is_dir() {
            copy_tree(&source, &target)?;
        } else if kind.is_file() {
            fs::copy(&source, &target).map_err(|e| Error::io("copying", &source, e))?;
        }
    }
    Ok(())
}

/// Removes everything in `dir` except the entries named in `keep`.
pub fn clear_dir(dir: &Path, keep: &[&str]) -> Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        if keep.iter().any(|k| entry.file_name() == *k) {
            continue;
        }
        let path = entry.path();
        let result = match entry.file_type() {
            Ok(t) if t.is_dir() => fs::remove_dir_all(&path),
            _ => fs::remove_file(&path),
        };
        result.map_err(|e| Error::io("removing", &path, e))?;
    }
    Ok(())
}

fn unzip(source: &Path, dest: &Path) -> Result<()> {
    let file = fs::File::open(source).map_err(|e| Error::io("opening", source, e))?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| Error::charm(source, format!("not a zip: {e}")))?;
    fs::create_dir_all(dest).map_err(|e| Error::io("creating", dest, e))?;
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| Error::charm(source, format!("entry {i}: {e}")))?;
        let Some(relative) = entry.enclosed_name() else {
            return Err(Error::charm(source, format!("unsafe path {:?}", entry.name())));
        };
        let target = dest.join(&relative);
        let mode = entry.unix_mode();
        if entry.is_dir() {
            fs::create_dir_all(&target).map_err(|e| Error::io("creating", &target, e))?;
            continue;
        }
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io("creating", parent, e))?;
        }
        let mut data = Vec::new();
        entry
            .read_to_end(&mut data)
            .map_err(|e| Error::charm(source, format!("reading {}: {e}", relative.display())))?;
        if mode.is_some_and(|m| m & 0o170000 == 0o120000) {
            let link = String::from_utf8_lossy(&data).into_owned();
            std::os::unix::fs::symlink(&link, &target).map_err(|e| Error::io("linking", &target, e))?;
            continue;
        }
        fs::write(&target, &data).map_err(|e| Error::io("writing", &target, e))?;
        if let Some(mode) = mode {
            fs::set_permissions(&target, fs::Permissions::from_mode(mode & 0o7777))
                .map_err(|e| Error::io("setting the mode of", &target, e))?;
        }
    }
    Ok(())
}

/// Packs a Rust charm crate (a directory with Cargo.toml and charmcraft.yaml) into
/// `out_dir` with charm-pack (release build), returning the `.charm` path.
pub fn pack_crate(crate_dir: &Path, out_dir: &Path) -> Result<PathBuf> {
    let options = charm_pack::Options {
        crate_dir: crate_dir.to_path_buf(),
        out_dir: out_dir.to_path_buf(),
        binary: charm_pack::Binary::Build { target_dir: None },
        platform: None,
        started_at: charm_pack::started_at_from_env(),
    };
    charm_pack::pack(&options).map_err(|e| Error::charm(crate_dir, e.to_string()))
}

/// Whether `dir` is a Rust charm crate to pack rather than an unpacked charm.
pub fn is_crate(dir: &Path) -> bool {
    dir.join("Cargo.toml").is_file() && dir.join("charmcraft.yaml").is_file()
}
