//! The `audit witness` command: fetches a running registry's latest signed checkpoint, checks its
//! signature and that it extends the checkpoint kept from the last run (a consistency proof
//! checked here, from the signed roots alone), and keeps the new one. Run by the antimonopoly
//! authority, or anyone, on their own machine: the registry cannot rewrite history kept there.
//!
//! The state directory holds `key` (the log's verifier key, pinned on the first run unless
//! given), `checkpoint` (the latest checkpoint that checked out) and, when history was
//! rewritten, `conflict-<size>.note` (the signed evidence).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::domain::audit::{from_hex, to_hex};
use crate::domain::checkpoint::{PublicLogKey, SignedCheckpoint};
use crate::domain::merkle;

/// Reads the registry's public API: `GET path` to its body, or why not.
pub trait Fetch {
    fn get(&self, path: &str) -> Result<String, String>;
}

/// The registry over HTTP(S), at its base address.
pub struct Http {
    base: String,
    agent: ureq::Agent,
}

impl Http {
    pub fn new(base: &str) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(std::time::Duration::from_secs(30)))
            .build();
        Self {
            base: base.trim_end_matches('/').to_string(),
            agent: config.into(),
        }
    }
}

impl Fetch for Http {
    fn get(&self, path: &str) -> Result<String, String> {
        let url = format!("{}{path}", self.base);
        let mut response = self.agent.get(&url).call().map_err(|e| format!("GET {url}: {e}"))?;
        response
            .body_mut()
            .with_config()
            .limit(1024 * 1024)
            .read_to_string()
            .map_err(|e| format!("GET {url}: {e}"))
    }
}

/// What a run found, when history was not rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// No checkpoint was kept before: this one is now.
    First { size: u64, root_hash: String },
    /// The log has not grown since the kept checkpoint.
    Unchanged { size: u64 },
    /// The new checkpoint extends the kept one (the consistency proof checked out).
    Extended { from: u64, to: u64, root_hash: String },
}

/// Why a run failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// The log signed a tree head that does not extend the one kept: history was rewritten.
    #[error("{0}")]
    Rewritten(Box<Rewrite>),
    /// Anything else: unreachable, a bad signature, a malformed answer, the state unreadable.
    #[error("{0}")]
    Failed(String),
}

/// The two signed tree heads that cannot both be true, and where the evidence is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    pub kept_size: u64,
    pub kept_root: String,
    pub kept_at: String,
    pub new_size: u64,
    pub new_root: String,
    pub new_at: String,
    pub detail: String,
    pub evidence: String,
}

impl std::fmt::Display for Rewrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "HISTORY REWRITTEN: the kept checkpoint (size {}, root {}, signed {}) is not extended by the new one \
             (size {}, root {}, signed {}): {}; the new note is kept as evidence in {}",
            self.kept_size,
            self.kept_root,
            self.kept_at,
            self.new_size,
            self.new_root,
            self.new_at,
            self.detail,
            self.evidence
        )
    }
}

#[derive(Deserialize)]
struct CheckpointAnswer {
    origin: String,
    size: u64,
    root_hash: String,
    note: String,
}

#[derive(Deserialize)]
struct KeyAnswer {
    verifier_key: String,
}

#[derive(Deserialize)]
struct ConsistencyAnswer {
    consistency_path: Vec<String>,
}

fn failed(what: impl std::fmt::Display) -> WitnessError {
    WitnessError::Failed(what.to_string())
}

fn file(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

/// Writes `text` to `path` whole or not at all (a temporary file renamed over it).
fn keep(path: &Path, text: &str) -> Result<(), WitnessError> {
    let temporary = path.with_extension("partial");
    std::fs::write(&temporary, text)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|e| failed(format!("cannot write {}: {e}", path.display())))
}

fn read_if_present(path: &Path) -> Result<Option<String>, WitnessError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(failed(format!("cannot read {}: {e}", path.display()))),
    }
}

