//! PII at rest: XChaCha20-Poly1305 for values, HMAC-SHA256 blind indexes for look-ups.
//!
//! The key never enters the database. A check value (an HMAC of a fixed label) is stored
//! in `settings` so that opening a database with the wrong key fails loudly instead of
//! producing garbage.

use crate::StoreError;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;

pub const PII_KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;

#[derive(Clone)]
pub struct PiiKey([u8; PII_KEY_BYTES]);

impl std::fmt::Debug for PiiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PiiKey(redacted)")
    }
}

impl PiiKey {
    pub fn from_hex(text: &str) -> Result<PiiKey, StoreError> {
        let bytes = hex::decode(text.trim())
            .ok()
            .and_then(|bytes| <[u8; PII_KEY_BYTES]>::try_from(bytes).ok())
            .ok_or_else(|| {
                StoreError::Config("a PII key is 64 hexadecimal characters (32 bytes)".into())
            })?;
        Ok(PiiKey(bytes))
    }

    pub fn generate() -> PiiKey {
        let mut bytes = [0u8; PII_KEY_BYTES];
        getrandom::fill(&mut bytes).expect("the operating system's random source works");
        PiiKey(bytes)
    }

    /// Reads the key file, creating it (mode 0600) with a fresh key if it does not exist.
    pub fn load_or_create(path: &Path) -> Result<PiiKey, StoreError> {
        let config_error = |error: std::io::Error| {
            StoreError::Config(format!("PII key file {}: {error}", path.display()))
        };
        match std::fs::read_to_string(path) {
            Ok(text) => PiiKey::from_hex(&text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let key = PiiKey::generate();
                write_private(path, &hex::encode(key.0)).map_err(config_error)?;
                Ok(key)
            }
            Err(error) => Err(config_error(error)),
        }
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new_from_slice(&self.0).expect("key length is fixed")
    }

    fn mac(&self, label: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256>>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(label);
        mac
    }

    /// `hex(nonce ‖ ciphertext)`; a fresh random nonce per value.
    pub fn encrypt(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).expect("the operating system's random source works");
        let ciphertext = self
            .cipher()
            .encrypt(&XNonce::from(nonce), plaintext.as_bytes())
            .expect("encryption of a short value cannot fail");
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        hex::encode(sealed)
    }

    pub fn decrypt(&self, sealed_hex: &str) -> Result<String, StoreError> {
        let corrupt =
            || StoreError::Corrupt("an encrypted PII value does not decrypt with this key".into());
        let sealed = hex::decode(sealed_hex).map_err(|_| corrupt())?;
        if sealed.len() < NONCE_BYTES {
            return Err(corrupt());
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
        let nonce = XNonce::try_from(nonce).map_err(|_| corrupt())?;
        let plaintext = self
            .cipher()
            .decrypt(&nonce, ciphertext)
            .map_err(|_| corrupt())?;
        String::from_utf8(plaintext).map_err(|_| corrupt())
    }

    /// A keyed digest for exact-match search on an encrypted field, scoped by `scope`
    /// (e.g. the field name) so equal values in different fields do not match.
    pub fn blind_index(&self, scope: &str, value: &str) -> String {
        let mut mac = self.mac(b"arrears blind index\0");
        mac.update(scope.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The key that seals the audit chain and ledger rows, derived from this one so an
    /// installation has a single secret to keep.
    pub fn seal_key(&self) -> SealKey {
        let bytes = self.mac(b"arrears audit seal").finalize().into_bytes();
        SealKey {
            keyed: <Hmac<Sha256>>::new_from_slice(bytes.as_slice())
                .expect("HMAC takes any key length"),
        }
    }

    /// The same key, for comparing without showing it.
    pub fn same_as(&self, other: &PiiKey) -> bool {
        self.check_value() == other.check_value()
    }

    /// Stored in `settings` to recognise the key later.
    pub fn check_value(&self) -> String {
        hex::encode(self.mac(b"arrears pii key check").finalize().into_bytes())
    }
}

/// Keys the audit hashes (HMAC-SHA256): without it nobody can recompute a consistent
/// chain after editing rows, so an edit cannot be covered up from inside the database.
#[derive(Clone)]
pub struct SealKey {
    /// HMAC-SHA256 with the key already mixed in: each seal clones it, which saves the
    /// two compressions of the key's pads per row sealed.
    keyed: Hmac<Sha256>,
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(redacted)")
    }
}

impl SealKey {
    pub fn mac(&self) -> Hmac<Sha256> {
        self.keyed.clone()
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())?;
    file.write_all(b"\n")
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, format!("{contents}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper_detection() {
        let key = PiiKey::generate();
        let sealed = key.encrypt("1234");
        assert_ne!(sealed, key.encrypt("1234"), "nonces differ");
        assert_eq!(key.decrypt(&sealed).unwrap(), "1234");
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
        assert!(
            key.decrypt(std::str::from_utf8(&tampered).unwrap())
                .is_err()
        );
        assert!(PiiKey::generate().decrypt(&sealed).is_err());
        assert_eq!(
            key.blind_index("ssn_last4", "1234"),
            key.blind_index("ssn_last4", "1234")
        );
        assert_ne!(
            key.blind_index("ssn_last4", "1234"),
            key.blind_index("other", "1234")
        );
    }
}
