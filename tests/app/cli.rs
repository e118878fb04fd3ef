//! The binary's own behaviour: one-line failures with a non-zero status, and its subcommands.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::unique_name;

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(unique_name("ppp-cli"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The binary, to run in `dir` with only the given variables of ours set.
pub(crate) fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ppp-registry"));
    command.current_dir(dir).args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("PPP_") || key.starts_with("ROCKET_") || key == "DATABASE_URL" {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    command
}

/// Runs the binary in `dir` with only the given variables of ours set.
pub(crate) fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    command(dir, args, env).output().expect("run ppp-registry")
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
    assert_eq!(String::from_utf8_lossy(&output.stdout), "schema version 23 on sqlite\n");
    assert!(
        dir.join("ppp-registry.sqlite3").exists(),
        "the default database file is created"
    );

    // Collecting blobs against an empty database (the wrong DATABASE_URL) removes nothing.
    let output = run(&dir, &["blobs", "collect"], &[]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("the database holds no records"),
        "{}",
        stderr(&output)
    );
    let output = run(&dir, &["load-fixtures", fixtures], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "bid sealing key generated in sealing-keys\nfixtures: replayed 9 steps from 9 files; skipped 121 demo-only steps (demo mode is off)\n"
    );
    let output = run(&dir, &["load-fixtures", fixtures], &[]);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "fixtures: the database already holds data; nothing loaded\n"
    );
    // A content nothing refers to, stored two hours ago, goes; a fresh one waits its grace.
    let name = |c: char| c.to_string().repeat(64);
    let shelf = |n: &str| dir.join("uploads").join(&n[..2]).join(&n[2..4]);
    for n in [name('a'), name('b')] {
        std::fs::create_dir_all(shelf(&n)).unwrap();
        std::fs::write(shelf(&n).join(&n), b"ciphertext").unwrap();
    }
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::options()
        .append(true)
        .open(shelf(&name('a')).join(name('a')))
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();
    let output = run(&dir, &["blobs", "collect", "--grace-hours", "1"], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "removed 1 unreferenced blob(s); kept 0 older than 1 h that records refer to\n"
    );
    assert!(!shelf(&name('a')).join(name('a')).exists());
    assert!(shelf(&name('b')).join(name('b')).exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs the binary with `input` on its standard input.
fn run_with_input(dir: &Path, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_ppp-registry"))
        .current_dir(dir)
        .args(args)
        .env_remove("PPP_DATABASE_URL")
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ppp-registry");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[rocket::async_test]
async fn user_add_creates_the_first_administrator_of_a_fresh_install() {
    let dir = scratch_dir();
    let args = [
        "user",
        "add",
        "--email",
        "Root@Example.kg",
        "--role",
        "admin",
        "--org",
        "operator",
        "--full-name",
        "Первый администратор",
    ];
    let output = run_with_input(&dir, &args, "short\n");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("password: password_short"),
        "{}",
        stderr(&output)
    );

    let output = run_with_input(&dir, &args, "a long enough passphrase\n");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("created account "));

    let output = run_with_input(&dir, &args, "a long enough passphrase\n");
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("an account with this email exists already"));

    let bad_role = [
        "user",
        "add",
        "--email",
        "x@example.kg",
        "--role",
        "admin",
        "--role",
        "reviewer",
        "--org",
        "operator",
        "--full-name",
        "X",
    ];
    let output = run_with_input(&dir, &bad_role, "a long enough passphrase\n");
    assert!(
        stderr(&output).contains("roles: role_kind, admin_alone"),
        "{}",
        stderr(&output)
    );

    let url = format!("sqlite://{}", dir.join("ppp-registry.sqlite3").display());
    let db = ppp_registry::storage::Db::connect(&url).await.unwrap();
    let (account, hash) = ppp_registry::storage::users::find_for_sign_in(&db, "root@example.kg")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.roles, vec![ppp_registry::domain::access::Role::Admin]);
    assert!(hash.starts_with("$argon2id$"));
    assert!(ppp_registry::credentials::verify_password(
        "a long enough passphrase",
        &hash
    ));
    db.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[rocket::async_test]
async fn audit_verify_exits_0_when_intact_1_when_tampered_and_2_on_error() {
    let dir = scratch_dir();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    assert!(run(&dir, &["load-fixtures", fixtures], &[]).status.success());
    let output = run(&dir, &["audit", "verify"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("audit log intact: 9 events, head "));
    // A release build's configuration without any secret key: verification needs none.
    let output = run(&dir, &["audit", "verify"], &[("ROCKET_PROFILE", "release")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("(signatures not checked: pass --key)"));

    let url = format!("sqlite://{}", dir.join("ppp-registry.sqlite3").display());
    let db = ppp_registry::storage::Db::connect(&url).await.unwrap();
    ppp_registry::on_pool!(db, pool => {
        sqlx::query("DROP TRIGGER audit_events_no_update").execute(pool).await.unwrap();
        sqlx::query("UPDATE audit_events SET actor_name = 'somebody' WHERE seq = 3").execute(pool).await.unwrap();
    });
    db.close().await;
    let output = run(&dir, &["audit", "verify"], &[]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "audit log BROKEN at event 3: content does not match its hash (2 events verified before it)\n"
    );

    let output = run(
        &dir,
        &["audit", "verify"],
        &[("DATABASE_URL", "postgres://ppp@127.0.0.1:9/ppp")],
    );
    assert_eq!(output.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}
