//! Poetry version constraints, the subset the data-platform charms write in their dependency
//! models (`^3.6`, `>3.6`, `^3`, `>=0.8`, `~3.3`, `>50`, `3.9.2`, `*`), evaluated as
//! `poetry.core.constraints.version` does for release versions: caret and tilde ranges,
//! comparison operators, exact versions, `,` (and) and `||` (or).
//!
//! Versions are dotted integers (`3.9.2`); pre-release and local segments are not used by
//! these charms and are refused rather than guessed at.

use std::cmp::Ordering;

/// A release version, padded with zeros when compared (`3.6` == `3.6.0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version(Vec<u64>);

impl Version {
    /// Parses `3`, `3.9`, `3.9.2` (a leading `v` is allowed, as in Poetry).
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let parts: Result<Vec<u64>, _> = t.split('.').map(str::parse::<u64>).collect();
        match parts {
            Ok(p) if !p.is_empty() => Ok(Version(p)),
            _ => Err(format!("{text:?} is not a release version (digits and dots)")),
        }
    }

    fn part(&self, i: usize) -> u64 {
        self.0.get(i).copied().unwrap_or(0)
    }

    fn cmp_padded(&self, other: &Version) -> Ordering {
        let n = self.0.len().max(other.0.len());
        (0..n)
            .map(|i| self.part(i).cmp(&other.part(i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

/// One comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Bound {
    Ge(Version),
    Gt(Version),
    Le(Version),
    Lt(Version),
    Eq(Version),
    Ne(Version),
    Any,
}

impl Bound {
    fn allows(&self, v: &Version) -> bool {
        match self {
            Bound::Ge(b) => v.cmp_padded(b).is_ge(),
            Bound::Gt(b) => v.cmp_padded(b).is_gt(),
            Bound::Le(b) => v.cmp_padded(b).is_le(),
            Bound::Lt(b) => v.cmp_padded(b).is_lt(),
            Bound::Eq(b) => v.cmp_padded(b).is_eq(),
            Bound::Ne(b) => v.cmp_padded(b).is_ne(),
            Bound::Any => true,
        }
    }
}

/// A parsed constraint: a union of intersections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint(Vec<Vec<Bound>>);

impl Constraint {
    /// Parses a Poetry constraint.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut union = Vec::new();
        for alternative in text.split("||") {
            let mut all = Vec::new();
            for part in alternative.split(',').map(str::trim) {
                if part.is_empty() {
                    return Err(format!("{text:?}: empty constraint"));
                }
                all.extend(parse_one(part).map_err(|e| format!("{text:?}: {e}"))?);
            }
            union.push(all);
        }
        Ok(Constraint(union))
    }

    /// Whether `version` satisfies it.
    pub fn allows(&self, version: &Version) -> bool {
        self.0.iter().any(|all| all.iter().all(|b| b.allows(version)))
    }
}

/// `verify_requirements(version, requirement)`: whether `version` meets `requirement`.
pub fn verify_requirements(version: &str, requirement: &str) -> Result<bool, String> {
    Ok(Constraint::parse(requirement)?.allows(&Version::parse(version)?))
}

fn parse_one(part: &str) -> Result<Vec<Bound>, String> {
    if part == "*" {
        return Ok(vec![Bound::Any]);
    }
    for (op, make) in [
        (">=", Bound::Ge as fn(Version) -> Bound),
        ("<=", Bound::Le),
        ("==", Bound::Eq),
        ("!=", Bound::Ne),
        (">", Bound::Gt),
        ("<", Bound::Lt),
        ("=", Bound::Eq),
    ] {
        if let Some(rest) = part.strip_prefix(op) {
            return Ok(vec![make(Version::parse(rest)?)]);
        }
    }
    if let Some(rest) = part.strip_prefix('^') {
        let low = Version::parse(rest)?;
        // The first non-zero part (or the last given part) is bumped.
        let given = low.0.len();
        let idx = low.0.iter().position(|&p| p != 0).unwrap_or(given.saturating_sub(1));
        let idx = idx.min(given - 1);
        let high = bump(&low, idx);
        return Ok(vec![Bound::Ge(low), Bound::Lt(high)]);
    }
    if let Some(rest) = part.strip_prefix("~=") {
        // PEP 440 compatible release: all but the last given part fixed.
        let low = Version::parse(rest)?;
        let idx = low.0.len().saturating_sub(2);
        let high = bump(&low, idx);
        return Ok(vec![Bound::Ge(low), Bound::Lt(high)]);
    }
    if let Some(rest) = part.strip_prefix('~') {
        // ~1.2.3 and ~1.2: minor fixed; ~1: major fixed.
        let low = Version::parse(rest)?;
        let idx = if low.0.len() == 1 { 0 } else { 1 };
        let high = bump(&low, idx);
        return Ok(vec![Bound::Ge(low), Bound::Lt(high)]);
    }
    if part.contains('*') {
        // 3.* : the prefix fixed.
        let prefix = part.trim_end_matches(".*").trim_end_matches('*');
        let low = Version::parse(prefix)?;
        let high = bump(&low, low.0.len() - 1);
        return Ok(vec![Bound::Ge(low), Bound::Lt(high)]);
    }
    Ok(vec![Bound::Eq(Version::parse(part)?)])
}

/// The version with part `idx` incremented and everything after it dropped.
fn bump(v: &Version, idx: usize) -> Version {
    let mut parts: Vec<u64> = v.0.iter().take(idx + 1).copied().collect();
    while parts.len() <= idx {
        parts.push(0);
    }
    parts[idx] += 1;
    Version(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn ok(version: &str, req: &str, expected: bool) {
        assert_eq!(
            verify_requirements(version, req),
            Ok(expected),
            "{version} against {req}"
        );
    }

    #[test]
    fn caret_ranges_as_poetry() {
        ok("3.9.2", "^3.6", true);
        ok("3.6.0", "^3.6", true);
        ok("3.5.9", "^3.6", false);
        ok("4.0.0", "^3.6", false);
        ok("3.9.0", "^3", true);
        ok("4.0", "^3", false);
        ok("0.2.5", "^0.2.3", true);
        ok("0.3.0", "^0.2.3", false);
        ok("0.0.3", "^0.0.3", true);
        ok("0.0.4", "^0.0.3", false);
    }

    #[test]
    fn tilde_comparisons_and_exact() {
        ok("3.3.9", "~3.3", true);
        ok("3.4.0", "~3.3", false);
        ok("1.9", "~1", true);
        ok("2.0", "~1", false);
        ok("3.8.4", ">3.6", true);
        ok("3.6", ">3.6", false);
        ok("3.6.1", ">3.6", true);
        ok("100", ">90", true);
        ok("0.8", ">=0.8", true);
        ok("3.9.2", "3.9.2", true);
        ok("3.9.3", "==3.9.2", false);
        ok("3.9.3", ">=3, <4", true);
        ok("5.0", "^3 || ^5", true);
        ok("1.0", "*", true);
        ok("3.9.7", "3.9.*", true);
    }

    #[test]
    fn bad_input_is_an_error_not_a_guess() {
        assert!(verify_requirements("3.9.0-rc1", "^3").is_err());
        assert!(verify_requirements("3.9", "^x").is_err());
        assert!(verify_requirements("3.9", ">=3,").is_err());
    }
}
