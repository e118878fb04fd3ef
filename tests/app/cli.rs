//! The binary's own behaviour: one-line failures with a non-zero status, and its subcommands.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::unique_name;

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(unique_name("ppp-cli"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the binary in `dir` with only the given variables of ours set.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ppp-registry"));
    command.current_dir(dir).args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("PPP_") || key.starts_with("ROCKET_") || key == "DATABASE_URL" {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    command.output().expect("run ppp-registry")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_one_line_failure(output: &Output, expected: &str) {
    let text = stderr(output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert_eq!(text.lines().count(), 1, "expected one line, got: {text}");
    assert!(text.contains(expected), "expected {expected:?} in {text:?}");
    assert!(!text.contains("panicked"), "{text}");
}

#[test]
fn a_malformed_database_url_is_one_line_and_non_zero() {
    let dir = scratch_dir();
    let output = run(&dir, &["migrate"], &[("PPP_DATABASE_URL", "mysql://localhost/x")]);
    assert_one_line_failure(
        &output,
        "database_url: \"mysql://localhost/x\" is not a sqlite:// or postgres:// URL",
    );
}

#[test]
fn an_unreachable_database_is_one_line_and_non_zero() {
    let dir = scratch_dir();
    // Port 9 (discard) on loopback: nothing listens there.
    let output = run(
        &dir,
        &["migrate"],
        &[("DATABASE_URL", "postgres://ppp:secret@127.0.0.1:9/ppp")],
    );
    assert_one_line_failure(&output, "the database cannot be reached");
    assert!(!stderr(&output).contains("secret"));
}

#[test]
fn a_release_profile_without_a_secret_key_refuses_to_start() {
    let dir = scratch_dir();
    let output = run(&dir, &["serve"], &[("ROCKET_PROFILE", "release")]);
    assert_one_line_failure(&output, "no secret key");
    assert!(
        !dir.join("ppp-registry.sqlite3").exists(),
        "refused before touching the database"
    );
}

#[test]
fn check_config_prints_the_effective_settings_with_secrets_redacted() {
    let dir = scratch_dir();
    let key = "ab".repeat(32);
    let output = run(
        &dir,
        &["check-config"],
        &[
            ("PPP_SECRET_KEY", key.as_str()),
            ("DATABASE_URL", "postgres://ppp:hunter2@db.internal/ppp"),
            ("PPP_DEFAULT_LANGUAGE", "ky"),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("database_url = postgres://ppp:***@db.internal/ppp"),
        "{text}"
    );
    assert!(text.contains("secret_key = [set, redacted]"));
    assert!(text.contains("default_language = ky"));
    assert!(text.contains("display_time_zone = Asia/Bishkek"));
    assert!(!text.contains(&key) && !text.contains("hunter2"));
}

#[test]
fn migrate_and_load_fixtures_work_on_a_fresh_sqlite_file() {
    let dir = scratch_dir();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    let output = run(&dir, &["migrate"], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "schema version 1 on sqlite\n");
    assert!(
        dir.join("ppp-registry.sqlite3").exists(),
        "the default database file is created"
    );

    let output = run(&dir, &["load-fixtures", fixtures], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "fixtures: replayed 3 steps from 1 files\n"
    );
    let output = run(&dir, &["load-fixtures", fixtures], &[]);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "fixtures: the database already holds data; nothing loaded\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
