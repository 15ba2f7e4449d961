//! PEM text in the exact shape the Python libraries write it.
//!
//! The provider and the requirer match a certificate to its request by comparing CSR
//! *strings*, and the Python side always re-serialises through `cryptography`
//! (`public_bytes(PEM).decode().strip()`): 64-character base64 lines, `\n` line breaks, no
//! trailing newline. Anything we put on the wire goes through [`encode`] so our strings
//! and theirs are the same bytes.

use base64::Engine;

use crate::error::Error;

/// `-----BEGIN {label}-----\n…\n-----END {label}-----` with 64-column lines and no trailing
/// newline, as `cryptography`'s PEM output after `.strip()`.
pub fn encode(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----");
    out
}

/// Every PEM block in `text` as `(label, der)`, in order. Text outside blocks is ignored,
/// as OpenSSL does.
pub fn decode_all(text: &str) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let mut blocks = Vec::new();
    for block in x509_parser::pem::Pem::iter_from_buffer(text.as_bytes()) {
        match block {
            Ok(pem) => blocks.push((pem.label, pem.contents)),
            Err(x509_parser::error::PEMError::MissingHeader) => break,
            Err(e) => return Err(Error::crypto("PEM", e)),
        }
    }
    Ok(blocks)
}

/// The DER of the first block labelled `label`.
pub fn decode_one(text: &str, label: &str) -> Result<Vec<u8>, Error> {
    decode_all(text)?
        .into_iter()
        .find(|(l, _)| l == label)
        .map(|(_, der)| der)
        .ok_or_else(|| Error::crypto("PEM", format!("no {label} block found")))
}

/// The DER of every `CERTIFICATE` block (a chain or CA bundle file).
pub fn certificates(text: &str) -> Result<Vec<Vec<u8>>, Error> {
    Ok(decode_all(text)?
        .into_iter()
        .filter(|(l, _)| l == "CERTIFICATE")
        .map(|(_, der)| der)
        .collect())
}

/// Re-encodes the first block labelled `label` in canonical form: what Python's
/// `str(Certificate.from_string(pem))` gives for the same object.
pub fn canonical(text: &str, label: &str) -> Result<String, Error> {
    Ok(encode(label, &decode_one(text, label)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_wraps_at_64_and_strips() {
        let der: Vec<u8> = (0..100u8).collect();
        let pem = encode("CERTIFICATE", &der);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(*lines.last().unwrap(), "-----END CERTIFICATE-----");
        assert!(!pem.ends_with('\n'));
        assert_eq!(decode_one(&pem, "CERTIFICATE").unwrap(), der);
    }

    #[test]
    fn canonical_normalises_crlf_and_trailing_newline() {
        let der: Vec<u8> = (0..70u8).collect();
        let pem = encode("CERTIFICATE REQUEST", &der);
        let messy = format!("junk\r\n{}\r\n\r\n", pem.replace('\n', "\r\n"));
        assert_eq!(canonical(&messy, "CERTIFICATE REQUEST").unwrap(), pem);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode_one("not pem", "CERTIFICATE").is_err());
        assert!(decode_one(
            "-----BEGIN CERTIFICATE-----\n%%%\n-----END CERTIFICATE-----",
            "CERTIFICATE"
        )
        .is_err());
        assert!(certificates("").unwrap().is_empty());
    }
}
