//! The audit log's self-verifying export (JSON lines), and its check. Pure: lines in, a verdict
//! out; the CLI (`ppp-registry audit verify --file`) feeds a file, a reviewer's own script can
//! do the same from the README's description.
//!
//! Line 1 names the signed checkpoint every event is proven against (its note and the log's
//! public key travel with it); each further line is one event: the fields its encoding v1 holds,
//! in that order, its leaf index (`seq - 1`), its leaf hash and an RFC 9162 inclusion proof in
//! the checkpoint's tree. A filtered export proves each event on its own: the hidden events
//! between them show only as hashes in the proofs.

use std::io::BufRead;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::audit::{ENCODING_VERSION, Event, from_hex, time_text, to_hex};
use crate::domain::checkpoint::{PublicLogKey, SignedCheckpoint};
use crate::domain::merkle::{self, Hash};

/// The `format` of the first line.
pub const FORMAT: &str = "ppp-registry/audit-export/v1";

/// A line of the export: the checkpoint first, then events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Line {
    Checkpoint(Header),
    Event(ExportedEvent),
}

/// The checkpoint the export is proven against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub format: String,
    pub origin: String,
    pub size: u64,
    pub root_hash: String,
    pub published_at: String,
    /// The signed note (C2SP checkpoint).
    pub note: String,
    /// The log's public key, as signed-note verifier keys.
    pub verifier_key: String,
    pub cosignature_verifier_key: String,
}

impl Header {
    pub fn new(checkpoint: &SignedCheckpoint, key: &PublicLogKey) -> Self {
        Self {
            format: FORMAT.into(),
            origin: checkpoint.head.origin.clone(),
            size: checkpoint.head.size,
            root_hash: to_hex(&checkpoint.head.root),
            published_at: checkpoint.published_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            note: checkpoint.note.clone(),
            verifier_key: key.verifier_key(),
            cosignature_verifier_key: key.cosignature_verifier_key(),
        }
    }
}

/// An event with its proof. The fields from `seq` to `payload` are those of encoding v1, in
/// its order; times are its text (`YYYY-MM-DDTHH:MM:SS.ffffffZ`), the payload the stored JSON text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedEvent {
    pub leaf_index: u64,
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub actor_organization_id: Option<i64>,
    pub actor_organization: Option<String>,
    pub actor_role: Option<String>,
    pub client_address: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub organization_id: Option<i64>,
    pub confidential_org_id: Option<i64>,
    pub confidential_until: Option<String>,
    pub payload: String,
    /// SHA-256(0x00 || encoding), lower-case hex.
    pub leaf_hash: String,
    /// From the leaf up (RFC 9162, 2.1.3), lower-case hex.
    pub inclusion_path: Vec<String>,
}

impl ExportedEvent {
    pub fn new(e: &Event, leaf: &Hash, path: &[Hash]) -> Self {
        Self {
            leaf_index: u64::try_from(e.seq - 1).unwrap_or(0),
            seq: e.seq,
            at: time_text(e.at),
            actor_id: e.actor.user_id,
            actor_name: e.actor.name.clone(),
            actor_organization_id: e.actor.organization_id,
            actor_organization: e.actor.organization.clone(),
            actor_role: e.actor.role.clone(),
            client_address: e.client_address.clone(),
            action: e.action.clone(),
            entity_type: e.entity_type.clone(),
            entity_id: e.entity_id.clone(),
            organization_id: e.organization_id,
            confidential_org_id: e.confidential_org_id,
            confidential_until: e.confidential_until.map(time_text),
            payload: e.payload.clone(),
            leaf_hash: to_hex(leaf),
            inclusion_path: path.iter().map(to_hex).collect(),
        }
    }

    /// Encoding v1 from the exported text: a version byte, then each field as a presence byte
    /// (0 null, 1 present) and, when present, a 4-byte big-endian length and its UTF-8 bytes;
    /// numbers as decimal text.
    pub fn encoding(&self) -> Vec<u8> {
        let mut buf = vec![ENCODING_VERSION];
        let number = |n: Option<i64>| n.map(|n| n.to_string());
        let fields = [
            Some(self.seq.to_string()),
            Some(self.at.clone()),
            number(self.actor_id),
            Some(self.actor_name.clone()),
            number(self.actor_organization_id),
            self.actor_organization.clone(),
            self.actor_role.clone(),
            self.client_address.clone(),
            Some(self.action.clone()),
            Some(self.entity_type.clone()),
            Some(self.entity_id.clone()),
            number(self.organization_id),
            number(self.confidential_org_id),
            self.confidential_until.clone(),
            Some(self.payload.clone()),
        ];
        for field in fields {
            match field {
                None => buf.push(0),
                Some(text) => {
                    buf.push(1);
                    buf.extend_from_slice(&(text.len() as u32).to_be_bytes());
                    buf.extend_from_slice(text.as_bytes());
                }
            }
        }
        buf
    }
}

