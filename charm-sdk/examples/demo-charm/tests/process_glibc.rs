//! The demo charm binary runs on the charm's base, Ubuntu 22.04, whose glibc is 2.35: a
//! binary that needs a newer GLIBC symbol version fails to start there. Same check as
//! `scripts/check-glibc.sh`, on the binary these tests built and on the release binary
//! when one is beside it in the target directory.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Ubuntu 22.04's glibc.
const MAX_GLIBC: (u32, u32) = (2, 35);

/// The highest `GLIBC_x.y` version in the dynamic symbol table, or `None` when there is none.
fn highest_glibc(objdump_output: &str) -> Option<(u32, u32)> {
    objdump_output
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .filter_map(|word| word.strip_prefix("GLIBC_"))
        .filter_map(|version| {
            let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
            Some((parts.next()??, parts.next().flatten().unwrap_or(0)))
        })
        .max()
}

fn binaries() -> Vec<PathBuf> {
    let debug = PathBuf::from(env!("CARGO_BIN_EXE_demo-charm"));
    let release = debug
        .parent()
        .and_then(Path::parent)
        .map(|target| target.join("release").join("demo-charm"));
    std::iter::once(debug).chain(release.filter(|p| p.exists())).collect()
}

#[test]
fn the_demo_binary_needs_at_most_glibc_2_35() {
    for binary in binaries() {
        let output = match Command::new("objdump").arg("-T").arg(&binary).output() {
            Ok(output) if output.status.success() => output,
            Ok(output) => panic!(
                "objdump -T {} failed: {}",
                binary.display(),
                String::from_utf8_lossy(&output.stderr)
            ),
            Err(e) => {
                eprintln!("SKIPPED: objdump is not available ({e}); install binutils to run this check");
                return;
            }
        };
        let text = String::from_utf8_lossy(&output.stdout);
        let highest = highest_glibc(&text);
        eprintln!("{}: highest GLIBC symbol version {highest:?}", binary.display());
        if let Some(version) = highest {
            assert!(
                version <= MAX_GLIBC,
                "{} needs GLIBC_{}.{} (> {}.{}); symbols:\n{}",
                binary.display(),
                version.0,
                version.1,
                MAX_GLIBC.0,
                MAX_GLIBC.1,
                text.lines()
                    .filter(|l| l.contains(&format!("GLIBC_{}.{}", version.0, version.1)))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}

#[test]
fn glibc_versions_are_compared_numerically() {
    let sample = "0000 DF *UND* 0 (GLIBC_2.2.5) memcpy\n0000 DF *UND* 0 (GLIBC_2.34) __libc_start_main\n0000 DF *UND* 0 GLIBC_2.9 pipe2";
    assert_eq!(highest_glibc(sample), Some((2, 34)));
    assert_eq!(highest_glibc("no versions"), None);
}
