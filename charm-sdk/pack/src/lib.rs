//! `charm-pack`: packs a Rust charm crate into a `.charm` archive.
//!
//! Why not charmcraft: `charmcraft pack` refuses to run on a non-Ubuntu host (it compares
//! /etc/os-release with the build base; juju-contract.md §5.1), and its `rust` plugin needs
//! an LXD build environment. The archive itself is simple, so this crate writes it the way
//! charmcraft 4.5 does: the primed files (`dispatch`, `bin/<binary>`, declared extra files)
//! plus `metadata.yaml`, `config.yaml`, `actions.yaml` and `manifest.yaml` derived from
//! charmcraft.yaml, in a deflate zip that keeps unix modes.
//!
//! Steps ([`pack`]): read the crate ([`CharmCrate`], via `cargo metadata`) and charmcraft.yaml
//! ([`Charmcraft`]), validate both ([`check`]), build the binary in release (or take a
//! prebuilt one), and write `<name>_<platform>.charm` reproducibly ([`archive`]).

pub mod archive;
mod cargo;
mod charmcraft;
pub mod dispatch;
mod error;
pub mod files;
pub mod manifest;
pub mod metadata;
mod prepare;
pub mod validate;
pub mod yaml;

use std::path::{Path, PathBuf};

pub use archive::Entry;
pub use cargo::{build, CharmCrate};
pub use charmcraft::{Charmcraft, Target};
pub use error::{Error, Problem, Problems};
pub use prepare::{check, host_arch, started_at_from_env, Prepared};

/// Where the charm's binary comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binary {
    /// `cargo build --release -p <package>`, optionally with `--target-dir`.
    Build {
        /// Passed to cargo as `--target-dir`.
        target_dir: Option<PathBuf>,
    },
    /// A binary built elsewhere (`--no-build --binary PATH`).
    Prebuilt(PathBuf),
}

/// What to pack and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The charm crate (holds Cargo.toml and charmcraft.yaml).
    pub crate_dir: PathBuf,
    /// Where the `.charm` is written (created if missing).
    pub out_dir: PathBuf,
    /// How to get the binary.
    pub binary: Binary,
    /// The `platforms:` entry to pack; `None` picks the only one or the host's.
    pub platform: Option<String>,
    /// Seconds since the epoch for manifest.yaml's `charmcraft-started-at`.
    pub started_at: u64,
}

/// Validates, builds and writes the archive; returns its path.
pub fn pack(options: &Options) -> Result<PathBuf, Error> {
    let prepared = check(&options.crate_dir, options.platform.as_deref())?;
    let binary_path = match &options.binary {
        Binary::Build { target_dir } => build(&prepared.krate, target_dir.as_deref())?,
        Binary::Prebuilt(path) => path.clone(),
    };
    let binary = std::fs::read(&binary_path).map_err(|e| Error::io(&binary_path, e))?;
    if binary.is_empty() {
        return Err(Error::io(
            &binary_path,
            std::io::Error::other("the charm binary is empty"),
        ));
    }
    let entries = prepared.entries(binary, options.started_at)?;
    std::fs::create_dir_all(&options.out_dir).map_err(|e| Error::io(&options.out_dir, e))?;
    let dest = options.out_dir.join(prepared.file_name());
    archive::write(&dest, &entries)?;
    Ok(dest)
}

/// Reads `path` as text, naming the file in the error.
pub(crate) fn read_text(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}
