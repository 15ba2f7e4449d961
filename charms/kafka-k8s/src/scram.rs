//! SCRAM credentials computed in Rust, in the form Kafka stores them.
//!
//! A SCRAM server never keeps the password, only `salt`, `iterations`, `StoredKey =
//! H(HMAC(SaltedPassword, "Client Key"))` and `ServerKey = HMAC(SaltedPassword, "Server
//! Key")`, with `SaltedPassword = PBKDF2-HMAC(password, salt, iterations)` (RFC 5802 §3).
//! Kafka does exactly this (`ScramFormatter` in `clients/.../security/scram/internals`): the
//! password is its UTF-8 bytes (no SASLprep), the salt is the UTF-8 text of a random 130-bit
//! number in base 36, 4096 iterations by default (16384 at most), and the credential is
//! stored as `salt=<b64>,stored_key=<b64>,server_key=<b64>,iterations=<n>` with the standard
//! padded base64 alphabet (`ScramCredentialUtils.credentialToString`). Computing it here lets
//! the charm write users into ZooKeeper ([`crate::zkstore`]) and into the KRaft storage
//! format ([`crate::workload::storage`]) without running a JVM tool, and check whether a
//! stored credential still matches a password ([`StoredCredential::matches`]).

use std::fmt;
use std::num::NonZeroU32;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};
use ring::{digest, hmac, pbkdf2};

use crate::error::Error;

/// Kafka's default and minimum iteration count.
pub const DEFAULT_ITERATIONS: u32 = 4096;
/// Kafka's maximum iteration count.
pub const MAX_ITERATIONS: u32 = 16384;

/// A SCRAM mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScramMechanism {
    /// SCRAM-SHA-256 (RFC 7677).
    Sha256,
    /// SCRAM-SHA-512, what the charm uses.
    Sha512,
    /// SCRAM-SHA-1 (RFC 5802). Not a Kafka mechanism; here for RFC 5802's test vector.
    Sha1,
}

impl ScramMechanism {
    /// The mechanism name (`SCRAM-SHA-512`), Kafka's config key for it.
    pub fn kafka_name(self) -> &'static str {
        match self {
            ScramMechanism::Sha256 => "SCRAM-SHA-256",
            ScramMechanism::Sha512 => "SCRAM-SHA-512",
            ScramMechanism::Sha1 => "SCRAM-SHA-1",
        }
    }

    fn pbkdf2(self) -> pbkdf2::Algorithm {
        match self {
            ScramMechanism::Sha256 => pbkdf2::PBKDF2_HMAC_SHA256,
            ScramMechanism::Sha512 => pbkdf2::PBKDF2_HMAC_SHA512,
            ScramMechanism::Sha1 => pbkdf2::PBKDF2_HMAC_SHA1,
        }
    }

    fn hmac(self) -> hmac::Algorithm {
        match self {
            ScramMechanism::Sha256 => hmac::HMAC_SHA256,
            ScramMechanism::Sha512 => hmac::HMAC_SHA512,
            ScramMechanism::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        }
    }

    fn digest(self) -> &'static digest::Algorithm {
        match self {
            ScramMechanism::Sha256 => &digest::SHA256,
            ScramMechanism::Sha512 => &digest::SHA512,
            ScramMechanism::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        }
    }

    /// Length of the hash (and of every key).
    pub fn output_len(self) -> usize {
        self.digest().output_len()
    }
}

/// A credential as computed from a password: what the server stores plus the salted password
/// (needed by `kafka-storage.sh format --add-scram … saltedpassword=…`).
#[derive(Clone, PartialEq, Eq)]
pub struct ScramCredential {
    /// The mechanism.
    pub mechanism: ScramMechanism,
    /// The salt.
    pub salt: Vec<u8>,
    /// PBKDF2 iterations.
    pub iterations: u32,
    /// `H(ClientKey)`.
    pub stored_key: Vec<u8>,
    /// `HMAC(SaltedPassword, "Server Key")`.
    pub server_key: Vec<u8>,
    salted_password: Vec<u8>,
}

impl fmt::Debug for ScramCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScramCredential")
            .field("mechanism", &self.mechanism)
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

fn hmac_sign(mechanism: ScramMechanism, key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(mechanism.hmac(), key), data)
        .as_ref()
        .to_vec()
}

fn check_iterations(mechanism: ScramMechanism, iterations: u32) -> Result<NonZeroU32, Error> {
    let min = if mechanism == ScramMechanism::Sha1 {
        1
    } else {
        DEFAULT_ITERATIONS
    };
    if !(min..=MAX_ITERATIONS).contains(&iterations) {
        return Err(Error::ScramIterations(iterations));
    }
    NonZeroU32::new(iterations).ok_or(Error::ScramIterations(iterations))
}

