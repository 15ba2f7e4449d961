use super::*;

fn roundtrip(text: &str) -> (String, Value) {
    let value: Value = serde_yaml_ng::from_str(text).unwrap();
    let out = to_string(&value).unwrap();
    let back: Value = serde_yaml_ng::from_str(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert_eq!(back, value, "\n{out}");
    (out, value)
}

#[test]
fn yaml11_lookalikes_are_quoted() {
    let (out, _) = roundtrip(
        r#"[yes, "on", "No", "y", "2001-12-14", "2025-11-22T08:26:40Z", "1_000", "12:30:00", "22.04", "~", "", "a: b", "-x", "x #y", "ubuntu/python:3.12"]"#,
    );
    for line in out.lines() {
        let item = line.trim_start_matches("- ");
        assert!(item.starts_with('"') || item == "true", "unquoted {item:?}");
    }
}

#[test]
fn ordinary_text_stays_plain() {
    let (out, _) =
        roundtrip("{name: demo-charm, summary: A tiny web service (demo), type: oci-image, v: Hello from Rust}");
    assert_eq!(
        out,
        "name: demo-charm\nsummary: A tiny web service (demo)\ntype: oci-image\nv: Hello from Rust\n"
    );
}

#[test]
fn nesting_matches_pyyaml_layout() {
    let (out, _) = roundtrip("a: {b: [1, {c: 2, d: [x, z]}, [p, q]], e: {}, f: [], g: null, h: 1.5, i: true}");
    assert_eq!(out, "a:\n  b:\n  - 1\n  - c: 2\n    d:\n    - x\n    - z\n  - - p\n    - q\n  e: {}\n  f: []\n  g: null\n  h: 1.5\n  i: true\n");
}

#[test]
fn multiline_text_uses_literal_blocks() {
    let (out, _) =
        roundtrip("d: \"line one\\n\\nline: three\\n\"\ne: \"no newline\\nat end\"\nf: \"  indented\\nx\\n\"\n");
    assert!(
        out.starts_with("d: |\n  line one\n\n  line: three\ne: |-\n  no newline\n  at end\nf: \""),
        "{out}"
    );
    let (out, _) = roundtrip("- \"a\\nb\\n\"\n- k: \"c\\nd\\n\"\n");
    assert_eq!(out, "- |\n  a\n  b\n- k: |\n    c\n    d\n");
}

#[test]
fn floats_keep_a_dot() {
    let v = Value::Sequence(vec![1e20.into(), 2.5e-7.into(), f64::INFINITY.into(), 3.into()]);
    assert_eq!(to_string(&v).unwrap(), "- 1.0e+20\n- 2.5e-7\n- .inf\n- 3\n");
}
