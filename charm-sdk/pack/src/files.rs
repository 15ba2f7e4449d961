//! Extra files a charm ships (`[package.metadata.charm] files = [...]` in its Cargo.toml):
//! glob patterns relative to the crate, expanded here without a glob crate.
//!
//! Supported: `*` (any run of characters within one path segment), `?` (one character),
//! `**` as a whole segment (zero or more segments), and a plain path naming a file or a
//! directory (a directory ships everything below it, as a craft-parts `prime` entry does).
//! Character classes (`[...]`) are not supported and match literally. Symlinks are
//! followed, like charmcraft's `os.walk(followlinks=True)`. As in shell and Python globs,
//! wildcards do not match hidden (`.`-prefixed) entries, and a walk from the crate root
//! never enters the crate's own `target/` (so `**/*.json` does not ship build output).

use std::fs;
use std::path::Path;

use crate::error::Error;

/// How deep the walk goes, which also stops symlink loops.
const MAX_DEPTH: usize = 32;

/// Whether `pattern` is a syntactically acceptable relative pattern; the reason when not.
pub fn check_pattern(pattern: &str) -> Result<(), String> {
    if pattern.is_empty() {
        return Err("empty pattern".into());
    }
    if pattern.starts_with('/') {
        return Err("must be relative to the charm crate".into());
    }
    if pattern.split('/').any(|s| s == ".." || s == "." || s.is_empty()) {
        return Err("must not contain '.', '..' or empty segments".into());
    }
    Ok(())
}

/// Whether the relative `/`-separated `path` matches `pattern`.
pub fn matches(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.split('/').collect();
    let segs: Vec<&str> = path.split('/').collect();
    match_segments(&pat, &segs)
}

fn match_segments(pat: &[&str], segs: &[&str]) -> bool {
    match pat.split_first() {
        None => segs.is_empty(),
        Some((&"**", rest)) => (0..=segs.len()).any(|skip| match_segments(rest, &segs[skip..])),
        Some((p, rest)) => match segs.split_first() {
            Some((s, srest)) => match_segment(p.as_bytes(), s.as_bytes()) && match_segments(rest, srest),
            None => false,
        },
    }
}

fn match_segment(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|skip| match_segment(rest, &s[skip..])),
        Some((b'?', rest)) => !s.is_empty() && match_segment(rest, &s[1..]),
        Some((c, rest)) => s.first() == Some(c) && match_segment(rest, &s[1..]),
    }
}

fn has_wildcard(segment: &str) -> bool {
    segment.contains(['*', '?'])
}

/// The files under `root` that `pattern` selects, as sorted relative `/`-separated paths.
pub fn expand(root: &Path, pattern: &str) -> Result<Vec<String>, Error> {
    let segs: Vec<&str> = pattern.split('/').collect();
    let fixed = segs.iter().take_while(|s| !has_wildcard(s)).count();
    let prefix = segs[..fixed].join("/");
    let start = if prefix.is_empty() {
        root.to_path_buf()
    } else {
        root.join(&prefix)
    };
    let mut out = Vec::new();
    if fixed == segs.len() {
        // A plain path: a file, or a directory shipped whole.
        match fs::metadata(&start) {
            Ok(m) if m.is_file() => out.push(prefix),
            Ok(m) if m.is_dir() => walk(&start, &prefix, false, 0, &mut out)?,
            _ => {}
        }
    } else if start.is_dir() {
        let mut all = Vec::new();
        walk(&start, &prefix, true, 0, &mut all)?;
        out.extend(all.into_iter().filter(|p| matches(pattern, p)));
    }
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, rel: &str, skip_hidden: bool, depth: usize, out: &mut Vec<String>) -> Result<(), Error> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if (skip_hidden && name.starts_with('.')) || (rel.is_empty() && name == "target") {
            continue;
        }
        let child = if rel.is_empty() { name } else { format!("{rel}/{name}") };
        match fs::metadata(&path) {
            Ok(m) if m.is_dir() => walk(&path, &child, skip_hidden, depth + 1, out)?,
            Ok(m) if m.is_file() => out.push(child),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_wildcards() {
        assert!(matches("src/dash/*.json", "src/dash/a.json"));
        assert!(!matches("src/dash/*.json", "src/dash/sub/a.json"));
        assert!(!matches("src/dash/*.json", "src/dash/a.jsonx"));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a?c", "ac"));
    }

    #[test]
    fn double_star_spans_segments() {
        assert!(matches("templates/**", "templates/a"));
        assert!(matches("templates/**", "templates/x/y/z"));
        assert!(matches("**/*.rules", "a/b/c.rules"));
        assert!(matches("**/*.rules", "c.rules"));
        assert!(!matches("templates/**", "other/a"));
    }

    #[test]
    fn expands_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "templates/a.j2",
            "templates/sub/b.j2",
            "src/d/x.json",
            "src/d/y.txt",
            "src/d/.h.json",
            "target/t.json",
        ] {
            let p = dir.path().join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "x").unwrap();
        }
        assert_eq!(
            expand(dir.path(), "templates/**").unwrap(),
            ["templates/a.j2", "templates/sub/b.j2"]
        );
        assert_eq!(
            expand(dir.path(), "templates").unwrap(),
            ["templates/a.j2", "templates/sub/b.j2"]
        );
        assert_eq!(expand(dir.path(), "src/d/*.json").unwrap(), ["src/d/x.json"]);
        assert_eq!(expand(dir.path(), "src/d/y.txt").unwrap(), ["src/d/y.txt"]);
        assert!(expand(dir.path(), "nope/*").unwrap().is_empty());
        assert_eq!(expand(dir.path(), "**/*.json").unwrap(), ["src/d/x.json"]);
        assert!(check_pattern("../x").is_err());
        assert!(check_pattern("/etc/x").is_err());
    }
}
