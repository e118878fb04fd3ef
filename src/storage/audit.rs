//! The audit log in the database: appends inside the caller's transaction, reads for the pages,
//! the API, exports and verification.

use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::domain::audit::{
    Actor, AuditContext, Event, NewEvent, Verdict, Verifier, encode, from_hex, leaf_hash, link_hash, to_hex,
};
use crate::domain::merkle::{Builder, Hash, Position};
use crate::storage::audit_tree::{self, Edge, EdgeMemory};
use crate::storage::statement::{Statement, bind_params};
use crate::storage::{Db, StoreError, Tx};

#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    at: DateTime<Utc>,
    actor_id: Option<i64>,
    actor_name: String,
    actor_organization_id: Option<i64>,
    actor_organization: Option<String>,
    actor_role: Option<String>,
    client_address: Option<String>,
    action: String,
    entity_type: String,
    entity_id: String,
    organization_id: Option<i64>,
    confidential_org_id: Option<i64>,
    confidential_until: Option<DateTime<Utc>>,
    payload: String,
    prev_hash: String,
    hash: String,
}

const COLUMNS: &str = "seq, at, actor_id, actor_name, actor_organization_id, actor_organization, actor_role, \
    client_address, action, entity_type, entity_id, organization_id, confidential_org_id, confidential_until, \
    payload, prev_hash, hash";

