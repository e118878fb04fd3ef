//! The two engines' migrations describe one schema: tables, columns (type family and
//! nullability), primary keys, unique constraints, foreign keys, indexes and triggers by name.
//!
//! `tests/data/schema.txt` is the schema as both engines have it; a column line gives the
//! family on SQLite and on PostgreSQL (`text|timestamp`: SQLite keeps times as ISO text), and
//! the few triggers that exist on one engine only say so. Each run checks a fresh SQLite
//! database against it, and, on the PostgreSQL run, the PostgreSQL database too, so a migration
//! added to one engine and not the other fails on both. `PPP_WRITE_SCHEMA=1` on the PostgreSQL
//! run rewrites the file from the two live schemas (then review the diff).

use std::collections::{BTreeMap, BTreeSet};

use ppp_registry::storage::{Db, Engine};

use crate::support::{engine_under_test, fresh_database, unique_name};

/// Which type families may stand for each other (SQLite | PostgreSQL).
const CORRESPONDING_FAMILIES: [&str; 7] = [
    "integer|integer",
    "text|text",
    "text|timestamp",
    // A calendar date (a public holiday) as YYYY-MM-DD text on SQLite, DATE on PostgreSQL.
    "text|date",
    "integer|boolean",
    // Money in minor units on SQLite, NUMERIC(20,2) on PostgreSQL; coordinates as decimal text.
    "integer|decimal",
    "text|decimal",
];

/// One engine's schema as lines; column lines carry this engine's family.
type Description = BTreeSet<String>;

fn sqlite_family(declared: &str) -> String {
    match declared.to_ascii_uppercase().as_str() {
        "INTEGER" => "integer".into(),
        "TEXT" => "text".into(),
        other => other.to_ascii_lowercase(),
    }
}

fn postgres_family(data_type: &str) -> String {
    match data_type {
        "bigint" | "integer" | "smallint" => "integer".into(),
        "text" | "character varying" => "text".into(),
        "timestamp with time zone" => "timestamp".into(),
        "numeric" => "decimal".into(),
        "boolean" => "boolean".into(),
        other => other.into(),
    }
}

