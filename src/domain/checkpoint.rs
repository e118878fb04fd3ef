//! Signed checkpoints of the audit log's Merkle tree, in the C2SP text formats existing tooling
//! reads. The body is a tlog-checkpoint (origin, tree size, base64 root hash; no extension
//! lines), wrapped in a signed note carrying two signatures by the log's one Ed25519 key:
//!
//! - a plain signed-note signature (key type 0x01), which Go's `sumdb/note` and every note
//!   verifier checks;
//! - a tlog-cosignature/v1 (key type 0x04), which also signs the time of publication
//!   (`cosignature/v1\ntime <unix seconds>\n` + body), so the tree head is (size, root, time).
//!
//! The note envelope, key ids and the plain signature are the `signed_note` crate's (Cloudflare's
//! port of Go's `sumdb/note`, tested against its vectors); the timestamped signature is written
//! here on `ed25519-dalek`, exactly as the cosignature specification defines it. Pure: nothing
//! here reads a clock, a file or the database.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, TimeZone, Utc};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use signed_note::{Note, NoteError, Signer, StandardSigner, StandardVerifier, Verifier, VerifierList};

use crate::domain::merkle::Hash;

/// The signed-note key type of a plain Ed25519 signature.
const PLAIN: u8 = 0x01;
/// The signed-note key type of an Ed25519 tlog-cosignature/v1.
const COSIGNATURE: u8 = 0x04;

/// A tree head: the log's name, its size and the root of the tree of that many leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeHead {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl TreeHead {
    /// The checkpoint body: three lines, each ending in a newline.
    pub fn body(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, BASE64.encode(self.root))
    }

    /// Reads a checkpoint body of exactly three lines.
    fn parse(body: &str) -> Result<Self, CheckpointError> {
        let malformed = |what: &str| CheckpointError::Malformed(what.to_string());
        let lines: Vec<&str> = body
            .strip_suffix('\n')
            .ok_or_else(|| malformed("the body does not end in a newline"))?
            .split('\n')
            .collect();
        let [origin, size, root] = lines[..] else {
            return Err(malformed(
                "the body is not exactly three lines (origin, size, root hash)",
            ));
        };
        let size_ok =
            !size.is_empty() && size.bytes().all(|b| b.is_ascii_digit()) && (size == "0" || !size.starts_with('0'));
        let size = size
            .parse::<u64>()
            .ok()
            .filter(|_| size_ok)
            .ok_or_else(|| malformed("the tree size is not a decimal number without leading zeroes"))?;
        let root: Hash = BASE64
            .decode(root)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| malformed("the root hash is not the base64 of 32 bytes"))?;
        Ok(Self {
            origin: origin.to_string(),
            size,
            root,
        })
    }
}

/// A checkpoint as published: the tree head, the signed time, and the note's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    pub head: TreeHead,
    pub published_at: DateTime<Utc>,
    pub note: String,
}

/// Why a checkpoint or a key cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("malformed checkpoint: {0}")]
    Malformed(String),
    #[error("malformed key: {0}")]
    Key(String),
    #[error("the checkpoint is not signed by the key {0}")]
    NotSigned(String),
    #[error("a signature of the checkpoint is invalid")]
    BadSignature,
    #[error("the checkpoint's origin {found:?} is not the key's name {expected:?}")]
    WrongOrigin { expected: String, found: String },
}

/// The log's private key: signs checkpoints. Its name is the log's origin.
pub struct LogKey {
    name: String,
    key: SigningKey,
}

impl std::fmt::Debug for LogKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LogKey({} [private part redacted])", self.name)
    }
}

impl PartialEq for LogKey {
    fn eq(&self, other: &Self) -> bool {
        self.public() == other.public()
    }
}

