//! `parts:` must describe the archive charm-pack writes: one `dump` part with `source: .`
//! whose `prime` list selects `dispatch`, `bin/<binary>` and every extra file. Then
//! `charmcraft pack` on Ubuntu (after `cargo build` and copying the binary to `bin/`) primes
//! the same files, and nothing else of the crate (src/, target/) leaks into the charm.

use serde_yaml_ng::{Mapping, Value};

use super::Shipped;
use crate::charmcraft::{key_text, Charmcraft};
use crate::error::Problems;
use crate::files;

pub(super) fn check(project: &Charmcraft, shipped: Shipped<'_>, p: &mut Problems) {
    let Some(parts) = project.map("parts").filter(|m| !m.is_empty()) else {
        p.push("parts", format!("missing: add a dump part, e.g. `parts: {{charm: {{plugin: dump, source: ., prime: [dispatch, bin/{}]}}}}`", shipped.binary));
        return;
    };
    let mut wanted = vec!["dispatch".to_owned(), format!("bin/{}", shipped.binary)];
    wanted.extend(shipped.extra_files.iter().cloned());
    let mut dump_parts = 0;
    for (name, part) in parts {
        let name = key_text(name);
        let at = format!("parts.{name}");
        let Some(part) = part.as_mapping() else {
            p.push(at, "must be a mapping");
            continue;
        };
        // charmcraft: `part.get("plugin") or name`.
        let plugin = part.get("plugin").and_then(Value::as_str).unwrap_or(&name);
        if plugin == "nil" {
            continue;
        }
        if plugin != "dump" {
            p.push(
                format!("{at}.plugin"),
                format!("plugin {plugin:?} builds something charm-pack does not ship; use `plugin: dump`"),
            );
            continue;
        }
        dump_parts += 1;
        if part.get("source").and_then(Value::as_str) != Some(".") {
            p.push(
                format!("{at}.source"),
                "must be `.` (the charm crate, where dispatch and bin/ are)",
            );
        }
        let Some(prime) = prime_list(part) else {
            p.push(
                format!("{at}.prime"),
                format!("missing: without it the whole crate is primed; list {wanted:?}"),
            );
            continue;
        };
        for file in &wanted {
            if !primes(&prime, file) {
                p.push(
                    format!("{at}.prime"),
                    format!("does not prime {file:?}, which charm-pack ships"),
                );
            }
        }
    }
    if dump_parts == 0 {
        p.push("parts", format!("no `plugin: dump` part priming {wanted:?}"));
    } else if dump_parts > 1 {
        p.push(
            "parts",
            "more than one dump part: keep one, priming everything the charm ships",
        );
    }
}

fn prime_list(part: &Mapping) -> Option<Vec<String>> {
    part.get("prime")?
        .as_sequence()
        .map(|s| s.iter().filter_map(Value::as_str).map(str::to_owned).collect())
}

/// Whether a craft-parts `prime` list selects `file`: an entry equal to it, a directory
/// above it, or a glob matching it; `-entry` excludes.
pub fn primes(prime: &[String], file: &str) -> bool {
    let covers = |e: &str| {
        let e = e.trim_end_matches('/');
        e == file || file.strip_prefix(e).is_some_and(|rest| rest.starts_with('/')) || files::matches(e, file)
    };
    let excluded = prime.iter().filter_map(|e| e.strip_prefix('-')).any(covers);
    !excluded && prime.iter().filter(|e| !e.starts_with('-')).any(|e| covers(e))
}

#[cfg(test)]
mod tests {
    use super::primes;

    #[test]
    fn prime_entries_cover_files_dirs_and_globs() {
        let prime: Vec<String> = ["dispatch", "bin/x", "templates", "src/*.json", "-templates/secret"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(primes(&prime, "dispatch"));
        assert!(primes(&prime, "templates/a/b"));
        assert!(primes(&prime, "src/d.json"));
        assert!(!primes(&prime, "templates/secret"));
        assert!(!primes(&prime, "bin/xy"));
        assert!(!primes(&prime, "src/main.rs"));
    }
}
