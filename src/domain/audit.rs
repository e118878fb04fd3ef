//! The audit log's rules: what an event holds, its versioned, unambiguous encoding, the hash
//! chain, and verification. Pure: storage feeds events in, this says whether they are intact.
//!
//! Encoding v1: the version byte `1`, then every field in a fixed order, each as a presence byte
//! (0 = null, 1 = present) followed, when present, by its length as a 4-byte big-endian integer
//! and its UTF-8 bytes. No separator can be forged, and a null differs from an empty string.
//!
//! Hashes, in the manner of RFC 6962 (distinct prefixes for the two kinds of hash):
//! `leaf = SHA-256(0x00 || encoding)`, `link = SHA-256(0x01 || previous link || leaf)`, with the
//! chain starting from 32 zero bytes. An event stores its link; the newest link is the head.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::domain::access::Identity;

pub const ENCODING_VERSION: u8 = 1;
pub const GENESIS: [u8; 32] = [0; 32];

/// Who acted: a person (copied into the event, so it survives later changes to the account) or
/// the system itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
    pub organization_id: Option<i64>,
    pub organization: Option<String>,
    /// The actor's roles at the time, comma-separated.
    pub role: Option<String>,
}

impl Actor {
    pub fn system() -> Self {
        Self {
            user_id: None,
            name: "system".into(),
            organization_id: None,
            organization: None,
            role: None,
        }
    }

    /// Someone not (yet) signed in: a sign-in attempt, a self-registration.
    pub fn anonymous() -> Self {
        Self {
            name: "anonymous".into(),
            ..Self::system()
        }
    }

    pub fn person(who: &Identity) -> Self {
        Self {
            user_id: Some(who.user_id.0),
            name: who.full_name.clone(),
            organization_id: Some(who.organization_id.0),
            organization: Some(who.organization_name.ru.clone()),
            role: Some(who.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")),
        }
    }
}

/// The actor and where the request came from: what every change of state records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContext {
    pub actor: Actor,
    pub client_address: Option<String>,
}

impl AuditContext {
    pub fn system() -> Self {
        Self {
            actor: Actor::system(),
            client_address: None,
        }
    }

    pub fn anonymous(client_address: Option<String>) -> Self {
        Self {
            actor: Actor::anonymous(),
            client_address,
        }
    }

    pub fn person(who: &Identity, client_address: Option<String>) -> Self {
        Self {
            actor: Actor::person(who),
            client_address,
        }
    }
}

/// An event before it is numbered and chained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub action: &'static str,
    pub entity_type: &'static str,
    pub entity_id: String,
    /// The organisation the record belongs to (for scoping who may read the event).
    pub organization_id: Option<i64>,
    /// While set and in the future, only this organisation and reviewers may read the event
    /// (a sealed bid's events, until the opening).
    pub confidential_org_id: Option<i64>,
    pub confidential_until: Option<DateTime<Utc>>,
    /// What changed (before and after of the changed fields), as JSON.
    pub payload: serde_json::Value,
}

impl NewEvent {
    pub fn new(action: &'static str, entity_type: &'static str, entity_id: impl ToString) -> Self {
        Self {
            action,
            entity_type,
            entity_id: entity_id.to_string(),
            organization_id: None,
            confidential_org_id: None,
            confidential_until: None,
            payload: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn organization(mut self, id: i64) -> Self {
        self.organization_id = Some(id);
        self
    }

    pub fn payload(mut self, payload: serde_json::Value) -> Self {
        self.payload = payload;
        self
    }

    /// Only `org` and the reviewers may read the event until `until` ([`FOREVER`] for an event
    /// that must never name its actor to others, such as a clarification question's).
    pub fn confidential(mut self, org: i64, until: DateTime<Utc>) -> Self {
        self.confidential_org_id = Some(org);
        self.confidential_until = Some(until);
        self
    }
}

/// The end of time as the log writes it: an event confidential until then stays so. (Evaluated
/// when compiling: a wrong date fails the build, never a request.)
pub const FOREVER: DateTime<Utc> = match chrono::NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(day) => match day.and_hms_opt(23, 59, 59) {
        Some(at) => at.and_utc(),
        None => panic!("23:59:59 is a time"),
    },
    None => panic!("9999-12-31 is a date"),
};

/// The top-level fields whose values differ, as `{"before": {...}, "after": {...}}`; a field
/// present on one side only shows `null` on the other.
pub fn changes(before: &serde_json::Value, after: &serde_json::Value) -> serde_json::Value {
    let (mut b, mut a) = (serde_json::Map::new(), serde_json::Map::new());
    if let (Some(before), Some(after)) = (before.as_object(), after.as_object()) {
        for key in after.keys().chain(before.keys()) {
            let old = before.get(key).cloned().unwrap_or_default();
            let new = after.get(key).cloned().unwrap_or_default();
            if old != new && !a.contains_key(key) {
                b.insert(key.clone(), old);
                a.insert(key.clone(), new);
            }
        }
    }
    serde_json::json!({"before": b, "after": a})
}

/// An event as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub client_address: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub organization_id: Option<i64>,
    pub confidential_org_id: Option<i64>,
    pub confidential_until: Option<DateTime<Utc>>,
    /// The payload exactly as stored (JSON text): the bytes that were hashed.
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
}