impl LogKey {
    /// Reads a private key in the signed-note form Go's `note.GenerateKey` writes:
    /// `PRIVATE+KEY+<name>+<key id, 8 hex>+<base64(0x01 || 32-byte seed)>`.
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let bad = |why: &str| CheckpointError::Key(why.to_string());
        let text = text.trim();
        let rest = text
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| bad("a signing key starts with PRIVATE+KEY+"))?;
        let (name, rest) = rest.split_once('+').ok_or_else(|| bad("no key name"))?;
        let (id, material) = rest.split_once('+').ok_or_else(|| bad("no key id"))?;
        let bytes = BASE64.decode(material).map_err(|_| bad("the key is not base64"))?;
        let [PLAIN, seed @ ..] = bytes.as_slice() else {
            return Err(bad("not an Ed25519 key (type 0x01)"));
        };
        let seed: [u8; 32] = seed.try_into().map_err(|_| bad("an Ed25519 seed is 32 bytes"))?;
        if !signed_note::is_key_name_valid(name) {
            return Err(bad("the key name holds a space or a plus"));
        }
        let key = Self {
            name: name.to_string(),
            key: SigningKey::from_bytes(&seed),
        };
        if format!("{:08x}", key.public().id(PLAIN)) != id {
            return Err(bad("the key id does not match the key"));
        }
        Ok(key)
    }

    /// The key of a fixed seed (tests and benchmarks).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Self {
        Self {
            name: name.to_string(),
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// The private key's text, in the form [`LogKey::parse`] reads.
    pub fn private_text(&self) -> String {
        let mut material = vec![PLAIN];
        material.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.public().id(PLAIN),
            BASE64.encode(material)
        )
    }

    /// A new random key named `name`, and its private text (for a key file).
    pub fn generate(name: &str) -> Result<(Self, String), CheckpointError> {
        if !signed_note::is_key_name_valid(name) {
            return Err(CheckpointError::Key(format!("{name:?} cannot name a key")));
        }
        let key = Self {
            name: name.to_string(),
            key: SigningKey::generate(&mut rand::rngs::OsRng),
        };
        let text = key.private_text();
        Ok((key, text))
    }

    pub fn origin(&self) -> &str {
        &self.name
    }

    pub fn public(&self) -> PublicLogKey {
        PublicLogKey {
            name: self.name.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// Signs the tree head at `at` (to the second: the cosignature's timestamp is in seconds).
    pub fn sign(&self, head: &TreeHead, at: DateTime<Utc>) -> Result<SignedCheckpoint, CheckpointError> {
        let seconds =
            u64::try_from(at.timestamp()).map_err(|_| CheckpointError::Malformed("a time before 1970".into()))?;
        let published_at = Utc
            .timestamp_opt(at.timestamp(), 0)
            .single()
            .ok_or_else(|| CheckpointError::Malformed("an unrepresentable time".into()))?;
        let plain = StandardSigner::new(&self.private_text()).map_err(|e| CheckpointError::Key(e.to_string()))?;
        let timed = TimedSigner {
            name: &self.name,
            id: self.public().id(COSIGNATURE),
            key: &self.key,
            seconds,
        };
        let mut note = Note::new(head.body().as_bytes(), &[]).map_err(note_error)?;
        note.add_sigs(&[&plain, &timed]).map_err(note_error)?;
        let note = String::from_utf8(note.to_bytes()).map_err(|_| CheckpointError::Malformed("not UTF-8".into()))?;
        Ok(SignedCheckpoint {
            head: head.clone(),
            published_at,
            note,
        })
    }
}

fn note_error(e: NoteError) -> CheckpointError {
    match e {
        NoteError::InvalidSignature { .. } => CheckpointError::BadSignature,
        other => CheckpointError::Malformed(other.to_string()),
    }
}

/// The message a tlog-cosignature/v1 signs.
fn cosigned_message(seconds: u64, body: &[u8]) -> Vec<u8> {
    let mut message = format!("cosignature/v1\ntime {seconds}\n").into_bytes();
    message.extend_from_slice(body);
    message
}

/// Signs a cosignature/v1 at a fixed time: the timestamp, then the signature.
struct TimedSigner<'a> {
    name: &'a str,
    id: u32,
    key: &'a SigningKey,
    seconds: u64,
}

impl Signer for TimedSigner<'_> {
    fn name(&self) -> &str {
        self.name
    }

    fn key_id(&self) -> u32 {
        self.id
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ed25519_dalek::SignatureError> {
        let mut out = self.seconds.to_be_bytes().to_vec();
        out.extend_from_slice(&self.key.sign(&cosigned_message(self.seconds, msg)).to_bytes());
        Ok(out)
    }
}

/// Checks cosignature/v1 signatures by one key.
struct TimedVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl TimedVerifier {
    /// The signed time of a cosignature, when it verifies over `body`.
    fn time_of(&self, body: &[u8], sig: &[u8]) -> Option<u64> {
        let (seconds, signature) = sig.split_first_chunk::<8>()?;
        let signature = ed25519_dalek::Signature::from_slice(signature).ok()?;
        let seconds = u64::from_be_bytes(*seconds);
        if seconds > i64::MAX as u64 {
            return None;
        }
        self.key
            .verify_strict(&cosigned_message(seconds, body), &signature)
            .ok()
            .map(|()| seconds)
    }
}

impl Verifier for TimedVerifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.id
    }

    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        self.time_of(msg, sig).is_some()
    }
}

/// The log's public key: checks checkpoints. Published as two signed-note verifier keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicLogKey {
    name: String,
    key: VerifyingKey,
}

impl PublicLogKey {
    pub fn origin(&self) -> &str {
        &self.name
    }

