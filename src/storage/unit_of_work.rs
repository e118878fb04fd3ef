//! The unit of work: the one handle through which services write. It is a write transaction that
//! offers locking reads, collects the change's audit events and appends them last, just before
//! commit, and refuses to commit a change that recorded none.
//!
//! One lock order everywhere, which is what keeps PostgreSQL free of deadlocks:
//! entity rows (read with [`Tx::for_update`]), then counters (registry numbers, versions), then
//! the audit head, which only [`UnitOfWork::commit`] takes. Events are stamped with the clock
//! after the head is locked, so event times follow their sequence across app instances.
//!
//! Services run a unit of work through the `unit_of_work!` macro (declared with
//! the services, whose error it answers with), which retries the whole operation when the engine
//! reports a serialization failure or a deadlock; slow work (password hashing, model runs)
//! belongs before it, never inside.

use std::time::Duration;

use crate::clock::Clock;
use crate::domain::audit::{AuditContext, Event, NewEvent};
use crate::storage::statement::Statement;
use crate::storage::{Db, Reader, StoreError, Tx, audit};

/// How many times an operation is tried again after contention before the error reaches the user.
pub const MAX_RETRIES: u32 = 6;

/// A write transaction with the audit events it will append.
pub struct UnitOfWork<'a> {
    tx: Tx,
    clock: &'a dyn Clock,
    ctx: &'a AuditContext,
    events: Vec<NewEvent>,
    /// Writes left for the commit (see [`UnitOfWork::write_at_commit`]).
    at_commit: Vec<Statement>,
    /// The audit tree's edge as this process last appended it.
    tree_edge: crate::storage::audit_tree::EdgeMemory,
    /// Why this change may commit without an audit event (a counter, never a record).
    unaudited: Option<&'static str>,
}

impl<'a> UnitOfWork<'a> {
    /// Begins the transaction (on SQLite it takes the write lock at once).
    pub async fn begin(db: &Db, clock: &'a dyn Clock, ctx: &'a AuditContext) -> Result<UnitOfWork<'a>, StoreError> {
        Ok(UnitOfWork {
            tx: db.begin_write().await?,
            clock,
            ctx,
            events: Vec::new(),
            at_commit: Vec::new(),
            tree_edge: db.tree_edge().clone(),
            unaudited: None,
        })
    }

    /// The transaction, for the storage layer's reads and writes.
    pub fn tx(&mut self) -> &mut Tx {
        &mut self.tx
    }

    /// The clock's time, for the records' own timestamps (events get theirs at commit).
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Adds an event to append when the change commits.
    pub fn record(&mut self, event: NewEvent) {
        self.events.push(event);
    }

    /// Leaves a write for the commit, where it runs after the writes made so far, in the order
    /// left: on PostgreSQL before the audit head is locked; on SQLite in the audit events' own
    /// query, after the events and the tree's hashes (one hand-off instead of one each). Only for
    /// a change's last writes: nothing the change reads afterwards sees them, and nothing the
    /// events are made of may depend on them.
    pub fn write_at_commit(&mut self, statement: Statement) {
        self.at_commit.push(statement);
    }

    /// Allows this change to commit without an event, naming why: only for counters that are
    /// not records (the sign-in throttle's), whose every consequence is audited elsewhere.
    pub fn counters_only(&mut self, reason: &'static str) {
        self.unaudited = Some(reason);
    }

    /// Appends the recorded events (locking the audit head, then reading the clock) and commits.
    /// A change that recorded no event and is not counters-only is refused and rolled back.
    pub async fn commit(mut self) -> Result<Vec<Event>, StoreError> {
        if self.events.is_empty() && self.unaudited.is_none() {
            return Err(StoreError::Unaudited);
        }
        let events = std::mem::take(&mut self.events);
        let writes = std::mem::take(&mut self.at_commit);
        let (appended, edge) =
            audit::append_all(&mut self.tx, self.ctx, events, &writes, self.clock, &self.tree_edge).await?;
        self.tx.commit().await?;
        // Only a committed edge is remembered: an append rolled back leaves the previous one.
        if let Some(edge) = edge {
            crate::storage::audit_tree::remember(&self.tree_edge, edge);
        }
        Ok(appended)
    }
}

/// What a change reads to decide, it reads through its own transaction.
impl<'a, 'u> From<&'a mut UnitOfWork<'u>> for Reader<'a> {
    fn from(uow: &'a mut UnitOfWork<'u>) -> Self {
        Reader::Tx(uow.tx())
    }
}

/// Waits a little before another attempt: a random share of a window that doubles each time
/// (2, 4, 8 … ms), so the contenders do not meet again at once.
pub async fn back_off(attempt: u32) {
    use rand::Rng;
    let window_ms = 2_u64 << attempt.min(8);
    let wait = rand::thread_rng().gen_range(window_ms / 2..=window_ms);
    rocket::tokio::time::sleep(Duration::from_millis(wait)).await;
}
