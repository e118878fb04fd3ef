//! Sealing (domain.md section 3, issue 14): bid content is encrypted at rest with AES-256-GCM
//! under a key of its own tender, and each tender's key is stored only wrapped (encrypted) by a
//! master key that lives in configuration, never in the database. Each wrapped key names the
//! master key that wrapped it, so master keys rotate: a new one becomes active for new tenders
//! while the old ones still open what they wrapped. Every ciphertext is bound to what it belongs
//! to (associated data), so a sealed bid moved to another tender or another bid does not open.
//!
//! Pure: the randomness comes from the operating system; keys and ciphertexts are bytes.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::RngCore;

/// AES-GCM's nonce: 96 random bits per encryption (a key seals few enough messages that random
/// nonces never collide in practice).
const NONCE_BYTES: usize = 12;

/// What a key is bound to when wrapped, versioned so the format can change.
const WRAP_CONTEXT: &[u8] = b"ppp-registry/tender-key/v1";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealingError {
    /// The configuration's `sealing_keys` are not `id:base64-of-32-bytes` entries with one active.
    #[error("sealing keys: {0}")]
    BadKeyring(String),
    /// The master key that wrapped a tender's key is not configured (opening waits until it is).
    #[error("the master key {0:?} is not configured")]
    MissingMasterKey(String),
    /// The ciphertext, its nonce or its associated data is not what was sealed.
    #[error("sealed content does not open: it was changed, or belongs elsewhere")]
    Tampered,
    /// Beyond what AES-GCM seals under one nonce (64 GiB).
    #[error("too large to seal")]
    TooLarge,
}

/// `bytes` filled up with `fill` to a whole number of `block`s (one at least): what is sealed
/// is padded so the ciphertext's length tells only to within a block how long it was.
pub fn pad_to_block(mut bytes: Vec<u8>, block: usize, fill: u8) -> Vec<u8> {
    let size = bytes.len().div_ceil(block).max(1) * block;
    bytes.resize(size, fill);
    bytes
}

/// A 256-bit key, kept out of `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&self.0))
    }

    /// Encrypts `plaintext` bound to `aad`.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Sealed, SealingError> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let payload = Payload { msg: plaintext, aad };
        let ciphertext = self
            .cipher()
            .encrypt(Nonce::from_slice(&nonce), payload)
            .map_err(|_| SealingError::TooLarge)?;
        Ok(Sealed { nonce, ciphertext })
    }

    /// Decrypts what [`SecretKey::seal`] sealed with the same `aad`.
    pub fn open(&self, sealed: &Sealed, aad: &[u8]) -> Result<Vec<u8>, SealingError> {
        let payload = Payload {
            msg: &sealed.ciphertext,
            aad,
        };
        self.cipher()
            .decrypt(Nonce::from_slice(&sealed.nonce), payload)
            .map_err(|_| SealingError::Tampered)
    }
}

/// A ciphertext with its nonce (the ciphertext ends with GCM's 16-byte tag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub nonce: [u8; NONCE_BYTES],
    pub ciphertext: Vec<u8>,
}

impl Sealed {
    /// One byte string: the nonce, then the ciphertext (how blobs and columns keep it).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(NONCE_BYTES + self.ciphertext.len());
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.ciphertext);
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SealingError> {
        if bytes.len() < NONCE_BYTES + 16 {
            return Err(SealingError::Tampered);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let mut n = [0u8; NONCE_BYTES];
        n.copy_from_slice(nonce);
        Ok(Self {
            nonce: n,
            ciphertext: ciphertext.to_vec(),
        })
    }
}

/// A tender's key as stored: wrapped by the master key `master_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    pub master_id: String,
    pub sealed: Sealed,
}

/// The master keys from configuration: each with its id; one active, which wraps new keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyring {
    keys: Vec<(String, SecretKey)>,
    active: (String, SecretKey),
}