/// What a receipt carries of the event that recorded an operation: its leaf in the Merkle tree,
/// so its holder can later ask for an inclusion proof against any later signed checkpoint
/// (`GET /api/v1/audit/proof/inclusion?index=<leaf_index>&size=<checkpoint size>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditReceipt {
    /// The event's `seq` minus one.
    pub leaf_index: u64,
    /// SHA-256(0x00 || the event's encoding), lower-case hex.
    pub leaf_hash: String,
}

impl Event {
    pub fn receipt(&self) -> AuditReceipt {
        AuditReceipt {
            leaf_index: u64::try_from(self.seq - 1).unwrap_or(0),
            leaf_hash: to_hex(&leaf_hash(&encode(self))),
        }
    }
}

/// The fixed text form of a time in the encoding: UTC, microseconds, `Z`.
pub fn time_text(at: DateTime<Utc>) -> String {
    let mut out = Vec::with_capacity(27);
    push_time(&mut out, at);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes `n` in decimal, zero-padded to `width` digits.
fn push_padded(out: &mut Vec<u8>, n: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let mut n = n;
    let mut i = digits.len();
    while n > 0 || i == digits.len() {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let len = digits.len() - i;
    out.extend(std::iter::repeat_n(b'0', width.saturating_sub(len)));
    out.extend_from_slice(&digits[i..]);
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, written directly (verification encodes every event, so this
/// is on the hot path; chrono's formatter is several times slower).
fn push_time(out: &mut Vec<u8>, at: DateTime<Utc>) {
    use chrono::{Datelike, Timelike};
    push_padded(out, at.year().max(0) as u32, 4);
    out.push(b'-');
    push_padded(out, at.month(), 2);
    out.push(b'-');
    push_padded(out, at.day(), 2);
    out.push(b'T');
    push_padded(out, at.hour(), 2);
    out.push(b':');
    push_padded(out, at.minute(), 2);
    out.push(b':');
    push_padded(out, at.second(), 2);
    out.push(b'.');
    push_padded(out, at.nanosecond() / 1_000 % 1_000_000, 6);
    out.push(b'Z');
}

fn put(buf: &mut Vec<u8>, field: Option<&str>) {
    match field {
        None => buf.push(0),
        Some(text) => put_bytes(buf, text.as_bytes()),
    }
}

fn put_bytes(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.push(1);
    buf.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    buf.extend_from_slice(bytes);
}

/// A number field, formatted without allocating.
fn put_number(buf: &mut Vec<u8>, n: Option<i64>) {
    match n {
        None => buf.push(0),
        Some(n) => {
            let mut digits = [0u8; 20];
            let mut i = digits.len();
            let mut m = n.unsigned_abs();
            loop {
                i -= 1;
                digits[i] = b'0' + (m % 10) as u8;
                m /= 10;
                if m == 0 {
                    break;
                }
            }
            if n < 0 {
                i -= 1;
                digits[i] = b'-';
            }
            put_bytes(buf, &digits[i..]);
        }
    }
}

fn put_time(buf: &mut Vec<u8>, at: Option<DateTime<Utc>>) {
    match at {
        None => buf.push(0),
        Some(at) => {
            let mut text = Vec::with_capacity(27);
            push_time(&mut text, at);
            put_bytes(buf, &text);
        }
    }
}

/// Encoding v1 of every field but the hashes, appended to `buf`.
pub fn encode_into(buf: &mut Vec<u8>, e: &Event) {
    buf.push(ENCODING_VERSION);
    put_number(buf, Some(e.seq));
    put_time(buf, Some(e.at));
    put_number(buf, e.actor.user_id);
    put(buf, Some(&e.actor.name));
    put_number(buf, e.actor.organization_id);
    put(buf, e.actor.organization.as_deref());
    put(buf, e.actor.role.as_deref());
    put(buf, e.client_address.as_deref());
    put(buf, Some(&e.action));
    put(buf, Some(&e.entity_type));
    put(buf, Some(&e.entity_id));
    put_number(buf, e.organization_id);
    put_number(buf, e.confidential_org_id);
    put_time(buf, e.confidential_until);
    put(buf, Some(&e.payload));
}

pub fn encode(e: &Event) -> Vec<u8> {
    let mut buf = Vec::with_capacity(256 + e.payload.len());
    encode_into(&mut buf, e);
    buf
}

pub fn leaf_hash(encoding: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(encoding);
    h.finalize().into()
}

pub fn link_hash(previous: &[u8; 32], leaf: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(previous);
    h.update(leaf);
    h.finalize().into()
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Lower-case hex of a hash.
pub fn to_hex(bytes: &[u8; 32]) -> String {
    let mut out = Vec::with_capacity(64);
    for b in bytes {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 0x0f)]);
    }
    String::from_utf8(out).unwrap_or_default()
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// The hash a 64-digit hex string spells, if it is one.
pub fn from_hex(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

/// The link of `event` given the previous link.
pub fn chain(previous: &[u8; 32], event: &Event) -> [u8; 32] {
    link_hash(previous, &leaf_hash(&encode(event)))
}

/// The outcome of checking a log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Verdict {
    Intact {
        events: i64,
        head: String,
    },
    Broken {
        events: i64,
        first_bad_seq: i64,
        reason: String,
    },
}

/// Checks events one by one, in sequence order, keeping only the running link.
#[derive(Debug, Clone)]
pub struct Verifier {
    expected_seq: i64,
    link: [u8; 32],
    broken: Option<(i64, String)>,
    buf: Vec<u8>,
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Verifier {
    pub fn new() -> Self {
        Self {
            expected_seq: 1,
            link: GENESIS,
            broken: None,
            buf: Vec::with_capacity(1024),
        }
    }

    /// Feeds the next event; after the first fault the rest are ignored. The event's leaf
    /// hash when it is intact.
    pub fn push(&mut self, e: &Event) -> Option<[u8; 32]> {
        if self.broken.is_some() {
            return None;
        }
        let fault = |seq: i64, reason: &str| Some((seq, reason.to_string()));
        if e.seq != self.expected_seq {
            let reason = if e.seq > self.expected_seq {
                "event missing: the sequence has a gap"
            } else {
                "event out of order or repeated"
            };
            self.broken = fault(self.expected_seq, reason);
            return None;
        }
        if from_hex(&e.prev_hash) != Some(self.link) {
            self.broken = fault(e.seq, "does not link to the previous event");
            return None;
        }
        self.buf.clear();
        encode_into(&mut self.buf, e);
        let leaf = leaf_hash(&self.buf);
        let link = link_hash(&self.link, &leaf);
        if from_hex(&e.hash) != Some(link) {
            self.broken = fault(e.seq, "content does not match its hash");
            return None;
        }
        self.link = link;
        self.expected_seq += 1;
        Some(leaf)
    }

    /// Records a fault found elsewhere (the stored tree, a checkpoint); the earliest is kept.
    pub fn fail(&mut self, seq: i64, reason: String) {
        if self.broken.as_ref().is_none_or(|(earlier, _)| seq < *earlier) {
            self.broken = Some((seq, reason));
        }
    }

    pub fn is_broken(&self) -> bool {
        self.broken.is_some()
    }

    /// Events checked so far (all of them when intact).
    pub fn count(&self) -> i64 {
        self.expected_seq - 1
    }

    pub fn head(&self) -> String {
        to_hex(&self.link)
    }

    /// The verdict, given the head the log claims (its head record: `(events, head)`).
    pub fn finish(self, claimed: Option<(i64, &str)>) -> Verdict {
        let events = self.count();
        if let Some((seq, reason)) = self.broken {
            return Verdict::Broken {
                events,
                first_bad_seq: seq,
                reason,
            };
        }
        if let Some((claimed_events, claimed_head)) = claimed {
            if claimed_events > events {
                return Verdict::Broken {
                    events,
                    first_bad_seq: events + 1,
                    reason: format!("the log ends at {events} but its head records {claimed_events} events"),
                };
            }
            if claimed_events == events && claimed_head != self.head() {
                return Verdict::Broken {
                    events,
                    first_bad_seq: events.max(1),
                    reason: "the head record does not match the last event".into(),
                };
            }
        }
        Verdict::Intact {
            events,
            head: self.head(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn event(seq: i64, prev: &[u8; 32]) -> Event {
        let mut e = Event {
            seq,
            at: Utc.with_ymd_and_hms(2026, 11, 28, 6, 0, seq as u32).unwrap(),
            actor: Actor::system(),
            client_address: Some("10.0.0.7".into()),
            action: "organization.created".into(),
            entity_type: "organization".into(),
            entity_id: seq.to_string(),
            organization_id: Some(seq),
            confidential_org_id: None,
            confidential_until: None,
            payload: format!(r#"{{"after":{{"code":"C{seq}"}}}}"#),
            prev_hash: to_hex(prev),
            hash: String::new(),
        };
        e.hash = to_hex(&chain(prev, &e));
        e
    }

    fn log(n: i64) -> Vec<Event> {
        let mut link = GENESIS;
        (1..=n)
            .map(|seq| {
                let e = event(seq, &link);
                link = from_hex(&e.hash).unwrap();
                e
            })
            .collect()
    }

    fn verify(events: &[Event], claimed: Option<(i64, &str)>) -> Verdict {
        let mut v = Verifier::new();
        events.iter().for_each(|e| {
            v.push(e);
        });
        v.finish(claimed)
    }

    fn first_bad(verdict: Verdict) -> i64 {
        match verdict {
            Verdict::Broken { first_bad_seq, .. } => first_bad_seq,
            intact => panic!("expected a broken log, got {intact:?}"),
        }
    }

    #[test]
    fn an_untouched_log_verifies() {
        let events = log(5);
        let head = events[4].hash.clone();
        assert_eq!(
            verify(&events, Some((5, &head))),
            Verdict::Intact {
                events: 5,
                head: head.clone()
            }
        );
        assert_eq!(
            verify(&[], None),
            Verdict::Intact {
                events: 0,
                head: to_hex(&GENESIS)
            }
        );
    }

    #[test]
    fn every_kind_of_tampering_is_caught_at_its_event() {
        let events = log(6);
        let head = events[5].hash.clone();
        let claimed = Some((6, head.as_str()));

        let mut modified = events.clone();
        modified[3].payload = r#"{"after":{"code":"FORGED"}}"#.into();
        assert_eq!(first_bad(verify(&modified, claimed)), 4);

        let mut actor_changed = events.clone();
        actor_changed[1].actor.name = "someone else".into();
        assert_eq!(first_bad(verify(&actor_changed, claimed)), 2);

        let mut deleted = events.clone();
        deleted.remove(2);
        assert_eq!(first_bad(verify(&deleted, claimed)), 3);

        let mut swapped = events.clone();
        swapped.swap(1, 2);
        assert_eq!(first_bad(verify(&swapped, claimed)), 2);

        // An inserted event renumbers the rest; even with recomputed hashes downstream the
        // inserted event itself must link, so re-chaining from it is the only way, which the head
        // record (or an earlier checkpoint) exposes.
        let mut inserted = events.clone();
        let mut intruder = event(4, &from_hex(&events[2].hash).unwrap());
        intruder.payload = r#"{"after":{"code":"INSERTED"}}"#.into();
        inserted.insert(3, intruder);
        assert_eq!(first_bad(verify(&inserted, claimed)), 4);

        let truncated = &events[..4];
        assert_eq!(first_bad(verify(truncated, claimed)), 5);
    }

    #[test]
    fn times_are_encoded_exactly_as_rfc_3339_with_microseconds() {
        for (secs, micros) in [
            (0, 0),
            (1_764_309_600, 5),
            (1_764_309_600, 999_999),
            (4_102_444_799, 123_456),
        ] {
            let t = Utc.timestamp_opt(secs, micros * 1_000).unwrap();
            assert_eq!(time_text(t), t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string());
        }
        let mut buf = Vec::new();
        put_number(&mut buf, Some(-42));
        assert_eq!(buf, [1, 0, 0, 0, 3, b'-', b'4', b'2']);
    }

    #[test]
    fn the_encoding_is_unambiguous() {
        let a = event(1, &GENESIS);
        let mut b = a.clone();
        // Moving text between adjacent fields changes the encoding.
        b.entity_type = "organizationorganization".into();
        b.action = "".into();
        assert_ne!(encode(&a), encode(&b));
        let mut null_address = a.clone();
        null_address.client_address = None;
        let mut empty_address = a.clone();
        empty_address.client_address = Some(String::new());
        assert_ne!(encode(&null_address), encode(&empty_address));
        assert_eq!(encode(&a)[0], ENCODING_VERSION);
        assert_eq!(from_hex(&to_hex(&[7; 32])), Some([7; 32]));
        assert_eq!(from_hex("zz"), None);
    }
}
