//! Private key encodings in, PKCS#8 out, with reasons a person can act on.
//!
//! ring (our one crypto stack) loads only PKCS#8, but keys come in three shapes: PKCS#8
//! (`PRIVATE KEY`, what `openssl genpkey` writes), PKCS#1 (`RSA PRIVATE KEY`, what
//! `openssl genrsa -traditional` and the Python TLS library write) and SEC1
//! (`EC PRIVATE KEY`, what `openssl ecparam -genkey` writes). The last two are wrapped into a
//! PrivateKeyInfo here. Before ring sees a key we look at what it is, so a refusal says
//! *why* ("RSA key of 1024 bits", "curve secp256k1", "encrypted") instead of ring's
//! "could not parse key pair".
//!
//! The reader is a minimal DER walker: definite lengths only, every length bounds-checked.
//! Nothing here copies key bytes into an error message.

/// What a key is, as far as choosing and checking it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// RSA with a modulus of this many bits.
    Rsa(usize),
    /// ECDSA on a curve ring signs with.
    Ec(Curve),
    /// Ed25519 (ring loads it; Java TLS and the Python libraries do not sign CSRs with it).
    Ed25519,
}

/// The ECDSA curves ring signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Curve {
    /// secp256r1.
    P256,
    /// secp384r1.
    P384,
}

/// Why a key cannot be used (no key material inside).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyProblem {
    /// Not the DER structure the label promises.
    Malformed(&'static str),
    /// An algorithm or curve ring cannot sign with; names it.
    Unsupported(String),
}

impl std::fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyProblem::Malformed(what) => write!(f, "malformed key: {what}"),
            KeyProblem::Unsupported(what) => {
                write!(
                    f,
                    "unsupported key type {what}; use RSA (2048 bits or more) or ECDSA P-256/P-384"
                )
            }
        }
    }
}

const TAG_INTEGER: u8 = 0x02;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_NULL: u8 = 0x05;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_CONTEXT_0: u8 = 0xa0;
const TAG_CONTEXT_1: u8 = 0xa1;

/// OID contents (without tag and length).
const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_RSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_DSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const OID_ED448: &[u8] = &[0x2b, 0x65, 0x71];
const OID_X25519: &[u8] = &[0x2b, 0x65, 0x6e];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
const OID_SECP256K1: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x0a];

/// A cursor over DER bytes.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    /// The next element: `(tag, contents)`.
    fn next(&mut self) -> Result<(u8, &'a [u8]), KeyProblem> {
        let bad = KeyProblem::Malformed("truncated or invalid DER");
        let (&tag, rest) = self.0.split_first().ok_or(bad.clone())?;
        let (&first, rest) = rest.split_first().ok_or(bad.clone())?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return Err(bad);
            }
            let len = rest[..n].iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, &rest[n..])
        };
        if rest.len() < len {
            return Err(bad);
        }
        self.0 = &rest[len..];
        Ok((tag, &rest[..len]))
    }

    /// The next element, which must have `tag`.
    fn expect(&mut self, tag: u8, what: &'static str) -> Result<&'a [u8], KeyProblem> {
        match self.next()? {
            (t, contents) if t == tag => Ok(contents),
            _ => Err(KeyProblem::Malformed(what)),
        }
    }

    /// The next element if it has `tag`; nothing consumed otherwise.
    fn optional(&mut self, tag: u8) -> Result<Option<&'a [u8]>, KeyProblem> {
        if self.0.first() == Some(&tag) {
            self.next().map(|(_, c)| Some(c))
        } else {
            Ok(None)
        }
    }
}