impl From<EventRow> for Event {
    fn from(r: EventRow) -> Self {
        Event {
            seq: r.seq,
            at: r.at,
            actor: Actor {
                user_id: r.actor_id,
                name: r.actor_name,
                organization_id: r.actor_organization_id,
                organization: r.actor_organization,
                role: r.actor_role,
            },
            client_address: r.client_address,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            organization_id: r.organization_id,
            confidential_org_id: r.confidential_org_id,
            confidential_until: r.confidential_until,
            payload: r.payload,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// Appends events inside the caller's transaction, in order: it takes the head row's lock (so
/// appends are numbered and chained one at a time, across app instances), then reads the clock,
/// so event times follow their sequence; a trigger on each insert moves the head. The Merkle
/// tree grows in the same transaction (a proof never names a missing event), from the edge
/// `memory` holds when it is this head's, else read. If the transaction fails, neither the change
/// nor its events remain. Answers the events and the tree's new edge, for
/// [`UnitOfWork::commit`](crate::storage::unit_of_work::UnitOfWork::commit) to remember once
/// committed; called there, last of all its locks. The change's `writes` left for the commit
/// run first: on PostgreSQL before the head is locked, on SQLite in the events' own query.
pub async fn append_all(
    tx: &mut Tx,
    ctx: &AuditContext,
    events: Vec<NewEvent>,
    writes: &[Statement],
    clock: &dyn Clock,
    memory: &EdgeMemory,
) -> Result<(Vec<Event>, Option<Edge>), StoreError> {
    // The writes left for the query that inserts the events (SQLite); the others run now.
    let writes = if events.is_empty() || matches!(tx, Tx::Postgres(_)) {
        for write in writes {
            write.run(tx).await?;
        }
        &[][..]
    } else {
        writes
    };
    if events.is_empty() {
        return Ok((Vec::new(), None));
    }
    // On SQLite the write transaction is already exclusive (BEGIN IMMEDIATE): the head this
    // process remembers from its last committed append is tried without reading it. If another
    // process appended since, the next-only trigger refuses the first insert, which changes
    // nothing, and the head is read as on PostgreSQL.
    if matches!(tx, Tx::Sqlite(..))
        && let Some(edge) = audit_tree::last(memory)
    {
        let seq = i64::try_from(edge.size).map_err(|_| StoreError::Database("audit tree size overflow".into()))?;
        // The events' insert comes first in its query, so a refusal leaves the writes unrun.
        match append_after(tx, ctx, &events, writes, clock, seq, edge.head, edge.hashes).await {
            Err(StoreError::Database(message)) if message.contains(NOT_NEXT) => {}
            done => return done,
        }
    }
    // A no-op update: it locks the head row on PostgreSQL until the transaction ends and reads
    // it in the same round trip.
    let (head_seq, head): (i64, String) = on_tx!(tx, conn => {
        sqlx::query_as("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *conn)
            .await?
    });
    let size = tree_size(head_seq)?;
    let edge = match audit_tree::remembered(memory, size, &head) {
        Some(edge) => edge,
        None => audit_tree::edge_of(tx, size).await?,
    };
    append_after(tx, ctx, &events, writes, clock, head_seq, head, edge).await
}

/// The next-only trigger's refusal (migration 0012).
const NOT_NEXT: &str = "only the next audit event may be appended";

/// Numbers, stamps and chains `events` after the head `(head_seq, head)` whose tree edge is
/// `edge`, and writes them with the tree's new hashes (and, on SQLite, the change's `writes`).
#[allow(clippy::too_many_arguments)]
async fn append_after(
    tx: &mut Tx,
    ctx: &AuditContext,
    events: &[NewEvent],
    writes: &[Statement],
    clock: &dyn Clock,
    head_seq: i64,
    head: String,
    edge: std::collections::HashMap<Position, Hash>,
) -> Result<(Vec<Event>, Option<Edge>), StoreError> {
    let now = clock.now();
    let mut prev = head;
    let mut appended = Vec::with_capacity(events.len());
    let mut leaves = Vec::with_capacity(events.len());
    for (seq, new) in (head_seq + 1..).zip(events) {
        let prev_link = from_hex(&prev).ok_or_else(|| StoreError::Database("audit head hash is malformed".into()))?;
        let mut event = Event {
            seq,
            at: now,
            actor: ctx.actor.clone(),
            client_address: ctx.client_address.clone(),
            action: new.action.to_string(),
            entity_type: new.entity_type.to_string(),
            entity_id: new.entity_id.clone(),
            organization_id: new.organization_id,
            confidential_org_id: new.confidential_org_id,
            confidential_until: new.confidential_until,
            payload: new.payload.to_string(),
            prev_hash: prev,
            hash: String::new(),
        };
        let leaf = leaf_hash(&encode(&event));
        event.hash = to_hex(&link_hash(&prev_link, &leaf));
        leaves.push(leaf);
        prev = event.hash.clone();
        appended.push(event);
    }
    let size = tree_size(head_seq)?;
    let (nodes, next) = audit_tree::grow(size, &leaves, &edge);
    write(tx, &appended, &nodes, writes).await?;
    Ok((
        appended,
        Some(Edge {
            size: size + leaves.len() as u64,
            head: prev,
            hashes: next,
        }),
    ))
}

/// Binds an event's columns, in [`COLUMNS`]' order.
macro_rules! bind_event {
    ($query:expr, $e:expr) => {
        $query
            .bind($e.seq)
            .bind($e.at)
            .bind($e.actor.user_id)
            .bind(&$e.actor.name)
            .bind($e.actor.organization_id)
            .bind($e.actor.organization.as_deref())
            .bind($e.actor.role.as_deref())
            .bind($e.client_address.as_deref())
            .bind(&$e.action)
            .bind(&$e.entity_type)
            .bind(&$e.entity_id)
            .bind($e.organization_id)
            .bind($e.confidential_org_id)
            .bind($e.confidential_until)
            .bind(&$e.payload)
            .bind(&$e.prev_hash)
            .bind(&$e.hash)
    };
}

/// The `$first..` placeholders of one event's insert.
fn event_insert_sql(first: usize) -> String {
    let values: Vec<String> = (first..first + 17).map(|k| format!("${k}")).collect();
    format!("INSERT INTO audit_events ({COLUMNS}) VALUES ({})", values.join(", "))
}

/// Inserts the events, then the tree's hashes, then the change's `writes` (SQLite only; they
/// are empty on PostgreSQL). On SQLite, one round trip: the statements go as one query sharing
/// its numbered parameters (sqlx runs them in order on its worker, and stops at the first that
/// fails); appends are dominated by round trips there. PostgreSQL takes one statement per query.
async fn write(
    tx: &mut Tx,
    events: &[Event],
    nodes: &[(Position, Hash)],
    writes: &[Statement],
) -> Result<(), StoreError> {
    let mut values = Vec::with_capacity(nodes.len());
    for (at, hash) in nodes {
        values.push(audit_tree::node_values(*at, hash)?);
    }
    let written: usize = writes.iter().map(|w| w.params().len()).sum();
    let parameters = 17 * events.len() + 3 * nodes.len() + written;
    if matches!(tx, Tx::Sqlite(..)) && parameters <= 32_000 {
        let mut sql: Vec<String> = (0..events.len()).map(|i| event_insert_sql(17 * i + 1)).collect();
        if !nodes.is_empty() {
            sql.push(audit_tree::insert_sql(nodes.len(), 17 * events.len() + 1));
        }
        let mut offset = 17 * events.len() + 3 * nodes.len();
        for w in writes {
            sql.push(w.renumbered(offset));
            offset += w.params().len();
        }
        let sql = sql.join(";\n");
        on_tx!(tx, conn => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for e in events {
                query = bind_event!(query, e);
            }
            for (level, index, hash) in &values {
                query = query.bind(*level).bind(*index).bind(hash);
            }
            for w in writes {
                query = bind_params!(query, w.params());
            }
            query.execute(&mut *conn).await?;
        });
        return Ok(());
    }
    // On PostgreSQL one event (a change's usual count) and its tree hashes go in one statement:
    // the head's lock is held from the head's read to the commit, and each round trip inside
    // it is a turn every other writer waits for. (Several events stay separate statements: the
    // parts of a statement's WITH run in no set order, and events must go in order.)
    if let (Tx::Postgres(_), [event]) = (&*tx, events) {
        let sql = if nodes.is_empty() {
            event_insert_sql(1)
        } else {
            format!(
                "WITH event AS ({}) {}",
                event_insert_sql(1),
                audit_tree::insert_sql(nodes.len(), 18)
            )
        };
        on_tx!(tx, conn => {
            let mut query = bind_event!(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), event);
            for (level, index, hash) in &values {
                query = query.bind(*level).bind(*index).bind(hash);
            }
            query.execute(&mut *conn).await?;
        });
        return Ok(());
    }
    let sql = event_insert_sql(1);
    for e in events {
        on_tx!(tx, conn => {
            bind_event!(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), e).execute(&mut *conn).await?;
        });
    }
    audit_tree::insert_nodes(tx, nodes).await?;
    // Last, as in the one query: a refused first event leaves them unrun.
    for w in writes {
        w.run(tx).await?;
    }
    Ok(())
}

fn tree_size(seq: i64) -> Result<u64, StoreError> {
    u64::try_from(seq).map_err(|_| StoreError::Database("the audit head's sequence is negative".into()))
}

/// Brings the Merkle tree up to the log (a log written before the tree was, migration 0012):
/// the missing leaves are hashed from their events, a batch at a time, in one transaction that
/// holds the head, so nothing is appended meanwhile. Nothing to do on a log that has its tree.
pub async fn complete_tree(db: &Db) -> Result<u64, StoreError> {
    let mut tx = db.begin_write().await?;
    let (head_seq,): (i64,) = on_tx!(&mut tx, conn => {
        sqlx::query_as("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq").fetch_one(&mut *conn).await?
    });
    let (stored,): (i64,) = on_tx!(&mut tx, conn => {
        sqlx::query_as("SELECT COUNT(*) FROM audit_tree WHERE level = 0").fetch_one(&mut *conn).await?
    });
    let mut size = stored;
    let sql = format!("SELECT {COLUMNS} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2");
    while size < head_seq {
        let rows: Vec<EventRow> = on_tx!(&mut tx, conn => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(size).bind(BATCH).fetch_all(&mut *conn).await?
        });
        if rows.is_empty() {
            break;
        }
        let leaves: Vec<[u8; 32]> = rows.into_iter().map(|r| leaf_hash(&encode(&Event::from(r)))).collect();
        crate::storage::audit_tree::append(&mut tx, tree_size(size)?, &leaves).await?;
        size += leaves.len() as i64;
    }
    tx.commit().await?;
    tree_size(size - stored)
}

