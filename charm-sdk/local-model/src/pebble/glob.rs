//! Go's `path.Match`, which Pebble applies to base names in `GET /v1/files?action=list`.
//!
//! `*` matches any run of non-`/` characters, `?` one, `[...]` a class (ranges, `^`
//! negation), `\` escapes. A malformed pattern is an error (`syntax error in pattern`),
//! reported by Pebble as a 400.

/// Pebble's message for a malformed pattern.
pub(crate) const BAD_PATTERN: &str = "syntax error in pattern";

/// Whether `name` matches `pattern`.
pub(crate) fn matches(pattern: &str, name: &str) -> Result<bool, &'static str> {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Validate the whole pattern first, as Go reports bad patterns even on a mismatch.
    validate(&p)?;
    Ok(match_from(&p, &n))
}

fn validate(p: &[char]) -> Result<(), &'static str> {
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '\\' => {
                if i + 1 >= p.len() {
                    return Err(BAD_PATTERN);
                }
                i += 2;
            }
            '[' => i = class_end(p, i).ok_or(BAD_PATTERN)?,
            _ => i += 1,
        }
    }
    Ok(())
}

/// The index after the `]` closing the class that starts at `start`.
fn class_end(p: &[char], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if p.get(i) == Some(&'^') {
        i += 1;
    }
    let mut first = true;
    loop {
        let c = *p.get(i)?;
        if c == ']' && !first {
            return Some(i + 1);
        }
        first = false;
        let lo_len = if c == '\\' { 2 } else { 1 };
        if c == '\\' {
            p.get(i + 1)?;
        }
        i += lo_len;
        if p.get(i) == Some(&'-') && p.get(i + 1) != Some(&']') {
            let hi = *p.get(i + 1)?;
            i += if hi == '\\' { 3 } else { 2 };
            if hi == '\\' {
                p.get(i - 1)?;
            }
        }
    }
}

fn class_matches(p: &[char], start: usize, end: usize, c: char) -> bool {
    let mut i = start + 1;
    let negated = p.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let mut matched = false;
    // `class_end` validated the class: items run up to the closing `]` at `end - 1`.
    while i < end - 1 {
        let (lo, next) = if p[i] == '\\' { (p[i + 1], i + 2) } else { (p[i], i + 1) };
        i = next;
        let mut hi = lo;
        if p.get(i) == Some(&'-') && p.get(i + 1) != Some(&']') {
            let (h, next) = if p[i + 1] == '\\' {
                (p[i + 2], i + 3)
            } else {
                (p[i + 1], i + 2)
            };
            hi = h;
            i = next;
        }
        if lo <= c && c <= hi {
            matched = true;
        }
    }
    matched != negated
}

fn match_from(p: &[char], n: &[char]) -> bool {
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        let step = match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
                continue;
            }
            Some('?') if n[ni] != '/' => Some(pi + 1),
            Some('[') => class_end(p, pi).filter(|end| n[ni] != '/' && class_matches(p, pi, *end, n[ni])),
            Some('\\') if p.get(pi + 1) == Some(&n[ni]) => Some(pi + 2),
            Some(c) if *c == n[ni] && !matches!(c, '?' | '[' | '\\') => Some(pi + 1),
            _ => None,
        };
        match step {
            Some(next) => {
                pi = next;
                ni += 1;
            }
            None => match star {
                Some((sp, sn)) if n[sn] != '/' => {
                    star = Some((sp, sn + 1));
                    pi = sp + 1;
                    ni = sn + 1;
                }
                _ => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_semantics() {
        assert_eq!(matches("*.yaml", "a.yaml"), Ok(true));
        assert_eq!(matches("*.yaml", "a.yml"), Ok(false));
        assert_eq!(matches("a?c", "abc"), Ok(true));
        assert_eq!(matches("[a-c]x", "bx"), Ok(true));
        assert_eq!(matches("[^a-c]x", "bx"), Ok(false));
        assert_eq!(matches("[^a-c]x", "dx"), Ok(true));
        assert_eq!(matches("\\*", "*"), Ok(true));
        assert_eq!(matches("*", ""), Ok(true));
        assert_eq!(matches("a*b*c", "aXbYc"), Ok(true));
        assert_eq!(matches("zoo*.cfg", "zoo.cfg"), Ok(true));
        assert_eq!(matches("[", "x"), Err(BAD_PATTERN));
        assert_eq!(matches("[]a]", "]"), Ok(true));
    }
}
