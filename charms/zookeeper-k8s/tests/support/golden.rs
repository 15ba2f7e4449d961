//! Golden files: rendered text compared byte for byte with `tests/golden/<name>.txt`.
//! `UPDATE_GOLDEN=1 cargo test -p zookeeper-k8s` rewrites them instead.

use std::path::PathBuf;

/// Compares `actual` with the golden file `name`, or rewrites it under `UPDATE_GOLDEN=1`.
#[track_caller]
pub fn check(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}); run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        panic!(
            "{} differs from the rendered text (UPDATE_GOLDEN=1 to accept):\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        );
    }
}
