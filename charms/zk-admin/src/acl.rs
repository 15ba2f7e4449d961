//! ZooKeeper ACL entries as plain data.
//!
//! The charms describe a client's rights as `cdrwa` letters (the `extra-user-roles` relation
//! field) and grant them twice, once per authentication scheme a client may use:
//! `sasl:relation-<id>:<perms>` and `digest:relation-<id>:<base64 sha1(user:pw)>:<perms>`.
//! The digest form must be byte-identical to ZooKeeper's own
//! `DigestAuthenticationProvider.generateDigest`, otherwise `addauth digest` never matches.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use ring::digest::{digest, SHA1_FOR_LEGACY_USE_ONLY};

use crate::Error;

/// A set of ZooKeeper permissions (`c`reate, `d`elete, `r`ead, `w`rite, `a`dmin).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Perms(u8);

impl Perms {
    /// Read data and list children.
    pub const READ: Perms = Perms(1);
    /// Set data.
    pub const WRITE: Perms = Perms(2);
    /// Create children.
    pub const CREATE: Perms = Perms(4);
    /// Delete children.
    pub const DELETE: Perms = Perms(8);
    /// Change the ACL.
    pub const ADMIN: Perms = Perms(16);
    /// All five permissions (`cdrwa`).
    pub const ALL: Perms = Perms(31);
    /// No permission.
    pub const NONE: Perms = Perms(0);

    const LETTERS: [(char, Perms); 5] = [
        ('c', Perms::CREATE),
        ('d', Perms::DELETE),
        ('r', Perms::READ),
        ('w', Perms::WRITE),
        ('a', Perms::ADMIN),
    ];

    /// Parses letters such as `cdrwa` or `rw` (any order, case-insensitive, no repeats needed).
    pub fn from_letters(letters: &str) -> Result<Perms, Error> {
        let mut perms = Perms::NONE;
        for ch in letters.trim().chars() {
            let bit = Self::LETTERS
                .iter()
                .find(|(letter, _)| *letter == ch.to_ascii_lowercase())
                .map(|(_, bit)| *bit)
                .ok_or_else(|| Error::InvalidArgument(format!("unknown permission letter {ch:?} in {letters:?}")))?;
            perms = perms | bit;
        }
        Ok(perms)
    }

    /// Whether every permission in `other` is also in `self`.
    pub fn contains(self, other: Perms) -> bool {
        self.0 & other.0 == other.0
    }

    /// The raw ZooKeeper bit mask.
    pub fn bits(self) -> i32 {
        i32::from(self.0)
    }
}

/// Our permission bits next to the client crate's (whose raw constructor is private).
const CLIENT_PERMS: [(Perms, zookeeper_client::Permission); 5] = [
    (Perms::READ, zookeeper_client::Permission::READ),
    (Perms::WRITE, zookeeper_client::Permission::WRITE),
    (Perms::CREATE, zookeeper_client::Permission::CREATE),
    (Perms::DELETE, zookeeper_client::Permission::DELETE),
    (Perms::ADMIN, zookeeper_client::Permission::ADMIN),
];

impl std::ops::BitOr for Perms {
    type Output = Perms;

    fn bitor(self, rhs: Perms) -> Perms {
        Perms(self.0 | rhs.0)
    }
}

impl fmt::Display for Perms {
    /// Formats as `cdrwa` letters, in ZooKeeper's canonical order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (letter, bit) in Self::LETTERS {
            if self.contains(bit) {
                write!(f, "{letter}")?;
            }
        }
        Ok(())
    }
}

/// One ACL entry: who (`scheme` + `id`) may do what (`perms`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Acl {
    /// `sasl`, `digest`, `world`, `auth`, `ip` or `x509`.
    pub scheme: String,
    /// The identity within the scheme (`relation-7`, `relation-7:<hash>`, `anyone`...).
    pub id: String,
    /// What the identity may do.
    pub perms: Perms,
}

impl Acl {
    /// `sasl:<user>:<perms>`: a session authenticated with SASL (DIGEST-MD5) as `user`.
    pub fn sasl(user: &str, perms: Perms) -> Acl {
        Acl {
            scheme: "sasl".into(),
            id: user.into(),
            perms,
        }
    }