/// `SaltedPassword := Hi(Normalize(password), salt, i)`, Kafka's normalisation being UTF-8.
pub fn salted_password(
    mechanism: ScramMechanism,
    password: &str,
    salt: &[u8],
    iterations: u32,
) -> Result<Vec<u8>, Error> {
    let iterations = check_iterations(mechanism, iterations)?;
    let mut out = vec![0u8; mechanism.output_len()];
    pbkdf2::derive(mechanism.pbkdf2(), iterations, salt, password.as_bytes(), &mut out);
    Ok(out)
}

/// `ClientProof := ClientKey XOR HMAC(StoredKey, AuthMessage)` (what a client sends).
pub fn client_proof(mechanism: ScramMechanism, salted_password: &[u8], auth_message: &[u8]) -> Vec<u8> {
    let client_key = hmac_sign(mechanism, salted_password, b"Client Key");
    let stored_key = digest::digest(mechanism.digest(), &client_key);
    let signature = hmac_sign(mechanism, stored_key.as_ref(), auth_message);
    client_key.iter().zip(signature).map(|(a, b)| a ^ b).collect()
}

/// `ServerSignature := HMAC(ServerKey, AuthMessage)` (what the server proves itself with).
pub fn server_signature(mechanism: ScramMechanism, server_key: &[u8], auth_message: &[u8]) -> Vec<u8> {
    hmac_sign(mechanism, server_key, auth_message)
}

/// A salt as Kafka makes one: the base-36 text of a random 130-bit number (`new BigInteger(130, random).toString(36)`), as UTF-8 bytes.
pub fn kafka_style_salt() -> Result<Vec<u8>, Error> {
    let mut bytes = [0u8; 17];
    SystemRandom::new().fill(&mut bytes).map_err(|_| Error::NoRandomness)?;
    bytes[0] &= 0b11; // 130 bits = 2 + 16 × 8
    Ok(base36(&bytes).into_bytes())
}

