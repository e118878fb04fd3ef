//! The storage layer: the only code that speaks SQL. Two engines sit behind one [`Db`] handle,
//! chosen by the URL scheme; queries are written once (`$1` placeholders work on both) and run on
//! whichever pool is open, through the [`on_pool!`](crate::on_pool) and
//! [`on_tx!`](crate::on_tx) macros.

// The engine-generic macros come first: a macro is in scope in the modules declared after it,
// so the storage modules use them without an import (tests and benches, outside the crate, name
// them from the crate's root, where `macro_export` puts them).
/// Runs `$body` with `$pool` bound to the open pool, whichever engine it is. The body is compiled
/// once per engine, so it may use types that implement sqlx's traits for both.
#[macro_export]
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db.pool() {
            $crate::storage::Pool::Sqlite($pool) => $body,
            $crate::storage::Pool::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the transaction's connection, whichever engine it is.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::storage::Tx::Sqlite(tx, _) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::storage::Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

/// Runs `$body` with `$conn` bound to a [`Reader`]'s executor, whichever engine and whichever
/// kind it is (the body is compiled four times and may use `$conn` once).
#[macro_export]
macro_rules! on_reader {
    ($reader:expr, $conn:ident => $body:expr) => {
        match $reader {
            $crate::storage::Reader::Pool($crate::storage::Pool::Sqlite($conn)) => $body,
            $crate::storage::Reader::Pool($crate::storage::Pool::Postgres($conn)) => $body,
            $crate::storage::Reader::Tx($crate::storage::Tx::Sqlite(tx, _)) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::storage::Reader::Tx($crate::storage::Tx::Postgres(tx)) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

pub mod audit;
pub mod audit_tree;
pub mod bid_documents;
pub mod bids;
pub mod blobs;
pub mod checkpoints;
pub mod complaints;
pub mod contracts;
pub mod documents;
pub mod evaluation;
pub mod financial_models;
pub mod holidays;
pub mod organizations;
pub mod projects;
pub mod sessions;
pub mod statement;
pub mod tenders;
pub mod types;
pub mod unit_of_work;
pub mod users;

use std::str::FromStr;
use std::time::Duration;

use serde::Serialize;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Postgres, Sqlite, Transaction};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a request waits for a connection, or SQLite for a lock, before giving up.
const WAIT_LIMIT: Duration = Duration::from_secs(5);

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database URL is not valid: {0}")]
    BadUrl(String),
    #[error("the database cannot be reached: {0}")]
    Unavailable(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness or foreign-key rule refused the change; the text names the constraint.
    #[error("conflicts with an existing record ({0})")]
    Conflict(String),
    #[error("migration failed: {0}")]
    Migration(String),
    /// The engine gave up on the transaction to keep it serialisable (a serialization failure
    /// or a deadlock): the whole operation may run again.
    #[error("the database was busy with a conflicting change: {0}")]
    Contention(String),
    /// A unit of work tried to commit a change without an audit event.
    #[error("a change without an audit event was refused")]
    Unaudited,
    #[error("database error: {0}")]
    Database(String),
    /// A stored value that does not read as what it should be (tampering, or damage).
    #[error("a stored record is malformed: {0}")]
    Corrupt(String),
}

/// PostgreSQL's serialization failure and deadlock: the whole operation may simply run again.
const CONTENTION_CODES: [&str; 2] = ["40001", "40P01"];

/// SQLite's busy, locked and stale-snapshot codes: its busy timeout has already waited, so
/// these are not retried but answered as unavailable.
const SQLITE_BUSY_CODES: [&str; 3] = ["5", "6", "517"];

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound("record"),
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
                StoreError::Unavailable(e.to_string())
            }
            sqlx::Error::Database(ref db) if db.code().is_some_and(|c| CONTENTION_CODES.contains(&c.as_ref())) => {
                StoreError::Contention(db.message().to_string())
            }
            sqlx::Error::Database(ref db) if db.code().is_some_and(|c| SQLITE_BUSY_CODES.contains(&c.as_ref())) => {
                StoreError::Unavailable(db.message().to_string())
            }
            sqlx::Error::Database(ref db) if db.is_unique_violation() || db.is_foreign_key_violation() => {
                StoreError::Conflict(db.constraint().unwrap_or(db.message()).to_string())
            }
            other => StoreError::Database(other.to_string()),
        }
    }
}