/// The number of significant bits of a DER INTEGER's contents.
fn integer_bits(contents: &[u8]) -> usize {
    let skip = contents.iter().take_while(|b| **b == 0).count();
    let rest = &contents[skip..];
    match rest.first() {
        Some(first) => rest.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

/// Checks a PKCS#1 RSAPrivateKey and returns its modulus size in bits.
pub(crate) fn rsa_bits(pkcs1: &[u8]) -> Result<usize, KeyProblem> {
    let mut outer = Reader(pkcs1);
    let body = outer.expect(TAG_SEQUENCE, "an RSA key is not a SEQUENCE")?;
    let mut body = Reader(body);
    body.expect(TAG_INTEGER, "an RSA key has no version")?;
    let modulus = body.expect(TAG_INTEGER, "an RSA key has no modulus")?;
    Ok(integer_bits(modulus))
}

fn curve(oid: &[u8]) -> Result<Curve, KeyProblem> {
    match oid {
        OID_P256 => Ok(Curve::P256),
        OID_P384 => Ok(Curve::P384),
        OID_P521 => Err(KeyProblem::Unsupported("ECDSA P-521".to_owned())),
        OID_SECP256K1 => Err(KeyProblem::Unsupported("ECDSA secp256k1".to_owned())),
        other => Err(KeyProblem::Unsupported(format!("ECDSA on curve {}", dotted(other)))),
    }
}

/// What a PKCS#8 PrivateKeyInfo holds.
pub(crate) fn pkcs8_kind(pkcs8: &[u8]) -> Result<KeyKind, KeyProblem> {
    let mut outer = Reader(pkcs8);
    let body = outer.expect(TAG_SEQUENCE, "a PKCS#8 key is not a SEQUENCE")?;
    let mut body = Reader(body);
    body.expect(TAG_INTEGER, "a PKCS#8 key has no version")?;
    let algorithm = body.expect(TAG_SEQUENCE, "a PKCS#8 key has no algorithm")?;
    let key = body.expect(TAG_OCTET_STRING, "a PKCS#8 key has no key")?;
    let mut algorithm = Reader(algorithm);
    let oid = algorithm.expect(TAG_OID, "a PKCS#8 algorithm has no OID")?;
    match oid {
        OID_RSA => Ok(KeyKind::Rsa(rsa_bits(key)?)),
        OID_EC_PUBLIC_KEY => {
            let named = algorithm.optional(TAG_OID)?.ok_or(KeyProblem::Unsupported(
                "ECDSA with explicit curve parameters".to_owned(),
            ))?;
            Ok(KeyKind::Ec(curve(named)?))
        }
        OID_ED25519 => Ok(KeyKind::Ed25519),
        OID_RSA_PSS => Err(KeyProblem::Unsupported("RSA-PSS".to_owned())),
        OID_DSA => Err(KeyProblem::Unsupported("DSA".to_owned())),
        OID_ED448 => Err(KeyProblem::Unsupported("Ed448".to_owned())),
        OID_X25519 => Err(KeyProblem::Unsupported("X25519".to_owned())),
        other => Err(KeyProblem::Unsupported(format!("with algorithm OID {}", dotted(other)))),
    }
}

/// Wraps a PKCS#1 RSAPrivateKey into a PKCS#8 PrivateKeyInfo (version 0, rsaEncryption
/// with NULL parameters), which is all ring reads.
pub(crate) fn pkcs1_to_pkcs8(pkcs1: &[u8]) -> Vec<u8> {
    let mut algorithm = tlv(TAG_OID, OID_RSA);
    algorithm.extend(tlv(TAG_NULL, &[]));
    private_key_info(&algorithm, pkcs1)
}

/// Wraps a SEC1 ECPrivateKey into a PKCS#8 PrivateKeyInfo naming its curve. The curve comes
/// from the key's `[0]` parameters; ring also needs the `[1]` public key, which OpenSSL
/// always writes.
pub(crate) fn sec1_to_pkcs8(sec1: &[u8]) -> Result<(Vec<u8>, Curve), KeyProblem> {
    let mut outer = Reader(sec1);
    let body = outer.expect(TAG_SEQUENCE, "an EC key is not a SEQUENCE")?;
    let mut body = Reader(body);
    body.expect(TAG_INTEGER, "an EC key has no version")?;
    body.expect(TAG_OCTET_STRING, "an EC key has no private key")?;
    let parameters = body.optional(TAG_CONTEXT_0)?.ok_or(KeyProblem::Malformed(
        "the EC key does not name its curve (write it with `openssl ec -param_enc named_curve`)",
    ))?;
    let named = Reader(parameters).optional(TAG_OID)?.ok_or(KeyProblem::Unsupported(
        "ECDSA with explicit curve parameters".to_owned(),
    ))?;
    let curve = curve(named)?;
    let public = body.optional(TAG_CONTEXT_1)?;
    if public.is_none() {
        return Err(KeyProblem::Malformed(
            "the EC key does not hold its public key (rewrite it with `openssl ec`)",
        ));
    }
    let mut algorithm = tlv(TAG_OID, OID_EC_PUBLIC_KEY);
    algorithm.extend(tlv(TAG_OID, named));
    Ok((private_key_info(&algorithm, sec1), curve))
}

/// `SEQUENCE { INTEGER 0, SEQUENCE { algorithm }, OCTET STRING key }`.
fn private_key_info(algorithm: &[u8], key: &[u8]) -> Vec<u8> {
    let mut body = tlv(TAG_INTEGER, &[0]);
    body.extend(tlv(TAG_SEQUENCE, algorithm));
    body.extend(tlv(TAG_OCTET_STRING, key));
    tlv(TAG_SEQUENCE, &body)
}

/// One DER element.
fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    push_der_len(&mut out, contents.len());
    out.extend_from_slice(contents);
    out
}

fn push_der_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    out.push(0x80 | (bytes.len() - skip) as u8);
    out.extend_from_slice(&bytes[skip..]);
}

