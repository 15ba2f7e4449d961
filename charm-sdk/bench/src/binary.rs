//! Facts about the charm binary itself: its size and the newest glibc it needs (the
//! charm's base, Ubuntu 22.04, has glibc 2.35; see also `scripts/check-glibc.sh`).

use std::path::Path;
use std::process::Command;

/// The highest `GLIBC_x.y[.z]` version named in `objdump -T` output.
pub(crate) fn highest_glibc(objdump: &str) -> Option<String> {
    objdump
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .filter_map(|word| word.strip_prefix("GLIBC_"))
        .filter_map(|v| {
            let parts: Option<Vec<u32>> = v.split('.').map(|p| p.parse().ok()).collect();
            parts.map(|p| (p, v.to_owned()))
        })
        .max()
        .map(|(_, text)| text)
}

/// `GLIBC_x.y` of `binary`, or why it is unknown.
pub(crate) fn glibc_of(binary: &Path) -> String {
    match Command::new("objdump").arg("-T").arg(binary).output() {
        Ok(out) if out.status.success() => match highest_glibc(&String::from_utf8_lossy(&out.stdout)) {
            Some(v) => format!("GLIBC_{v}"),
            None => "no GLIBC symbol".to_owned(),
        },
        Ok(out) => format!("objdump failed: {}", String::from_utf8_lossy(&out.stderr).trim()),
        Err(e) => format!("objdump not available ({e})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        let text = "(GLIBC_2.2.5) memcpy\n(GLIBC_2.34) __libc_start_main\n(GLIBC_2.9) pipe2\nGLIBC_PRIVATE x";
        assert_eq!(highest_glibc(text).as_deref(), Some("2.34"));
        assert_eq!(highest_glibc("nothing"), None);
    }
}