    /// The 32 bytes of the Ed25519 public key, in hex.
    pub fn hex(&self) -> String {
        self.key.as_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    fn id(&self, kind: u8) -> u32 {
        let mut material = vec![kind];
        material.extend_from_slice(self.key.as_bytes());
        signed_note::key_id(&self.name, &material)
    }

    fn encoded(&self, kind: u8) -> String {
        let mut material = vec![kind];
        material.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id(kind), BASE64.encode(material))
    }

    /// The verifier key of the plain signature (`name+id+base64(0x01 || key)`).
    pub fn verifier_key(&self) -> String {
        self.encoded(PLAIN)
    }

    /// The verifier key of the timestamped cosignature (`name+id+base64(0x04 || key)`).
    pub fn cosignature_verifier_key(&self) -> String {
        self.encoded(COSIGNATURE)
    }

    /// Reads either verifier key (type 0x01 or 0x04); both name the same key.
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let bad = |why: &str| CheckpointError::Key(why.to_string());
        let text = text.trim();
        let (name, rest) = text.split_once('+').ok_or_else(|| bad("no key name"))?;
        let (id, material) = rest.split_once('+').ok_or_else(|| bad("no key id"))?;
        let bytes = BASE64.decode(material).map_err(|_| bad("the key is not base64"))?;
        let [kind @ (PLAIN | COSIGNATURE), key @ ..] = bytes.as_slice() else {
            return Err(bad("not an Ed25519 verifier key (type 0x01 or 0x04)"));
        };
        let key: [u8; 32] = key.try_into().map_err(|_| bad("an Ed25519 key is 32 bytes"))?;
        let key = VerifyingKey::from_bytes(&key).map_err(|_| bad("not a valid Ed25519 point"))?;
        if !signed_note::is_key_name_valid(name) {
            return Err(bad("the key name holds a space or a plus"));
        }
        let public = Self {
            name: name.to_string(),
            key,
        };
        if format!("{:08x}", public.id(*kind)) != id {
            return Err(bad("the key id does not match the key"));
        }
        Ok(public)
    }

    /// Opens a checkpoint note: both signatures by this key must be present and valid, the
    /// body a three-line checkpoint whose origin is the key's name. Other signatures (a
    /// witness's cosignature) are ignored, as the note specification requires.
    pub fn open(&self, note: &str) -> Result<SignedCheckpoint, CheckpointError> {
        let parsed = Note::from_bytes(note.as_bytes()).map_err(note_error)?;
        let plain = StandardVerifier::new(&self.verifier_key()).map_err(|e| CheckpointError::Key(e.to_string()))?;
        let timed = TimedVerifier {
            name: self.name.clone(),
            id: self.id(COSIGNATURE),
            key: self.key,
        };
        let verifiers = VerifierList::new(vec![Box::new(plain), Box::new(timed)]);
        let (verified, _) = parsed.verify(&verifiers).map_err(|e| match e {
            NoteError::UnverifiedNote => CheckpointError::NotSigned(self.verifier_key()),
            other => note_error(other),
        })?;
        let by = |id: u32| verified.iter().find(|s| s.name() == self.name && s.id() == id);
        let (Some(_), Some(cosignature)) = (by(self.id(PLAIN)), by(self.id(COSIGNATURE))) else {
            return Err(CheckpointError::NotSigned(self.verifier_key()));
        };
        let timed = TimedVerifier {
            name: self.name.clone(),
            id: self.id(COSIGNATURE),
            key: self.key,
        };
        let seconds = timed
            .time_of(parsed.text(), cosignature.signature())
            .ok_or(CheckpointError::BadSignature)?;
        let body = std::str::from_utf8(parsed.text()).map_err(|_| CheckpointError::Malformed("not UTF-8".into()))?;
        let head = TreeHead::parse(body)?;
        if head.origin != self.name {
            return Err(CheckpointError::WrongOrigin {
                expected: self.name.clone(),
                found: head.origin,
            });
        }
        let published_at = Utc
            .timestamp_opt(seconds as i64, 0)
            .single()
            .ok_or_else(|| CheckpointError::Malformed("an unrepresentable time".into()))?;
        Ok(SignedCheckpoint {
            head,
            published_at,
            note: note.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Go's golang.org/x/mod/sumdb/note example key and its signature of the example text.
    const PETER_PRIVATE: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PETER_PUBLIC: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const PETER_TEXT: &str =
        "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    const PETER_SIGNATURE: &str =
        "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    fn head(size: u64) -> TreeHead {
        TreeHead {
            origin: "ppp.bishkek.kg/audit".into(),
            size,
            root: [7; 32],
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn go_sumdb_note_key_reads_and_signs_as_go_does() {
        let key = LogKey::parse(PETER_PRIVATE).unwrap();
        assert_eq!(key.public().verifier_key(), PETER_PUBLIC);
        assert_eq!(PublicLogKey::parse(PETER_PUBLIC).unwrap(), key.public());
        // The plain signature of Go's example text is Go's own, byte for byte (Ed25519 is deterministic).
        let plain = StandardSigner::new(PETER_PRIVATE).unwrap();
        let mut note = Note::new(PETER_TEXT.as_bytes(), &[]).unwrap();
        note.add_sigs(&[&plain]).unwrap();
        let text = String::from_utf8(note.to_bytes()).unwrap();
        assert_eq!(text, format!("{PETER_TEXT}\n{PETER_SIGNATURE}"));
    }

    #[test]
    fn a_real_cosignature_v1_verifies() {
        // A staging CT log's checkpoint, cosigned by the witness remora.n621.de (type 0x04).
        let body =
            "arche2025h1.staging.ct.transparency.dev\n1432088532\nU7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n";
        let witness =
            PublicLogKey::parse("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2").unwrap();
        let sig = BASE64
            .decode("2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==")
            .unwrap();
        assert_eq!(
            u32::from_be_bytes(sig[..4].try_into().unwrap()),
            witness.id(COSIGNATURE)
        );
        let timed = TimedVerifier {
            name: witness.name.clone(),
            id: witness.id(COSIGNATURE),
            key: witness.key,
        };
        assert_eq!(timed.time_of(body.as_bytes(), &sig[4..]), Some(0x6a12_2120));
        assert_eq!(
            timed.time_of(body.replace("1432088532", "1432088533").as_bytes(), &sig[4..]),
            None
        );
    }

    #[test]
    fn a_checkpoint_opens_with_its_key_and_carries_size_root_and_time() {
        let (key, text) = LogKey::generate("ppp.bishkek.kg/audit").unwrap();
        assert_eq!(LogKey::parse(&text).unwrap().public(), key.public());
        let signed = key.sign(&head(42), at("2026-12-03T06:00:00.750Z")).unwrap();
        assert!(signed.note.starts_with(
            "ppp.bishkek.kg/audit\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n— ppp.bishkek.kg/audit "
        ));
        assert_eq!(signed.note.matches("\n— ppp.bishkek.kg/audit ").count(), 2);
        assert_eq!(signed.published_at, at("2026-12-03T06:00:00Z"));
        let public = PublicLogKey::parse(&key.public().cosignature_verifier_key()).unwrap();
        assert_eq!(public.open(&signed.note).unwrap(), signed);
    }

    #[test]
    fn another_key_or_a_changed_body_fails() {
        let (key, _) = LogKey::generate("ppp.bishkek.kg/audit").unwrap();
        let (other, _) = LogKey::generate("ppp.bishkek.kg/audit").unwrap();
        let signed = key.sign(&head(42), at("2026-12-03T06:00:00Z")).unwrap();
        assert!(matches!(
            other.public().open(&signed.note),
            Err(CheckpointError::NotSigned(_))
        ));
        let forged = signed.note.replacen("\n42\n", "\n43\n", 1);
        assert_eq!(key.public().open(&forged), Err(CheckpointError::BadSignature));
        // The plain signature alone (the timestamp dropped) is not a checkpoint of this log.
        let lines: Vec<&str> = signed.note.lines().collect();
        let plain_only = format!("{}\n{}\n{}\n\n{}\n", lines[0], lines[1], lines[2], lines[4]);
        assert!(matches!(
            key.public().open(&plain_only),
            Err(CheckpointError::NotSigned(_))
        ));
        // A timestamp moved: the cosignature no longer verifies.
        let sig_line = lines[5];
        let (prefix, b64) = sig_line.rsplit_once(' ').unwrap();
        let mut bytes = BASE64.decode(b64).unwrap();
        bytes[11] ^= 1;
        let moved = signed
            .note
            .replace(sig_line, &format!("{prefix} {}", BASE64.encode(bytes)));
        assert_eq!(key.public().open(&moved), Err(CheckpointError::BadSignature));
    }

    #[test]
    fn malformed_keys_and_bodies_are_refused() {
        assert!(LogKey::parse("PeterNeumann+c74f20a3+ARpc").is_err());
        assert!(LogKey::parse(&PETER_PRIVATE.replace("c74f20a3", "c74f20a4")).is_err());
        assert!(PublicLogKey::parse(&PETER_PUBLIC.replace("c74f20a3", "00000000")).is_err());
        assert!(LogKey::generate("two words").is_err());
        assert!(TreeHead::parse("o\n042\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n").is_err());
        assert!(TreeHead::parse("o\n42\nBwcH\n").is_err());
        assert!(TreeHead::parse("o\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\nextra\n").is_err());
        assert_eq!(TreeHead::parse(&head(0).body()).unwrap(), head(0));
    }
}