/// The head record: how many events the log says it has, and the newest link.
pub async fn head(db: &Db) -> Result<(i64, String), StoreError> {
    let head: (i64, String) =
        on_pool!(db, pool => sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(pool).await?);
    Ok(head)
}

const BATCH: i64 = 5_000;

/// An event as the bulk read carries it: the columns of [`COLUMNS`] as one JSON array.
#[derive(serde::Deserialize)]
struct BulkRow(
    i64,
    String,
    Option<i64>,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
    String,
    String,
    String,
);

/// A time as the engines write it in JSON (RFC 3339, any offset), in UTC.
fn bulk_time(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::Database(format!("an audit event's time {text:?} is malformed")))
}

impl TryFrom<BulkRow> for Event {
    type Error = StoreError;

    fn try_from(r: BulkRow) -> Result<Self, StoreError> {
        Ok(Event {
            seq: r.0,
            at: bulk_time(&r.1)?,
            actor: Actor {
                user_id: r.2,
                name: r.3,
                organization_id: r.4,
                organization: r.5,
                role: r.6,
            },
            client_address: r.7,
            action: r.8,
            entity_type: r.9,
            entity_id: r.10,
            organization_id: r.11,
            confidential_org_id: r.12,
            confidential_until: r.13.as_deref().map(bulk_time).transpose()?,
            payload: r.14,
            prev_hash: r.15,
            hash: r.16,
        })
    }
}

