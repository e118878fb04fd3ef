//! A write built now and run later: at a change's commit, in the same round trip as its audit
//! events on SQLite (see [`UnitOfWork::write_at_commit`](crate::storage::unit_of_work::UnitOfWork::write_at_commit)),
//! or at once with [`Statement::run`].
//!
//! On SQLite a write transaction holds the database's one write lock from `BEGIN` to `COMMIT`,
//! and every statement is a hand-off to the connection's thread and back; under many writers
//! those hand-offs, not the work, are what everyone waits for. A change's last writes, which
//! nothing in the change reads again, can go with the audit append as one query.

use chrono::{DateTime, Utc};

use crate::storage::{StoreError, Tx};

/// A value bound to a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Int(i64),
    Int32(i32),
    Bool(bool),
    Text(String),
    OptText(Option<String>),
    Time(DateTime<Utc>),
}

/// One SQL statement with its values, numbered `$1`, `$2` … in its own text. Plain SQL only:
/// `$n` placeholders (never `?`), no comments or double-quoted names holding a `$`, since
/// [`Statement::renumbered`] moves every `$n` outside single quotes.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    sql: &'static str,
    params: Vec<Param>,
}

/// Binds a statement's values, in order, to a query of either engine.
macro_rules! bind_params {
    ($query:expr, $params:expr) => {{
        let mut query = $query;
        for param in $params {
            query = match param {
                $crate::storage::statement::Param::Int(v) => query.bind(*v),
                $crate::storage::statement::Param::Int32(v) => query.bind(*v),
                $crate::storage::statement::Param::Bool(v) => query.bind(*v),
                $crate::storage::statement::Param::Text(v) => query.bind(v.as_str()),
                $crate::storage::statement::Param::OptText(v) => query.bind(v.as_deref()),
                $crate::storage::statement::Param::Time(v) => query.bind(*v),
            };
        }
        query
    }};
}
pub(crate) use bind_params;

impl Statement {
    pub fn new(sql: &'static str) -> Statement {
        Statement {
            sql,
            params: Vec::new(),
        }
    }

    /// The next value, `$n` where n is the number of values bound so far plus one.
    pub fn bind(mut self, param: Param) -> Statement {
        self.params.push(param);
        self
    }

    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// Runs the statement now, in the transaction; answers the rows it changed.
    pub async fn run(&self, tx: &mut Tx) -> Result<u64, StoreError> {
        let changed = on_tx!(tx, conn => {
            bind_params!(sqlx::query(self.sql), &self.params).execute(&mut *conn).await?.rows_affected()
        });
        Ok(changed)
    }

    /// The statement's text with its placeholders moved up by `offset` (`$1` becomes
    /// `$<1 + offset>`), for a query that carries several statements' values in one list.
    /// Quoted literals are left as they are.
    pub fn renumbered(&self, offset: usize) -> String {
        renumber(self.sql, offset)
    }
}

fn renumber(sql: &str, offset: usize) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c != '$' || quoted {
            out.push(c);
            continue;
        }
        let mut number: Option<usize> = None;
        while let Some(d) = chars.next_if(char::is_ascii_digit).and_then(|d| d.to_digit(10)) {
            number = Some(number.unwrap_or(0).saturating_mul(10).saturating_add(d as usize));
        }
        match number {
            Some(n) => {
                let _ = write!(out, "${}", n + offset);
            }
            None => out.push('$'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_move_up_and_literals_stay() {
        assert_eq!(
            renumber("UPDATE t SET a = $1, b = '$2' WHERE c = $2 AND d = $10", 17),
            "UPDATE t SET a = $18, b = '$2' WHERE c = $19 AND d = $27"
        );
        assert_eq!(renumber("SELECT $1", 0), "SELECT $1");
        assert_eq!(renumber("SELECT '$' || $3", 2), "SELECT '$' || $5");
    }

    #[test]
    fn values_keep_their_order() {
        let s = Statement::new("INSERT INTO t (a, b) VALUES ($1, $2)")
            .bind(Param::Int(7))
            .bind(Param::Text("x".into()));
        assert_eq!(s.params(), &[Param::Int(7), Param::Text("x".into())]);
    }
}