/// The engine behind a [`Db`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }

    /// The engine a URL names, by its scheme.
    pub fn of_url(url: &str) -> Result<Engine, StoreError> {
        match url.split_once(':').map(|(scheme, _)| scheme) {
            Some("sqlite") => Ok(Engine::Sqlite),
            Some("postgres" | "postgresql") => Ok(Engine::Postgres),
            _ => Err(StoreError::BadUrl("expected sqlite://… or postgres://…".into())),
        }
    }
}

/// An open pool on one of the two engines. Lists with optional filters (`$n IS NULL OR col = $n`) run as one-shot statements
/// (`persistent(false)`), because a generic plan cannot know which filters are set and scans
/// everything (116 ms against 100,000 projects); an unnamed statement is planned with its values,
/// so PostgreSQL walks the primary key and stops at the page's end. Everything else keeps its
/// prepared statement and, once PostgreSQL judges it as good, its cached plan: planning every
/// statement of every write (`plan_cache_mode = force_custom_plan`, as before) was a third of
/// PostgreSQL's work under many bids.
#[derive(Debug, Clone)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// This process's turn at SQLite's write lock, held for a write transaction's life.
#[derive(Debug)]
pub struct WriteTurn(#[allow(dead_code)] rocket::tokio::sync::OwnedSemaphorePermit);

/// A write transaction on one of the two engines.
pub enum Tx {
    /// On SQLite, with this process's turn at the write lock (see [`Db::begin_write`]).
    Sqlite(Transaction<'static, Sqlite>, WriteTurn),
    Postgres(Transaction<'static, Postgres>),
}

/// Where a read runs: on the pool (a reader outside any change) or inside a write transaction
/// (what a change reads to decide, so that it never takes a second connection).
pub enum Reader<'a> {
    Pool(&'a Pool),
    Tx(&'a mut Tx),
}

impl Reader<'_> {
    /// The same reader again, for one more query.
    pub fn again(&mut self) -> Reader<'_> {
        match self {
            Reader::Pool(pool) => Reader::Pool(pool),
            Reader::Tx(tx) => Reader::Tx(tx),
        }
    }
}

impl<'a> From<&'a Db> for Reader<'a> {
    fn from(db: &'a Db) -> Self {
        Reader::Pool(&db.pool)
    }
}

impl<'a> From<&'a mut Tx> for Reader<'a> {
    fn from(tx: &'a mut Tx) -> Self {
        Reader::Tx(tx)
    }
}

impl Tx {
    /// The clause that makes a read lock the rows it returns until the transaction ends, with a
    /// leading space: `FOR UPDATE` on PostgreSQL; nothing on SQLite, whose write transactions
    /// (`BEGIN IMMEDIATE`) already exclude every other writer.
    pub fn for_update(&self) -> &'static str {
        match self {
            Tx::Sqlite(..) => "",
            Tx::Postgres(_) => " FOR UPDATE",
        }
    }

    /// As [`Tx::for_update`], but a shared lock: others may read and refer to the rows, not
    /// change them.
    pub fn for_share(&self) -> &'static str {
        match self {
            Tx::Sqlite(..) => "",
            Tx::Postgres(_) => " FOR SHARE",
        }
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            // The turn ends with the commit (or with the transaction, dropped unfinished).
            Tx::Sqlite(tx, _turn) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

/// The database handle the whole app shares. Cloning is cheap (pools are reference-counted).
#[derive(Debug, Clone)]
pub struct Db {
    pool: Pool,
    /// One write transaction at a time from this process on SQLite (which allows one anyway).
    write_turns: std::sync::Arc<rocket::tokio::sync::Semaphore>,
    /// The audit tree's right edge after this process's last append (see [`audit_tree::Edge`]).
    tree_edge: audit_tree::EdgeMemory,
}

/// A pooled connection idle for longer than this is checked before it is handed out.
const PING_AFTER_IDLE: Duration = Duration::from_secs(5);