async fn describe_sqlite(db: &Db) -> Description {
    let mut lines = Description::new();
    let ppp_registry::storage::Pool::Sqlite(pool) = db.pool() else {
        panic!("not SQLite")
    };
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for table in &tables {
        lines.insert(format!("table {table}"));
        let columns: Vec<(String, String, bool, i64)> =
            sqlx::query_as("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid")
                .bind(table)
                .fetch_all(pool)
                .await
                .unwrap();
        let mut primary: Vec<(i64, String)> = Vec::new();
        for (name, declared, not_null, pk) in &columns {
            let nullability = if *not_null || *pk > 0 { "not-null" } else { "null" };
            lines.insert(format!(
                "column {table}.{name} {} {nullability}",
                sqlite_family(declared)
            ));
            if *pk > 0 {
                primary.push((*pk, name.clone()));
            }
        }
        primary.sort();
        let primary: Vec<String> = primary.into_iter().map(|(_, n)| n).collect();
        lines.insert(format!("primary {table}({})", primary.join(",")));
        let indexes: Vec<(String, bool, String)> =
            sqlx::query_as("SELECT name, \"unique\", origin FROM pragma_index_list($1)")
                .bind(table)
                .fetch_all(pool)
                .await
                .unwrap();
        for (index, unique, origin) in indexes {
            let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                .bind(&index)
                .fetch_all(pool)
                .await
                .unwrap();
            let columns = columns.join(",");
            match origin.as_str() {
                "pk" => {}
                "u" => {
                    lines.insert(format!("unique {table}({columns})"));
                }
                _ => {
                    let kind = if unique { " unique" } else { "" };
                    lines.insert(format!("index {table}.{index} ({columns}){kind}"));
                }
            }
        }
        let keys: Vec<(i64, String, String, String)> =
            sqlx::query_as("SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list($1) ORDER BY id, seq")
                .bind(table)
                .fetch_all(pool)
                .await
                .unwrap();
        let mut grouped: BTreeMap<i64, (String, Vec<String>, Vec<String>)> = BTreeMap::new();
        for (id, target, from, to) in keys {
            let entry = grouped.entry(id).or_insert_with(|| (target, Vec::new(), Vec::new()));
            entry.1.push(from);
            entry.2.push(to);
        }
        for (target, from, to) in grouped.into_values() {
            lines.insert(format!(
                "foreign {table}({}) -> {target}({})",
                from.join(","),
                to.join(",")
            ));
        }
    }
    let triggers: Vec<(String, String)> =
        sqlx::query_as("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
            .fetch_all(pool)
            .await
            .unwrap();
    for (table, trigger) in triggers {
        lines.insert(format!("trigger {table}.{trigger}"));
    }
    lines
}

async fn describe_postgres(db: &Db) -> Description {
    let mut lines = Description::new();
    let ppp_registry::storage::Pool::Postgres(pool) = db.pool() else {
        panic!("not PostgreSQL")
    };
    let columns: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (table, column, data_type, nullable) in columns {
        lines.insert(format!("table {table}"));
        let nullability = if nullable == "YES" { "null" } else { "not-null" };
        lines.insert(format!(
            "column {table}.{column} {} {nullability}",
            postgres_family(&data_type)
        ));
    }
    let indexes: Vec<(String, String, bool, bool, String, bool)> = sqlx::query_as(
        "SELECT t.relname::text, i.relname::text, ix.indisunique, ix.indisprimary, \
         (SELECT string_agg(COALESCE(a.attname::text, 'expression'), ',' ORDER BY k.ord) \
            FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) \
            LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum), \
         EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid AND c.contype IN ('u', 'p')) \
         FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public' AND t.relname NOT LIKE '_sqlx%'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (table, index, unique, primary, columns, constraint) in indexes {
        if primary {
            lines.insert(format!("primary {table}({columns})"));
        } else if constraint {
            lines.insert(format!("unique {table}({columns})"));
        } else {
            let kind = if unique { " unique" } else { "" };
            lines.insert(format!("index {table}.{index} ({columns}){kind}"));
        }
    }
    let keys: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT t.relname::text, f.relname::text, \
         (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) \
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum), \
         (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord) \
            JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) \
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class f ON f.oid = c.confrelid \
         WHERE c.contype = 'f'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (table, target, from, to) in keys {
        lines.insert(format!("foreign {table}({from}) -> {target}({to})"));
    }
    let triggers: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, t.tgname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
         WHERE NOT t.tgisinternal",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (table, trigger) in triggers {
        lines.insert(format!("trigger {table}.{trigger}"));
    }
    lines
}

/// The file's lines as one engine should have them: its half of each column's families, the
/// lines of the other engine only left out.
fn as_seen_by(snapshot: &str, engine: Engine) -> Description {
    let (mine, theirs) = match engine {
        Engine::Sqlite => (" sqlite-only", " postgres-only"),
        Engine::Postgres => (" postgres-only", " sqlite-only"),
    };
    snapshot
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.ends_with(theirs))
        .map(|l| {
            let l = l.strip_suffix(mine).unwrap_or(l);
            match l.split_once('|') {
                Some((head, tail)) => {
                    let (before, sqlite) = head.rsplit_once(' ').unwrap();
                    let (postgres, after) = tail.split_once(' ').unwrap();
                    let family = if engine == Engine::Sqlite { sqlite } else { postgres };
                    format!("{before} {family} {after}")
                }
                None => l.to_string(),
            }
        })
        .collect()
}