/// Up to [`BATCH`] events after `after`, in order, read as one JSON array the engine builds:
/// one row to fetch and decode instead of thousands (verification reads the whole log).
async fn bulk_after(db: &Db, after: i64) -> Result<Vec<Event>, StoreError> {
    let (aggregate, array) = match db.engine() {
        crate::storage::Engine::Sqlite => ("json_group_array", "json_array"),
        crate::storage::Engine::Postgres => ("json_agg", "json_build_array"),
    };
    let sql = format!(
        "SELECT CAST({aggregate}({array}({COLUMNS}) ORDER BY seq) AS TEXT) FROM \
         (SELECT {COLUMNS} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2) batch"
    );
    let text: Option<String> = on_pool!(db, pool => {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).bind(after).bind(BATCH).fetch_one(pool).await?
    });
    let rows: Vec<BulkRow> = match text {
        None => Vec::new(),
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| StoreError::Database(format!("the audit log's bulk read is malformed: {e}")))?,
    };
    rows.into_iter().map(Event::try_from).collect()
}

/// Reads the whole log as [`verify`] does (in batches, the next while the current is taken),
/// checking nothing; answers how many events it read. What verification can never be faster
/// than on this engine and driver (the benchmark's floor).
pub async fn read_all(db: &Db) -> Result<u64, StoreError> {
    let mut read = 0_u64;
    let mut batches = Batches::new(db);
    while let Some(batch) = batches.next().await? {
        read += batch.len() as u64;
    }
    Ok(read)
}

/// The whole log in batches of [`BATCH`] events, in order, the next read while the current one
/// is used.
struct Batches {
    db: Db,
    next: Option<rocket::tokio::task::JoinHandle<Result<Vec<Event>, StoreError>>>,
}

impl Batches {
    fn new(db: &Db) -> Batches {
        Batches {
            db: db.clone(),
            next: Some(rocket::tokio::spawn(bulk_owned(db.clone(), 0))),
        }
    }

