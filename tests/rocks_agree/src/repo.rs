//! Where things are in the repository.

use std::path::{Path, PathBuf};

/// The repository root (this crate lives in `tests/rocks_agree`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The text of a file given relative to the repository root.
pub fn read(relative: &str) -> Result<String, String> {
    let path = root().join(relative);
    std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))
}

/// `rocks/<name>/rockcraft.yaml`.
pub fn rockcraft_yaml(rock: &str) -> String {
    format!("rocks/{rock}/rockcraft.yaml")
}

/// `charms/<name>/charmcraft.yaml`.
pub fn charmcraft_yaml(charm: &str) -> String {
    format!("charms/{charm}/charmcraft.yaml")
}