/// The log's key: given, else pinned in the state, else fetched and pinned (trust on first use).
fn log_key(source: &impl Fetch, state: &Path, given: Option<&str>) -> Result<PublicLogKey, WitnessError> {
    let pinned = read_if_present(&file(state, "key"))?;
    let text = match (given, &pinned) {
        (Some(given), _) => given.to_string(),
        (None, Some(pinned)) => pinned.trim().to_string(),
        (None, None) => {
            let answer: KeyAnswer = serde_json::from_str(&source.get("/api/v1/audit/key").map_err(failed)?)
                .map_err(|e| failed(format!("the key answer is malformed: {e}")))?;
            answer.verifier_key
        }
    };
    let key = PublicLogKey::parse(&text).map_err(failed)?;
    if let Some(pinned) = pinned
        && PublicLogKey::parse(pinned.trim()).ok().as_ref() != Some(&key)
    {
        return Err(failed(format!(
            "the key given is not the one pinned in {} (remove that file to pin another)",
            file(state, "key").display()
        )));
    }
    keep(&file(state, "key"), &format!("{}\n", key.verifier_key()))?;
    Ok(key)
}

fn fetch_checkpoint(source: &impl Fetch, key: &PublicLogKey) -> Result<SignedCheckpoint, WitnessError> {
    let answer: CheckpointAnswer = serde_json::from_str(&source.get("/api/v1/audit/checkpoint").map_err(failed)?)
        .map_err(|e| failed(format!("the checkpoint answer is malformed: {e}")))?;
    let checkpoint = key
        .open(&answer.note)
        .map_err(|e| failed(format!("the published checkpoint: {e}")))?;
    let head = &checkpoint.head;
    if answer.origin != head.origin || answer.size != head.size || answer.root_hash != to_hex(&head.root) {
        return Err(failed("the checkpoint's fields differ from its signed note"));
    }
    Ok(checkpoint)
}

/// One run: fetch, check against the kept checkpoint, keep the new one.
pub fn run(source: &impl Fetch, state: &Path, given_key: Option<&str>) -> Result<Outcome, WitnessError> {
    std::fs::create_dir_all(state).map_err(|e| failed(format!("cannot create {}: {e}", state.display())))?;
    let key = log_key(source, state, given_key)?;
    let new = fetch_checkpoint(source, &key)?;
    let kept_path = file(state, "checkpoint");
    let Some(kept_note) = read_if_present(&kept_path)? else {
        keep(&kept_path, &new.note)?;
        return Ok(Outcome::First {
            size: new.head.size,
            root_hash: to_hex(&new.head.root),
        });
    };
    let kept = key
        .open(&kept_note)
        .map_err(|e| failed(format!("the kept checkpoint {}: {e}", kept_path.display())))?;
    let (from, to) = (kept.head.size, new.head.size);
    let consistent = match from.cmp(&to) {
        std::cmp::Ordering::Greater => Err(format!("the log shrank from {from} to {to} events")),
        std::cmp::Ordering::Equal if kept.head.root == new.head.root => Ok(()),
        std::cmp::Ordering::Equal => Err("two different roots for the same size".into()),
        std::cmp::Ordering::Less if from == 0 => Ok(()),
        std::cmp::Ordering::Less => {
            let answer: ConsistencyAnswer = serde_json::from_str(
                &source
                    .get(&format!("/api/v1/audit/proof/consistency?from={from}&to={to}"))
                    .map_err(failed)?,
            )
            .map_err(|e| failed(format!("the consistency proof is malformed: {e}")))?;
            let path: Option<Vec<merkle::Hash>> = answer.consistency_path.iter().map(|h| from_hex(h)).collect();
            match path {
                Some(path) if merkle::verify_consistency(from, to, &kept.head.root, &new.head.root, &path) => Ok(()),
                _ => Err("the consistency proof does not verify against the two signed roots".into()),
            }
        }
    };
    match consistent {
        Ok(()) => {
            keep(&kept_path, &new.note)?;
            Ok(if from == to {
                Outcome::Unchanged { size: to }
            } else {
                Outcome::Extended {
                    from,
                    to,
                    root_hash: to_hex(&new.head.root),
                }
            })
        }
        Err(detail) => {
            let evidence = file(state, &format!("conflict-{to}.note"));
            keep(&evidence, &new.note)?;
            let time = |c: &SignedCheckpoint| c.published_at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
            Err(WitnessError::Rewritten(Box::new(Rewrite {
                kept_size: from,
                kept_root: to_hex(&kept.head.root),
                kept_at: time(&kept),
                new_size: to,
                new_root: to_hex(&new.head.root),
                new_at: time(&new),
                detail,
                evidence: evidence.display().to_string(),
            })))
        }
    }
}