/// Why an export does not verify; a bad line is named by its number (from 1).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot read the export: {0}")]
    Unreadable(String),
    #[error("line {line}: {reason}")]
    BadLine { line: usize, reason: String },
}

/// What an intact export holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub events: u64,
    pub size: u64,
    pub origin: String,
    pub published_at: String,
    pub verifier_key: String,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "export intact: {} events, each proven in the tree of {} events of {} (checkpoint signed {} by {})",
            self.events, self.size, self.origin, self.published_at, self.verifier_key
        )
    }
}

fn check_event(event: &ExportedEvent, root: &Hash, size: u64) -> Result<(), String> {
    if event.seq < 1 || event.leaf_index != (event.seq - 1) as u64 {
        return Err(format!(
            "leaf index {} is not seq {} minus one",
            event.leaf_index, event.seq
        ));
    }
    if event.leaf_index >= size {
        return Err(format!("event {} is beyond the checkpoint's {size} events", event.seq));
    }
    let leaf: Hash = {
        let mut h = Sha256::new();
        h.update([0x00]);
        h.update(event.encoding());
        h.finalize().into()
    };
    if from_hex(&event.leaf_hash) != Some(leaf) {
        return Err(format!("event {}: its fields do not hash to its leaf hash", event.seq));
    }
    let path: Option<Vec<Hash>> = event.inclusion_path.iter().map(|h| from_hex(h)).collect();
    match path {
        Some(path) if merkle::verify_inclusion(&leaf, event.leaf_index, size, &path, root) => Ok(()),
        _ => Err(format!(
            "event {}: the inclusion proof does not lead to the checkpoint's root",
            event.seq
        )),
    }
}

