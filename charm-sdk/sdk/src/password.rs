//! Passwords for generated credentials (super users, admin users, client users).
//!
//! Read from the kernel's CSPRNG (`/dev/urandom`), so no crypto crate is needed in charms
//! that only need random strings; the alphabet avoids characters that need quoting in
//! JAAS files, properties files and shells.

use std::io::Read;

use crate::error::Error;

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A random password of `len` characters from `[A-Za-z0-9]` (about 5.95 bits each; the
/// default 32 characters give 190 bits).
pub fn generate_password(len: usize) -> Result<String, Error> {
    let mut file =
        std::fs::File::open("/dev/urandom").map_err(|e| Error::msg(format!("cannot open /dev/urandom: {e}")))?;
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        file.read_exact(&mut buf)
            .map_err(|e| Error::msg(format!("cannot read /dev/urandom: {e}")))?;
        // Rejection sampling keeps the distribution uniform: 248 = 62 * 4.
        for b in buf {
            if out.len() == len {
                break;
            }
            if b < 248 {
                out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_have_the_length_and_alphabet_and_differ() {
        let a = generate_password(32).unwrap();
        let b = generate_password(32).unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)));
        assert_ne!(a, b);
    }
}