/// Big-endian bytes as base-36 text without leading zeros (`BigInteger.toString(36)`).
fn base36(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut number = bytes.to_vec();
    let mut digits = Vec::new();
    while number.iter().any(|b| *b != 0) {
        let mut remainder = 0u32;
        for byte in number.iter_mut() {
            let value = (remainder << 8) | u32::from(*byte);
            *byte = u8::try_from(value / 36).unwrap_or(0);
            remainder = value % 36;
        }
        digits.push(DIGITS[remainder as usize]);
    }
    if digits.is_empty() {
        digits.push(b'0');
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

impl ScramCredential {
    /// The credential for `password` with a fresh Kafka-style salt.
    pub fn generate(mechanism: ScramMechanism, password: &str, iterations: u32) -> Result<ScramCredential, Error> {
        ScramCredential::with_salt(mechanism, password, &kafka_style_salt()?, iterations)
    }

    /// The credential for `password` with a given salt (tests, or re-deriving a stored one).
    pub fn with_salt(
        mechanism: ScramMechanism,
        password: &str,
        salt: &[u8],
        iterations: u32,
    ) -> Result<ScramCredential, Error> {
        let salted = salted_password(mechanism, password, salt, iterations)?;
        let client_key = hmac_sign(mechanism, &salted, b"Client Key");
        let stored_key = digest::digest(mechanism.digest(), &client_key).as_ref().to_vec();
        let server_key = hmac_sign(mechanism, &salted, b"Server Key");
        Ok(ScramCredential {
            mechanism,
            salt: salt.to_vec(),
            iterations,
            stored_key,
            server_key,
            salted_password: salted,
        })
    }

    /// The salted password (password-equivalent for logging in: keep it secret).
    pub fn salted_password(&self) -> &[u8] {
        &self.salted_password
    }

    /// The salt, standard base64.
    pub fn salt_base64(&self) -> String {
        STANDARD.encode(&self.salt)
    }

    /// The salted password, standard base64.
    pub fn salted_password_base64(&self) -> String {
        STANDARD.encode(&self.salted_password)
    }

    /// `salt=…,stored_key=…,server_key=…,iterations=…`, Kafka's stored form.
    pub fn to_kafka_string(&self) -> String {
        self.stored().to_kafka_string()
    }

    /// What the server stores (no salted password).
    pub fn stored(&self) -> StoredCredential {
        StoredCredential {
            salt: self.salt.clone(),
            stored_key: self.stored_key.clone(),
            server_key: self.server_key.clone(),
            iterations: self.iterations,
        }
    }
}

/// A credential as the server stores it.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredCredential {
    /// The salt.
    pub salt: Vec<u8>,
    /// `H(ClientKey)`.
    pub stored_key: Vec<u8>,
    /// `HMAC(SaltedPassword, "Server Key")`.
    pub server_key: Vec<u8>,
    /// PBKDF2 iterations.
    pub iterations: u32,
}

impl fmt::Debug for StoredCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredCredential")
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

impl StoredCredential {
    /// `salt=<b64>,stored_key=<b64>,server_key=<b64>,iterations=<n>`.
    pub fn to_kafka_string(&self) -> String {
        format!(
            "salt={},stored_key={},server_key={},iterations={}",
            STANDARD.encode(&self.salt),
            STANDARD.encode(&self.stored_key),
            STANDARD.encode(&self.server_key),
            self.iterations
        )
    }

    /// Parses Kafka's form (`ScramCredentialUtils.credentialFromString`: exactly these four
    /// keys, any order).
    pub fn parse(text: &str) -> Result<StoredCredential, Error> {
        let (mut salt, mut stored, mut server, mut iterations) = (None, None, None, None);
        let mut count = 0;
        for token in text.split(',') {
            let (key, value) = token
                .split_once('=')
                .ok_or(Error::MalformedCredential("token without '='"))?;
            let decode = |v: &str| STANDARD.decode(v).map_err(|_| Error::MalformedCredential("bad base64"));
            match key {
                "salt" => salt = Some(decode(value)?),
                "stored_key" => stored = Some(decode(value)?),
                "server_key" => server = Some(decode(value)?),
                "iterations" => {
                    iterations = Some(
                        value
                            .parse::<u32>()
                            .map_err(|_| Error::MalformedCredential("bad iterations"))?,
                    )
                }
                _ => return Err(Error::MalformedCredential("unknown key")),
            }
            count += 1;
        }
        if count != 4 {
            return Err(Error::MalformedCredential(
                "expected salt, stored_key, server_key, iterations",
            ));
        }
        Ok(StoredCredential {
            salt: salt.ok_or(Error::MalformedCredential("no salt"))?,
            stored_key: stored.ok_or(Error::MalformedCredential("no stored_key"))?,
            server_key: server.ok_or(Error::MalformedCredential("no server_key"))?,
            iterations: iterations.ok_or(Error::MalformedCredential("no iterations"))?,
        })
    }

    /// Whether `password` produces this credential (same salt and iterations), compared in
    /// constant time. Lets a reconcile skip rewriting an unchanged user.
    pub fn matches(&self, mechanism: ScramMechanism, password: &str) -> bool {
        let Ok(candidate) = ScramCredential::with_salt(mechanism, password, &self.salt, self.iterations) else {
            return false;
        };
        constant_time_eq(&candidate.stored_key, &self.stored_key)
            & constant_time_eq(&candidate.server_key, &self.server_key)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base36_matches_biginteger() {
        assert_eq!(base36(&[0]), "0");
        assert_eq!(base36(&[0, 35]), "z");
        assert_eq!(base36(&[1, 0]), "74"); // 256 = 7*36 + 4
        let salt = kafka_style_salt().unwrap();
        assert!(salt.len() <= 26 && salt.iter().all(u8::is_ascii_alphanumeric));
    }

    #[test]
    fn iterations_are_bounded_like_kafka() {
        assert!(ScramCredential::with_salt(ScramMechanism::Sha512, "p", b"s", 4095).is_err());
        assert!(ScramCredential::with_salt(ScramMechanism::Sha512, "p", b"s", 16385).is_err());
    }

    #[test]
    fn stored_form_round_trips_and_matches_only_its_password() {
        let c = ScramCredential::generate(ScramMechanism::Sha512, "s3cret", DEFAULT_ITERATIONS).unwrap();
        let text = c.to_kafka_string();
        assert!(
            text.starts_with("salt=") && text.ends_with(",iterations=4096"),
            "{text}"
        );
        let stored = StoredCredential::parse(&text).unwrap();
        assert_eq!(stored, c.stored());
        assert!(stored.matches(ScramMechanism::Sha512, "s3cret"));
        assert!(!stored.matches(ScramMechanism::Sha512, "other"));
        assert!(StoredCredential::parse("salt=AA==,iterations=4096").is_err());
        assert!(!format!("{c:?}").contains(&c.salted_password_base64()));
    }
}
