//! The command line (clap derive). Kept out of the library so the library has no CLI or
//! anyhow in its API.

use std::path::PathBuf;

use anyhow::Context;
use charm_pack::{check, pack, started_at_from_env, Binary, Options};
use clap::Parser;

/// Pack a Rust charm crate into a .charm archive (charmcraft 4.5 layout).
#[derive(Debug, Parser)]
#[command(name = "charm-pack", version)]
pub(crate) struct Cli {
    /// The charm crate directory (with Cargo.toml and charmcraft.yaml).
    #[arg(default_value = ".")]
    crate_dir: PathBuf,
    /// Where to write the .charm.
    #[arg(short, long, default_value = ".")]
    output_dir: PathBuf,
    /// Use this binary instead of running `cargo build --release`.
    #[arg(long, requires = "no_build")]
    binary: Option<PathBuf>,
    /// Do not build; requires --binary.
    #[arg(long, requires = "binary")]
    no_build: bool,
    /// Passed to `cargo build` as --target-dir.
    #[arg(long, conflicts_with = "no_build")]
    target_dir: Option<PathBuf>,
    /// The platforms: entry to pack (default: the only one, or the host's).
    #[arg(long)]
    platform: Option<String>,
    /// Only validate charmcraft.yaml and Cargo.toml; build and write nothing.
    #[arg(long)]
    check: bool,
}

/// Runs the command; the packed archive's path is printed on stdout.
pub(crate) fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if cli.check {
        let prepared = check(&cli.crate_dir, cli.platform.as_deref())?;
        println!(
            "ok: {} would be packed as {}",
            prepared.krate.package,
            prepared.file_name()
        );
        return Ok(());
    }
    let binary = match (cli.no_build, cli.binary) {
        (true, Some(path)) => Binary::Prebuilt(path),
        _ => Binary::Build {
            target_dir: cli.target_dir,
        },
    };
    let options = Options {
        crate_dir: cli.crate_dir,
        out_dir: cli.output_dir,
        binary,
        platform: cli.platform,
        started_at: started_at_from_env(),
    };
    let path = pack(&options).with_context(|| format!("packing {}", options.crate_dir.display()))?;
    println!("{}", path.display());
    Ok(())
}