    async fn next(&mut self) -> Result<Option<Vec<Event>>, StoreError> {
        let Some(pending) = self.next.take() else {
            return Ok(None);
        };
        let batch = pending.await.map_err(|e| StoreError::Database(e.to_string()))??;
        if let Some(tail) = batch.last()
            && batch.len() as i64 == BATCH
        {
            self.next = Some(rocket::tokio::spawn(bulk_owned(self.db.clone(), tail.seq)));
        }
        Ok(Some(batch))
    }

    /// No more batches after the current one.
    fn stop(&mut self) {
        self.next = None;
    }
}

async fn bulk_owned(db: Db, after: i64) -> Result<Vec<Event>, StoreError> {
    bulk_after(&db, after).await
}

/// A tree head to check the rebuilt tree against: a published checkpoint, or one saved
/// elsewhere. `label` says which in a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadToCheck {
    pub size: u64,
    pub root: Hash,
    pub label: String,
}

/// What full verification found: the verdict (the first fault, or intact with the head of the
/// chain), the root of the rebuilt tree, and how many tree heads were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub verdict: Verdict,
    pub root_hash: String,
    pub heads_checked: usize,
}

/// The stored tree, level by level, read in index order a batch at a time (each batch one row:
/// its first index, its count and its hashes concatenated), to compare with the rebuilt one.
struct StoredLevels {
    buffers: Vec<std::collections::VecDeque<(u64, Hash)>>,
    next: Vec<u64>,
}

impl StoredLevels {
    fn new() -> Self {
        Self {
            buffers: (0..64).map(|_| Default::default()).collect(),
            next: vec![0; 64],
        }
    }

    async fn fetch(&mut self, db: &Db, level: u8) -> Result<(), StoreError> {
        let l = usize::from(level);
        let concat = match db.engine() {
            crate::storage::Engine::Sqlite => "group_concat(hash, '' ORDER BY idx)",
            crate::storage::Engine::Postgres => "string_agg(hash, '' ORDER BY idx)",
        };
        let sql = format!(
            "SELECT MIN(idx), MAX(idx), COUNT(*), {concat} FROM \
             (SELECT idx, hash FROM audit_tree WHERE level = $1 AND idx >= $2 ORDER BY idx LIMIT $3) batch"
        );
        let (first, last, count, hashes): (Option<i64>, Option<i64>, i64, Option<String>) = on_pool!(db, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(i16::from(level))
                .bind(i64::try_from(self.next[l]).unwrap_or(i64::MAX))
                .bind(BATCH * 2)
                .fetch_one(pool)
                .await?
        });
        let (Some(first), Some(last), Some(hashes)) = (first, last, hashes) else {
            return Ok(());
        };
        let decoded: Option<Vec<Hash>> = hashes
            .as_bytes()
            .chunks(64)
            .map(|chunk| std::str::from_utf8(chunk).ok().and_then(from_hex))
            .collect();
        match (u64::try_from(first), decoded) {
            // Contiguous indexes and well-formed hashes: the usual case.
            (Ok(start), Some(decoded)) if last - first + 1 == count && decoded.len() as i64 == count => {
                self.buffers[l].extend((start..).zip(decoded));
                self.next[l] = start + count as u64;
                Ok(())
            }
            // A damaged stretch: read it row by row, so the comparison names where.
            _ => self.fetch_rows(db, level).await,
        }
    }

    /// As [`StoredLevels::fetch`], a row at a time; a malformed hash is left out (a mismatch).
    async fn fetch_rows(&mut self, db: &Db, level: u8) -> Result<(), StoreError> {
        let l = usize::from(level);
        let rows: Vec<(i64, String)> = on_pool!(db, pool => {
            sqlx::query_as("SELECT idx, hash FROM audit_tree WHERE level = $1 AND idx >= $2 ORDER BY idx LIMIT $3")
                .bind(i16::from(level))
                .bind(i64::try_from(self.next[l]).unwrap_or(i64::MAX))
                .bind(BATCH)
                .fetch_all(pool)
                .await?
        });
        if let Some((last, _)) = rows.last() {
            self.next[l] = u64::try_from(*last).unwrap_or(u64::MAX).saturating_add(1);
        }
        self.buffers[l].extend(
            rows.into_iter()
                .filter_map(|(i, h)| Some((u64::try_from(i).ok()?, from_hex(&h)?))),
        );
        Ok(())
    }

    /// The stored hash at `(level, index)`, when it is the next stored at its level.
    async fn take(&mut self, db: &Db, (level, index): Position) -> Result<Option<Hash>, StoreError> {
        let l = usize::from(level);
        if self.buffers[l].is_empty() {
            self.fetch(db, level).await?;
        }
        Ok(match self.buffers[l].front() {
            Some((stored, _)) if *stored == index => self.buffers[l].pop_front().map(|(_, h)| h),
            _ => None,
        })
    }
}