impl Keyring {
    /// Reads `id:base64` entries (32 bytes each) and the id of the active one.
    pub fn parse(entries: &[String], active: &str) -> Result<Self, SealingError> {
        let mut keys = Vec::new();
        for entry in entries {
            let (id, encoded) = entry
                .split_once(':')
                .ok_or_else(|| SealingError::BadKeyring("an entry is not `id:base64`".into()))?;
            let id = id.trim();
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                return Err(SealingError::BadKeyring(format!("bad key id {id:?}")));
            }
            let bytes = BASE64
                .decode(encoded.trim())
                .map_err(|_| SealingError::BadKeyring(format!("key {id:?} is not base64")))?;
            let key: [u8; 32] = bytes
                .try_into()
                .map_err(|_| SealingError::BadKeyring(format!("key {id:?} is not 32 bytes")))?;
            if keys.iter().any(|(known, _)| known == id) {
                return Err(SealingError::BadKeyring(format!("key id {id:?} appears twice")));
            }
            keys.push((id.to_string(), SecretKey(key)));
        }
        let active = keys
            .iter()
            .find(|(id, _)| id == active)
            .cloned()
            .ok_or_else(|| SealingError::BadKeyring(format!("the active key {active:?} is not among them")))?;
        Ok(Self { keys, active })
    }

    /// Reads a keyring as configured: `id:base64` entries separated by commas, spaces or
    /// lines (`#` starts a comment line); the active one is `active`, or the first listed.
    pub fn parse_text(text: &str, active: Option<&str>) -> Result<Self, SealingError> {
        let entries: Vec<String> = text
            .lines()
            .filter(|line| !line.trim_start().starts_with('#'))
            .flat_map(|line| line.split([',', ' ', '\t']))
            .filter(|entry| !entry.trim().is_empty())
            .map(|entry| entry.trim().to_string())
            .collect();
        let first = entries
            .first()
            .and_then(|e| e.split_once(':'))
            .map(|(id, _)| id.trim().to_string());
        let active = match (active.map(str::trim).filter(|a| !a.is_empty()), first) {
            (Some(active), _) => active.to_string(),
            (None, Some(first)) => first,
            (None, None) => return Err(SealingError::BadKeyring("no key given".into())),
        };
        Self::parse(&entries, &active)
    }

    /// A new keyring of one fresh key named `id`, with its text for a keys file.
    pub fn generate(id: &str) -> Result<(Self, String), SealingError> {
        let key = SecretKey::generate();
        let text = format!("{id}:{}", BASE64.encode(key.0));
        Ok((Self::parse_text(&text, None)?, text))
    }

    /// The id of the key that wraps new tenders' keys.
    pub fn active_id(&self) -> &str {
        &self.active.0
    }

    /// Every configured key's id.
    pub fn ids(&self) -> Vec<&str> {
        self.keys.iter().map(|(id, _)| id.as_str()).collect()
    }

    /// The associated data a tender's wrapped key is bound to: its tender.
    fn wrap_aad(tender_id: i64) -> Vec<u8> {
        let mut aad = WRAP_CONTEXT.to_vec();
        aad.extend_from_slice(&tender_id.to_be_bytes());
        aad
    }

    /// Wraps tender `tender_id`'s key with the active master key.
    pub fn wrap(&self, tender_id: i64, key: &SecretKey) -> Result<WrappedKey, SealingError> {
        let (id, master) = &self.active;
        Ok(WrappedKey {
            master_id: id.clone(),
            sealed: master.seal(&key.0, &Self::wrap_aad(tender_id))?,
        })
    }

    /// Unwraps tender `tender_id`'s key with the master key that wrapped it.
    pub fn unwrap_key(&self, tender_id: i64, wrapped: &WrappedKey) -> Result<SecretKey, SealingError> {
        let master = self
            .keys
            .iter()
            .find(|(id, _)| *id == wrapped.master_id)
            .map(|(_, k)| k)
            .ok_or_else(|| SealingError::MissingMasterKey(wrapped.master_id.clone()))?;
        let bytes = master.open(&wrapped.sealed, &Self::wrap_aad(tender_id))?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| SealingError::Tampered)?;
        Ok(SecretKey(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, byte: u8) -> String {
        format!("{id}:{}", BASE64.encode([byte; 32]))
    }

    #[test]
    fn sealed_content_opens_only_with_its_key_and_where_it_belongs() {
        let key = SecretKey::generate();
        let sealed = key.seal(b"availability payment 41 500 000", b"bid 7").unwrap();
        assert_ne!(sealed.ciphertext[..], b"availability payment 41 500 000"[..]);
        assert_eq!(key.open(&sealed, b"bid 7").unwrap(), b"availability payment 41 500 000");
        assert_eq!(
            key.open(&sealed, b"bid 8"),
            Err(SealingError::Tampered),
            "moved to another bid"
        );
        assert_eq!(
            SecretKey::generate().open(&sealed, b"bid 7"),
            Err(SealingError::Tampered)
        );
        let mut changed = sealed.clone();
        changed.ciphertext[0] ^= 1;
        assert_eq!(
            key.open(&changed, b"bid 7"),
            Err(SealingError::Tampered),
            "one bit flipped"
        );
        let stored = Sealed::from_bytes(&sealed.to_bytes()).unwrap();
        assert_eq!(key.open(&stored, b"bid 7").unwrap(), b"availability payment 41 500 000");
        assert_eq!(Sealed::from_bytes(&[0u8; 20]), Err(SealingError::Tampered));
        // The same content sealed twice looks different (a fresh nonce each time).
        assert_ne!(
            key.seal(b"x", b"a").unwrap().to_bytes(),
            key.seal(b"x", b"a").unwrap().to_bytes()
        );
    }

    #[test]
    fn master_keys_rotate_and_a_missing_one_is_named() {
        let tender_key = SecretKey::generate();
        let old = Keyring::parse(&[entry("2026-a", 1)], "2026-a").unwrap();
        let wrapped = old.wrap(12, &tender_key).unwrap();
        assert_eq!(wrapped.master_id, "2026-a");
        // A new active key: new tenders get it, the old tender still opens with the old one.
        let rotated = Keyring::parse(&[entry("2026-a", 1), entry("2027-a", 2)], "2027-a").unwrap();
        assert_eq!(rotated.unwrap_key(12, &wrapped).unwrap(), tender_key);
        assert_eq!(rotated.wrap(13, &tender_key).unwrap().master_id, "2027-a");
        // The wrapped key belongs to its tender.
        assert_eq!(rotated.unwrap_key(13, &wrapped), Err(SealingError::Tampered));
        // Without the old master key the tender waits, and says for which key.
        let without = Keyring::parse(&[entry("2027-a", 2)], "2027-a").unwrap();
        assert_eq!(
            without.unwrap_key(12, &wrapped),
            Err(SealingError::MissingMasterKey("2026-a".into()))
        );
    }

    #[test]
    fn a_keyring_is_read_from_its_text() {
        let text = format!("# rotated 2027-01\n{}, {}\n", entry("2027-a", 2), entry("2026-a", 1));
        let ring = Keyring::parse_text(&text, None).unwrap();
        assert_eq!((ring.active_id(), ring.ids()), ("2027-a", vec!["2027-a", "2026-a"]));
        assert_eq!(
            Keyring::parse_text(&text, Some("2026-a")).unwrap().active_id(),
            "2026-a"
        );
        assert!(matches!(
            Keyring::parse_text(" \n# none\n", None),
            Err(SealingError::BadKeyring(_))
        ));
        let (generated, text) = Keyring::generate("demo").unwrap();
        assert_eq!(Keyring::parse_text(&text, None).unwrap(), generated);
    }

    #[test]
    fn a_bad_keyring_is_refused_with_its_reason() {
        for (entries, active) in [
            (vec!["no-colon".to_string()], "x"),
            (vec!["k:not base64!".to_string()], "k"),
            (vec![format!("k:{}", BASE64.encode([1u8; 16]))], "k"),
            (vec![entry("k", 1), entry("k", 2)], "k"),
            (vec![entry("k", 1)], "other"),
            (vec![entry("bad id", 1)], "bad id"),
        ] {
            assert!(
                matches!(Keyring::parse(&entries, active), Err(SealingError::BadKeyring(_))),
                "{entries:?} {active}"
            );
        }
        assert!(format!("{:?}", SecretKey::from_bytes([7; 32])) == "SecretKey(..)");
    }
}