/// An OID's contents as `1.2.840…` (for messages).
fn dotted(oid: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut value: u64 = 0;
    for b in oid {
        value = (value << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (value / 40).min(2);
                arcs.push(first);
                arcs.push(value - first * 40);
            } else {
                arcs.push(value);
            }
            value = 0;
        }
    }
    arcs.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A BIT STRING with no unused bits.
    fn bit_string(contents: &[u8]) -> Vec<u8> {
        let mut body = vec![0];
        body.extend_from_slice(contents);
        tlv(0x03, &body)
    }

    #[test]
    fn der_lengths() {
        let mut v = Vec::new();
        push_der_len(&mut v, 0x7f);
        push_der_len(&mut v, 0x80);
        push_der_len(&mut v, 0x1234);
        assert_eq!(v, [0x7f, 0x81, 0x80, 0x82, 0x12, 0x34]);
    }

    #[test]
    fn oids_print_dotted() {
        assert_eq!(dotted(OID_RSA), "1.2.840.113549.1.1.1");
        assert_eq!(dotted(OID_SECP256K1), "1.3.132.0.10");
        assert_eq!(dotted(OID_ED25519), "1.3.101.112");
    }

    #[test]
    fn integer_bits_ignores_the_sign_byte() {
        assert_eq!(integer_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(integer_bits(&[0x01]), 1);
        assert_eq!(integer_bits(&[]), 0);
    }

    #[test]
    fn rsa_modulus_size_is_read() {
        // SEQUENCE { INTEGER 0, INTEGER (1024-bit modulus), ... }
        let mut modulus = vec![0x00, 0xc0];
        modulus.extend(std::iter::repeat_n(0x11, 127));
        let mut body = tlv(TAG_INTEGER, &[0]);
        body.extend(tlv(TAG_INTEGER, &modulus));
        body.extend(tlv(TAG_INTEGER, &[1, 0, 1]));
        assert_eq!(rsa_bits(&tlv(TAG_SEQUENCE, &body)), Ok(1024));
        let wrapped = pkcs1_to_pkcs8(&tlv(TAG_SEQUENCE, &body));
        assert_eq!(pkcs8_kind(&wrapped), Ok(KeyKind::Rsa(1024)));
    }

    #[test]
    fn sec1_needs_curve_and_public_key() {
        let mut body = tlv(TAG_INTEGER, &[1]);
        body.extend(tlv(TAG_OCTET_STRING, &[7; 32]));
        let no_curve = tlv(TAG_SEQUENCE, &body);
        assert!(matches!(sec1_to_pkcs8(&no_curve), Err(KeyProblem::Malformed(_))));
        body.extend(tlv(TAG_CONTEXT_0, &tlv(TAG_OID, OID_SECP256K1)));
        let k1 = tlv(TAG_SEQUENCE, &body);
        assert_eq!(
            sec1_to_pkcs8(&k1).unwrap_err(),
            KeyProblem::Unsupported("ECDSA secp256k1".into())
        );
        let mut p256 = tlv(TAG_INTEGER, &[1]);
        p256.extend(tlv(TAG_OCTET_STRING, &[7; 32]));
        p256.extend(tlv(TAG_CONTEXT_0, &tlv(TAG_OID, OID_P256)));
        assert!(matches!(
            sec1_to_pkcs8(&tlv(TAG_SEQUENCE, &p256)),
            Err(KeyProblem::Malformed(_))
        ));
        p256.extend(tlv(TAG_CONTEXT_1, &bit_string(&[4; 65])));
        let (pkcs8, curve) = sec1_to_pkcs8(&tlv(TAG_SEQUENCE, &p256)).unwrap();
        assert_eq!(curve, Curve::P256);
        assert_eq!(pkcs8_kind(&pkcs8), Ok(KeyKind::Ec(Curve::P256)));
    }

    #[test]
    fn truncated_der_is_malformed_not_a_panic() {
        for junk in [
            &[][..],
            &[0x30],
            &[0x30, 0x85, 1, 2, 3, 4, 5],
            &[0x30, 0x82, 0xff],
            &[0x30, 0x05, 0x02],
        ] {
            assert!(pkcs8_kind(junk).is_err());
            assert!(rsa_bits(junk).is_err());
            assert!(sec1_to_pkcs8(junk).is_err());
        }
    }
}