/// Checks the whole log: every event's link (the chain), every stored hash of the Merkle tree
/// (rebuilt from the events), the head record, and the given tree heads (each must be the
/// rebuilt tree's root at its size). Events are read in batches, the next while the current is
/// hashed.
pub async fn verify(db: &Db, heads: &[HeadToCheck]) -> Result<Verification, StoreError> {
    let (claimed_events, claimed_head) = head(db).await?;
    let mut heads: Vec<&HeadToCheck> = heads.iter().collect();
    heads.sort_by_key(|h| h.size);
    let mut pending_heads = heads.iter().peekable();
    let mut verifier = Verifier::new();
    let mut builder = Builder::new();
    let mut stored = StoredLevels::new();
    let mut completed: Vec<(Position, Hash)> = Vec::new();
    while let Some(h) = pending_heads.next_if(|h| h.size == 0) {
        if h.root != builder.root() {
            verifier.fail(
                0,
                format!(
                    "{} is of an empty log with a root that is not the empty tree's",
                    h.label
                ),
            );
        }
    }
    let mut batches = Batches::new(db);
    while let Some(batch) = batches.next().await? {
        completed.clear();
        let mut roots = Vec::new();
        for event in &batch {
            let Some(leaf) = verifier.push(event) else {
                break;
            };
            builder.push(leaf, |at, hash| completed.push((at, *hash)));
            while let Some(h) = pending_heads.next_if(|h| h.size == builder.size()) {
                roots.push((*h, builder.root()));
            }
        }
        for (at, hash) in &completed {
            if stored.take(db, *at).await?.as_ref() != Some(hash) {
                let first_leaf = at.1 << at.0;
                verifier.fail(
                    first_leaf as i64 + 1,
                    format!(
                        "the stored Merkle tree differs from the events at level {}, index {}",
                        at.0, at.1
                    ),
                );
                break;
            }
        }
        for (h, root) in roots {
            if root != h.root {
                verifier.fail(
                    h.size as i64,
                    format!("the first {} events do not have the root of {}", h.size, h.label),
                );
            }
        }
        if verifier.is_broken() {
            batches.stop();
        }
    }
    let events = verifier.count();
    for h in pending_heads {
        verifier.fail(
            events + 1,
            format!(
                "the log holds {events} events, fewer than the {} of {}",
                h.size, h.label
            ),
        );
    }
    if !verifier.is_broken() {
        // Nothing stored beyond the rebuilt tree: each level holds exactly its complete subtrees.
        let counts: Vec<(i16, i64)> = on_pool!(db, pool => {
            sqlx::query_as("SELECT level, COUNT(*) FROM audit_tree GROUP BY level").fetch_all(pool).await?
        });
        for (level, count) in counts {
            let expected = u32::try_from(level)
                .ok()
                .and_then(|l| (events as u64).checked_shr(l))
                .unwrap_or(0);
            if count as u64 != expected {
                verifier.fail(
                    events + 1,
                    format!("the stored Merkle tree holds {count} hashes at level {level}, the events make {expected}"),
                );
            }
        }
    }
    let root_hash = to_hex(&builder.root());
    Ok(Verification {
        verdict: verifier.finish(Some((claimed_events, &claimed_head))),
        root_hash,
        heads_checked: heads.len(),
    })
}