/// The file from the two live schemas.
fn merged(sqlite: &Description, postgres: &Description) -> String {
    let column_key = |line: &str| {
        let mut parts = line.split(' ');
        (
            parts.next().unwrap_or("").to_string(),
            parts.next().unwrap_or("").to_string(),
        )
    };
    let pg_columns: BTreeMap<String, String> = postgres
        .iter()
        .filter(|l| l.starts_with("column "))
        .map(|l| (column_key(l).1, l.split(' ').nth(2).unwrap_or("").to_string()))
        .collect();
    let mut out = Vec::new();
    for line in sqlite {
        if line.starts_with("column ") {
            let parts: Vec<&str> = line.split(' ').collect();
            match pg_columns.get(parts[1]) {
                Some(pg_family) => {
                    let pg_line = format!("column {} {pg_family} {}", parts[1], parts[3]);
                    let suffix = if postgres.contains(&pg_line) {
                        ""
                    } else {
                        " sqlite-only"
                    };
                    out.push(format!(
                        "column {} {}|{pg_family} {}{suffix}",
                        parts[1], parts[2], parts[3]
                    ));
                }
                None => out.push(format!("{line} sqlite-only")),
            }
        } else if postgres.contains(line) {
            out.push(line.clone());
        } else {
            out.push(format!("{line} sqlite-only"));
        }
    }
    for line in postgres {
        let covered = if line.starts_with("column ") {
            out.iter()
                .any(|o| o.starts_with(&format!("column {} ", column_key(line).1)) && !o.ends_with(" sqlite-only"))
        } else {
            sqlite.contains(line)
        };
        if !covered {
            out.push(format!("{line} postgres-only"));
        }
    }
    out.sort();
    out.join("\n") + "\n"
}

fn differences(expected: &Description, actual: &Description) -> Vec<String> {
    let missing = expected.difference(actual).map(|l| format!("missing: {l}"));
    let extra = actual.difference(expected).map(|l| format!("unexpected: {l}"));
    missing.chain(extra).collect()
}

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/schema.txt");

#[rocket::async_test]
async fn both_engines_migrate_to_the_same_schema() {
    // SQLite is always at hand: a fresh file.
    let dir = std::env::temp_dir().join(unique_name("ppp-schema"));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = Db::connect(&format!("sqlite://{}", dir.join("schema.sqlite3").display()))
        .await
        .unwrap();
    sqlite.migrate().await.unwrap();
    let sqlite_schema = describe_sqlite(&sqlite).await;
    sqlite.close().await;
    let _ = std::fs::remove_dir_all(&dir);

    let postgres_schema = if engine_under_test() == Engine::Postgres {
        let (url, _) = fresh_database().await;
        let db = Db::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        let schema = describe_postgres(&db).await;
        db.close().await;
        Some(schema)
    } else {
        None
    };
    if let Some(postgres) = &postgres_schema
        && std::env::var("PPP_WRITE_SCHEMA").is_ok_and(|v| v == "1")
    {
        std::fs::write(SNAPSHOT, merged(&sqlite_schema, postgres)).unwrap();
    }

    let snapshot = std::fs::read_to_string(SNAPSHOT).unwrap();
    for line in snapshot.lines().filter(|l| l.ends_with("-only")) {
        assert!(
            line.starts_with("trigger "),
            "only triggers may differ between the engines: {line}"
        );
    }
    for line in snapshot.lines().filter(|l| l.starts_with("column ")) {
        let families = line.split(' ').nth(2).unwrap();
        assert!(
            CORRESPONDING_FAMILIES.contains(&families),
            "{line}: the engines' types do not correspond"
        );
    }
    let diff = differences(&as_seen_by(&snapshot, Engine::Sqlite), &sqlite_schema);
    assert!(
        diff.is_empty(),
        "SQLite's schema differs from tests/data/schema.txt:\n{}",
        diff.join("\n")
    );
    if let Some(postgres) = &postgres_schema {
        let diff = differences(&as_seen_by(&snapshot, Engine::Postgres), postgres);
        assert!(
            diff.is_empty(),
            "PostgreSQL's schema differs from tests/data/schema.txt:\n{}",
            diff.join("\n")
        );
    }
}