/// Checks a pooled connection before it is handed out only when it has been idle a while (as
/// HikariCP does): sqlx's default pings on every acquire, one more round trip for each read and
/// each write transaction (on SQLite a hand-off to the connection's thread) — under many bids
/// that was one more turn a write held SQLite's lock for. A connection in steady use
/// has just proven itself.
async fn ping_when_idle<C: sqlx::Connection>(
    conn: &mut C,
    meta: sqlx::pool::PoolConnectionMetadata,
) -> Result<bool, sqlx::Error> {
    if meta.idle_for > PING_AFTER_IDLE {
        conn.ping().await?;
    }
    Ok(true)
}

impl Db {
    /// Opens a pool on the engine the URL names. SQLite files are created when missing and run in
    /// WAL mode with foreign keys on and a busy timeout.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        let pool = match Engine::of_url(url)? {
            Engine::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(|e| StoreError::BadUrl(e.to_string()))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(WAIT_LIMIT);
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(WAIT_LIMIT)
                    .test_before_acquire(false)
                    .before_acquire(|conn, meta| Box::pin(ping_when_idle(conn, meta)))
                    .connect_with(options)
                    .await
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?;
                Pool::Sqlite(pool)
            }
            Engine::Postgres => {
                let options = PgConnectOptions::from_str(url).map_err(|e| StoreError::BadUrl(e.to_string()))?;
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(WAIT_LIMIT)
                    .test_before_acquire(false)
                    .before_acquire(|conn, meta| Box::pin(ping_when_idle(conn, meta)))
                    .connect_with(options)
                    .await
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?;
                Pool::Postgres(pool)
            }
        };
        Ok(Db {
            pool,
            tree_edge: Default::default(),
            write_turns: std::sync::Arc::new(rocket::tokio::sync::Semaphore::new(1)),
        })
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub(crate) fn tree_edge(&self) -> &audit_tree::EdgeMemory {
        &self.tree_edge
    }

    pub fn engine(&self) -> Engine {
        match self.pool {
            Pool::Sqlite(_) => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    /// Brings the schema up to date. Landed migrations are never edited; new ones are appended.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let outcome = match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        };
        outcome.map_err(|e| StoreError::Migration(e.to_string()))?;
        // A log written before its Merkle tree (0012) gets its tree now; a no-op afterwards.
        audit::complete_tree(self).await?;
        Ok(())
    }

    /// Refreshes the planner's statistics (and, on PostgreSQL, the visibility map that lets the
    /// search words be read from their index alone) after a bulk load; autovacuum does the same
    /// in time on a running PostgreSQL.
    pub async fn refresh_statistics(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pool) => sqlx::query("ANALYZE").execute(pool).await.map(|_| ()),
            Pool::Postgres(pool) => sqlx::query("VACUUM ANALYZE").execute(pool).await.map(|_| ()),
        }
        .map_err(StoreError::from)
    }

    /// The number of the newest applied migration (0 before the first).
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let sql = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";
        let version: i64 = on_pool!(self, pool => sqlx::query_scalar(sql).fetch_one(pool).await?);
        Ok(version)
    }

    /// The newest migration this build knows; the schema is current when it equals
    /// [`Db::schema_version`].
    pub fn latest_known_version(&self) -> i64 {
        let migrator = match self.engine() {
            Engine::Sqlite => &SQLITE_MIGRATIONS,
            Engine::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// Begins a write transaction. Services write through a [`unit_of_work::UnitOfWork`] instead, which
    /// appends the audit events; this is for it, and for storage tests and benchmarks. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`),
    /// so a transaction that reads and then writes never fails with "database is locked".
    pub async fn begin_write(&self) -> Result<Tx, StoreError> {
        Ok(match &self.pool {
            Pool::Sqlite(pool) => {
                // Writers queue here, in order, rather than in SQLite's busy handler, which
                // sleeps in growing steps (up to 100 ms) between tries: under many writers
                // that sleeping, not the work, set the latency.
                let turn = rocket::tokio::time::timeout(WAIT_LIMIT, self.write_turns.clone().acquire_owned())
                    .await
                    .map_err(|_| StoreError::Unavailable("no turn at the write lock within the wait limit".into()))?
                    .map_err(|_| StoreError::Unavailable("the database is closed".into()))?;
                Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?, WriteTurn(turn))
            }
            Pool::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Closes every connection; later calls fail with [`StoreError::Unavailable`].
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }
}