pub use crate::domain::policy::AuditScope as Visibility;

/// Filters of the event list (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Up to `limit` visible events, newest first, older than the cursor `before` (a `seq`).
pub async fn list(
    db: &Db,
    filter: &EventFilter,
    visibility: Visibility,
    before: Option<i64>,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, StoreError> {
    let (scope, viewer, everything) = match visibility {
        Visibility::Everything => (None, None, 1_i64),
        Visibility::AllOrganizations { viewer_org } => (None, Some(viewer_org), 0),
        Visibility::Organization { viewer_org } => (Some(viewer_org), Some(viewer_org), 0),
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_events WHERE seq < $1 \
         AND ($2 IS NULL OR entity_type = $2) AND ($3 IS NULL OR entity_id = $3) \
         AND ($4 IS NULL OR actor_id = $4) AND ($5 IS NULL OR organization_id = $5) \
         AND ($6 IS NULL OR action = $6) AND ($7 IS NULL OR at >= $7) AND ($8 IS NULL OR at < $8) \
         AND ($9 IS NULL OR organization_id = $9) \
         AND ($10 = 1 OR confidential_until IS NULL OR confidential_until <= $11 OR confidential_org_id = $12 \
              OR (entity_type = 'bid' AND EXISTS (SELECT 1 FROM bids b JOIN tenders t ON t.id = b.tender_id \
                  WHERE b.id = audit_events.entity_id AND t.opened_at IS NOT NULL))) \
         ORDER BY seq DESC LIMIT $13"
    );
    let rows: Vec<EventRow> = on_pool!(db, pool => {
        // Optional filters: planned with their values each time (see storage::Pool).
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).persistent(false)
            .bind(before.unwrap_or(i64::MAX))
            .bind(filter.entity_type.as_deref())
            .bind(filter.entity_id.as_deref())
            .bind(filter.actor_id)
            .bind(filter.organization_id)
            .bind(filter.action.as_deref())
            .bind(filter.from)
            .bind(filter.to)
            .bind(scope)
            .bind(everything)
            .bind(now)
            .bind(viewer.unwrap_or(-1))
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
    });
    Ok(rows.into_iter().map(Event::from).collect())
}

/// The newest event `action` about entity `entity_type` `entity_id` (a receipt's event).
pub async fn latest_of(db: &Db, entity_type: &str, entity_id: &str, action: &str) -> Result<Option<Event>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_events WHERE entity_type = $1 AND entity_id = $2 AND action = $3 \
         ORDER BY seq DESC LIMIT 1"
    );
    let row: Option<EventRow> = on_pool!(db, pool => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(entity_type)
            .bind(entity_id)
            .bind(action)
            .fetch_optional(pool)
            .await?
    });
    Ok(row.map(Event::from))
}

/// Whether the caller of `ctx` (a user, or an anonymous client address) was refused `action`
/// on tender `tender_id` since `since`: refusals are recorded once per burst.
pub async fn refused_recently(
    db: &Db,
    action: &str,
    tender_id: i64,
    ctx: &AuditContext,
    since: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let sql = "SELECT COUNT(*) FROM audit_events WHERE action = $1 AND entity_type = 'tender' AND entity_id = $2 \
               AND at >= $3 AND (($4 IS NOT NULL AND actor_id = $4) \
               OR ($4 IS NULL AND actor_id IS NULL AND client_address IS NOT DISTINCT FROM $5))";
    let sql = match db.engine() {
        crate::storage::Engine::Sqlite => sql.replace("IS NOT DISTINCT FROM", "IS"),
        crate::storage::Engine::Postgres => sql.to_string(),
    };
    let count: i64 = on_pool!(db, pool => {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
            .bind(action)
            .bind(tender_id.to_string())
            .bind(since)
            .bind(ctx.actor.user_id)
            .bind(ctx.client_address.as_deref())
            .fetch_one(pool)
            .await?
    });
    Ok(count > 0)
}