/// Checks an export line by line, stopping at the first bad one. The checkpoint must open with
/// `pinned` when given, else with the key the export carries (compare it with the one the
/// registry publishes).
pub fn verify_lines(reader: impl BufRead, pinned: Option<&PublicLogKey>) -> Result<Summary, ExportError> {
    let mut head: Option<(SignedCheckpoint, String)> = None;
    let mut events = 0u64;
    let mut last_seq: Option<i64> = None;
    for (number, line) in reader.lines().enumerate() {
        let line_no = number + 1;
        let bad = |reason: String| ExportError::BadLine { line: line_no, reason };
        let text = line.map_err(|e| ExportError::Unreadable(e.to_string()))?;
        let parsed: Line = serde_json::from_str(&text).map_err(|e| bad(format!("not an export line: {e}")))?;
        match (parsed, &head) {
            (Line::Checkpoint(header), None) => {
                if header.format != FORMAT {
                    return Err(bad(format!("unknown format {:?}", header.format)));
                }
                let key = match pinned {
                    Some(key) => key.clone(),
                    None => PublicLogKey::parse(&header.verifier_key).map_err(|e| bad(e.to_string()))?,
                };
                let checkpoint = key
                    .open(&header.note)
                    .map_err(|e| bad(format!("the checkpoint: {e}")))?;
                let h = &checkpoint.head;
                if h.size != header.size || to_hex(&h.root) != header.root_hash || h.origin != header.origin {
                    return Err(bad("the checkpoint's fields differ from its signed note".into()));
                }
                head = Some((checkpoint, key.verifier_key()));
            }
            (Line::Checkpoint(_), Some(_)) => return Err(bad("a second checkpoint line".into())),
            (Line::Event(_), None) => return Err(bad("an event before the checkpoint line".into())),
            (Line::Event(event), Some((checkpoint, _))) => {
                if last_seq.is_some_and(|last| event.seq >= last) {
                    return Err(bad(format!("event {} is out of order (newest first)", event.seq)));
                }
                check_event(&event, &checkpoint.head.root, checkpoint.head.size).map_err(bad)?;
                last_seq = Some(event.seq);
                events += 1;
            }
        }
    }
    let (checkpoint, verifier_key) = head.ok_or(ExportError::BadLine {
        line: 1,
        reason: "no checkpoint line".into(),
    })?;
    Ok(Summary {
        events,
        size: checkpoint.head.size,
        origin: checkpoint.head.origin,
        published_at: checkpoint.published_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        verifier_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::{Actor, encode, leaf_hash};
    use crate::domain::checkpoint::{LogKey, TreeHead};
    use chrono::TimeZone;

    fn event(seq: i64) -> Event {
        Event {
            seq,
            at: chrono::Utc.with_ymd_and_hms(2026, 11, 28, 6, 0, seq as u32).unwrap()
                + chrono::Duration::microseconds(1234),
            actor: Actor {
                user_id: Some(7),
                name: "Мамытов Жыргалбек".into(),
                organization_id: Some(4),
                organization: Some("Мэрия города Ош".into()),
                role: Some("officer".into()),
            },
            client_address: if seq % 2 == 0 { None } else { Some("10.20.0.15".into()) },
            action: "project.submitted".into(),
            entity_type: "project".into(),
            entity_id: seq.to_string(),
            organization_id: Some(4),
            confidential_org_id: None,
            confidential_until: None,
            payload: r#"{"after":{"stage":"submitted"}}"#.into(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    /// An export of `shown` (seqs, newest first) out of a log of `n` events.
    fn export(n: i64, shown: &[i64]) -> String {
        let events: Vec<Event> = (1..=n).map(event).collect();
        let leaves: Vec<Hash> = events.iter().map(|e| leaf_hash(&encode(e))).collect();
        let mut stored = std::collections::HashMap::new();
        for (i, leaf) in leaves.iter().enumerate() {
            stored.extend(merkle::appended(i as u64, &[*leaf], &stored));
        }
        let size = n as u64;
        let root = merkle::root(&mut stored.clone(), size).unwrap();
        let key = LogKey::from_seed("ppp.osh.kg/audit", [3; 32]);
        let head = TreeHead {
            origin: "ppp.osh.kg/audit".into(),
            size,
            root,
        };
        let checkpoint = key.sign(&head, chrono::Utc::now()).unwrap();
        let mut out = serde_json::to_string(&Line::Checkpoint(Header::new(&checkpoint, &key.public()))).unwrap();
        for seq in shown {
            let i = (*seq - 1) as usize;
            let path = merkle::inclusion_proof(&mut stored.clone(), i as u64, size).unwrap();
            let line = Line::Event(ExportedEvent::new(&events[i], &leaves[i], &path));
            out.push('\n');
            out.push_str(&serde_json::to_string(&line).unwrap());
        }
        out.push('\n');
        out
    }

    #[test]
    fn the_exported_fields_encode_exactly_as_the_log_does() {
        for seq in [1, 2] {
            let mut e = event(seq);
            e.confidential_org_id = Some(9);
            e.confidential_until = Some(chrono::Utc.with_ymd_and_hms(2027, 1, 15, 4, 0, 0).unwrap());
            let exported = ExportedEvent::new(&e, &[0; 32], &[]);
            assert_eq!(exported.encoding(), encode(&e));
        }
    }

    #[test]
    fn a_filtered_export_verifies_with_nothing_else() {
        let text = export(13, &[12, 7, 3, 1]);
        let summary = verify_lines(text.as_bytes(), None).unwrap();
        assert_eq!((summary.events, summary.size), (4, 13));
        assert!(
            summary
                .to_string()
                .starts_with("export intact: 4 events, each proven in the tree of 13 events")
        );
    }

    #[test]
    fn a_tampered_export_is_caught_at_its_first_bad_line() {
        let text = export(13, &[12, 7, 3, 1]);
        let lines: Vec<&str> = text.lines().collect();
        let edit = |line: usize, from: &str, to: &str| {
            let mut edited: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            assert!(edited[line].contains(from));
            edited[line] = edited[line].replacen(from, to, 1);
            edited.join("\n")
        };
        let first_bad = |text: String| match verify_lines(text.as_bytes(), None) {
            Err(ExportError::BadLine { line, .. }) => line,
            other => panic!("{other:?}"),
        };
        // A changed payload (and its leaf hash left alone) on the third line.
        assert_eq!(first_bad(edit(2, "submitted", "approved")), 3);
        // A line dropped between two events is no fault (a filter), but an edited proof is.
        assert_eq!(
            first_bad(edit(4, "\"inclusion_path\":[\"", "\"inclusion_path\":[\"0")),
            5
        );
        // A forged root in the header: the signature no longer covers it.
        assert_eq!(first_bad(edit(0, "\"size\":13", "\"size\":14")), 1);
        // Another key pinned.
        let other = LogKey::from_seed("ppp.osh.kg/audit", [4; 32]).public();
        assert!(matches!(
            verify_lines(text.as_bytes(), Some(&other)),
            Err(ExportError::BadLine { line: 1, .. })
        ));
    }
}