    /// `digest:<user>:<base64 sha1(user:password)>:<perms>`: a session that ran
    /// `addauth digest user:password`. The password itself is not kept.
    pub fn digest(user: &str, password: &str, perms: Perms) -> Acl {
        Acl {
            scheme: "digest".into(),
            id: digest_id(user, password),
            perms,
        }
    }

    /// `world:anyone:<perms>`.
    pub fn anyone(perms: Perms) -> Acl {
        Acl {
            scheme: "world".into(),
            id: "anyone".into(),
            perms,
        }
    }

    pub(crate) fn to_client(&self) -> zookeeper_client::Acl {
        let permission = CLIENT_PERMS
            .iter()
            .filter(|(ours, _)| self.perms.contains(*ours))
            .fold(zookeeper_client::Permission::NONE, |acc, (_, theirs)| acc | *theirs);
        zookeeper_client::Acl::new(permission, zookeeper_client::AuthId::new(&self.scheme, &self.id))
    }

    pub(crate) fn from_client(acl: &zookeeper_client::Acl) -> Acl {
        let perms = CLIENT_PERMS
            .iter()
            .filter(|(_, theirs)| acl.permission().has(*theirs))
            .fold(Perms::NONE, |acc, (ours, _)| acc | *ours);
        Acl {
            scheme: acl.scheme().to_owned(),
            id: acl.id().to_owned(),
            perms,
        }
    }
}

impl fmt::Display for Acl {
    /// Formats as `scheme:id:perms`, the form `setAcl` in zkCli accepts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.scheme, self.id, self.perms)
    }
}

impl FromStr for Acl {
    type Err = Error;

    /// Parses `scheme:id:perms`; the id may itself contain colons (`digest:user:hash:cdrwa`).
    fn from_str(text: &str) -> Result<Acl, Error> {
        let bad = || Error::InvalidArgument(format!("ACL {text:?} is not scheme:id:perms"));
        let (scheme, rest) = text.split_once(':').ok_or_else(bad)?;
        let (id, perms) = rest.rsplit_once(':').ok_or_else(bad)?;
        if scheme.is_empty() || id.is_empty() {
            return Err(bad());
        }
        Ok(Acl {
            scheme: scheme.into(),
            id: id.into(),
            perms: Perms::from_letters(perms)?,
        })
    }
}

/// The `digest` scheme id for `user`/`password`: `user:base64(sha1("user:password"))`, exactly as
/// ZooKeeper's `DigestAuthenticationProvider.generateDigest` computes it.
pub fn digest_id(user: &str, password: &str) -> String {
    let hash = digest(&SHA1_FOR_LEGACY_USE_ONLY, format!("{user}:{password}").as_bytes());
    format!(
        "{user}:{}",
        base64::engine::general_purpose::STANDARD.encode(hash.as_ref())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perms_round_trip() {
        assert_eq!(Perms::from_letters("cdrwa").unwrap(), Perms::ALL);
        assert_eq!(Perms::from_letters("AWRDC").unwrap(), Perms::ALL);
        assert_eq!(Perms::from_letters("wr").unwrap().to_string(), "rw");
        assert_eq!(Perms::from_letters("").unwrap(), Perms::NONE);
        assert!(Perms::from_letters("rx").is_err());
        assert_eq!(Perms::READ.bits(), 1);
        assert_eq!(Perms::ALL.bits(), 31);
    }

    #[test]
    fn digest_matches_known_zookeeper_value() {
        // `DigestAuthenticationProvider super:superpw` prints this (see tests/digest_java.rs).
        assert_eq!(digest_id("super", "superpw"), "super:g9oN2HttPfn8MMWJZ2r45Np/LIA=");
        let acl = Acl::digest("relation-7", "pw", Perms::ALL);
        assert!(acl.to_string().starts_with("digest:relation-7:"));
        assert!(!acl.to_string().contains(":pw"));
    }

    #[test]
    fn acl_parse_and_format() {
        let acl: Acl = "digest:u:abc=:rw".parse().unwrap();
        assert_eq!(
            acl,
            Acl {
                scheme: "digest".into(),
                id: "u:abc=".into(),
                perms: Perms::READ | Perms::WRITE
            }
        );
        assert_eq!(acl.to_string(), "digest:u:abc=:rw");
        assert_eq!(Acl::sasl("relation-7", Perms::ALL).to_string(), "sasl:relation-7:cdrwa");
        assert!("sasl".parse::<Acl>().is_err());
        assert!(":x:r".parse::<Acl>().is_err());
    }
}
