//! `charm-pack [CRATE_DIR] [-o OUT_DIR] [--no-build --binary PATH] [--check]`: see [`cli`].

mod cli;

fn main() -> anyhow::Result<()> {
    cli::run()
}
