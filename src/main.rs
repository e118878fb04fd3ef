//! The `ppp-registry` command: serve the app, migrate, load fixtures, check the configuration.
//! Every failure ends with one line on stderr and a non-zero status, never a backtrace.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use ppp_registry::clock::{Clock, SystemClock};
use ppp_registry::config::Config;
use ppp_registry::domain::access::Role;
use ppp_registry::domain::account::NewAccount;
use ppp_registry::domain::audit::{AuditContext, Verdict};
use ppp_registry::domain::checkpoint::{LogKey, PublicLogKey};
use ppp_registry::domain::ids::OrgId;
use ppp_registry::domain::localized::LocalizedText;
use ppp_registry::domain::organization::{NewOrganization, OrganizationKind};
use ppp_registry::fixtures::{self, LoadOutcome};
use ppp_registry::services::{self, ServiceError};
use ppp_registry::storage::Db;
use ppp_registry::storage::blobs::LocalDirectory;

#[derive(Parser)]
#[command(
    name = "ppp-registry",
    version,
    about = "Registry and tender tracker for municipal PPP projects"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app and API (the default).
    Serve {
        /// Demo mode: load the fixtures into an empty database; a secret key is generated if none is set.
        #[arg(long)]
        demo: bool,
    },
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Replay the fixture files in DIR into an empty database.
    LoadFixtures { dir: PathBuf },
    /// Print the effective configuration, secrets redacted.
    CheckConfig,
    /// Manage accounts (the first administrator of a fresh install).
    #[command(subcommand)]
    User(UserCommand),
    /// The blob store.
    #[command(subcommand)]
    Blobs(BlobsCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the whole audit log (every link, the Merkle tree rebuilt from the events, every
    /// published checkpoint), or an export file on its own: exit 0 when intact, 1 when not, 2
    /// when it cannot be checked. Needs no secret key.
    Verify {
        /// A signed checkpoint saved elsewhere (a witness's `checkpoint` file): the log must extend it.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// The log's verifier key (shown on /transparency); default: the configured signing key's.
        #[arg(long)]
        key: Option<String>,
        /// Check this export (`GET /api/v1/audit/export?format=jsonl`) alone: no database, no configuration.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Fetch a registry's latest signed checkpoint, check it against the one kept in DIR, keep
    /// it: exit 0 when consistent, 1 naming both tree heads when history was rewritten, 2 when it
    /// cannot be checked.
    Witness {
        /// The registry's address, e.g. https://ppp.bishkek.kg
        url: String,
        /// Where the kept checkpoint and the pinned key live.
        #[arg(long)]
        state: PathBuf,
        /// The log's verifier key; default: pinned on the first run.
        #[arg(long)]
        key: Option<String>,
    },
    /// Generate a signing key for the log named ORIGIN (e.g. ppp.bishkek.kg/audit): prints the
    /// private key (for PPP_SIGNING_KEY) and its public verifier key.
    NewKey { origin: String },
}

#[derive(Subcommand)]
enum BlobsCommand {
    /// Remove the stored contents nothing refers to (ciphertext sealed for a bid that was then
    /// refused, a file whose record failed) that were last stored more than GRACE_HOURS ago;
    /// recorded in the audit log. Safe while the app runs.
    Collect {
        #[arg(long, default_value_t = 24)]
        grace_hours: u64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an active account. The password is prompted for, or read from standard input.
    Add {
        #[arg(long)]
        email: String,
        /// officer, approver, commission, bidder, reviewer or admin; repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// The organisation: its id, a municipality code (OSH), or `operator` (created if missing).
        #[arg(long)]
        org: String,
        #[arg(long)]
        full_name: String,
        /// Chair of the tender commission.
        #[arg(long)]
        chair: bool,
        /// Deputy chair of the tender commission.
        #[arg(long)]
        deputy_chair: bool,
    },
}

/// The directory demo mode loads: `fixtures/` beside the working directory.
const DEMO_FIXTURES: &str = "fixtures";

#[rocket::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Audit(command)) = cli.command {
        return audit_command(command).await;
    }
    match run(cli.command.unwrap_or(Command::Serve { demo: false })).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ppp-registry: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<(), String> {
    let demo = matches!(command, Command::Serve { demo: true });
    let config = Config::from_environment(demo).map_err(|e| e.to_string())?;
    match command {
        Command::CheckConfig => {
            println!("{config}");
            Ok(())
        }
        Command::Migrate => {
            let db = open(&config).await?;
            let version = db.schema_version().await.map_err(|e| e.to_string())?;
            println!("schema version {version} on {}", db.engine().name());
            Ok(())
        }
        Command::LoadFixtures { dir } => {
            // Fixtures may hold sealed bids: they are sealed with the keys the app opens them with.
            let (config, generated) = config.with_sealing_keys().map_err(|e| e.to_string())?;
            if let Some(path) = generated {
                println!("bid sealing key generated in {}", path.display());
            }
            let db = open(&config).await?;
            let outcome = fixtures::load_dir(
                &db,
                &dir,
                SystemClock.now(),
                config.app.demo,
                config.app.keyring.as_deref(),
                &LocalDirectory::new(&config.app.upload_dir),
            )
            .await;
            report_load(outcome.map_err(|e| e.to_string())?);
            Ok(())
        }
        Command::User(command) => add_user(&config, command).await,
        Command::Blobs(BlobsCommand::Collect { grace_hours }) => {
            if grace_hours == 0 {
                return Err("--grace-hours must be at least 1: an upload between storing its files and recording them must not lose them".into());
            }
            let db = open(&config).await?;
            let blobs = LocalDirectory::new(&config.app.upload_dir);
            let grace = std::time::Duration::from_secs(grace_hours.saturating_mul(3600));
            let collected =
                ppp_registry::services::blob_collection::collect(&db, &SystemClock, &command_line(), &blobs, grace)
                    .await
                    .map_err(|e| e.to_string())?;
            println!(
                "removed {} unreferenced blob(s); kept {} older than {grace_hours} h that records refer to",
                collected.removed, collected.kept
            );
            Ok(())
        }
        Command::Audit(_) => Err("audit commands run before the configuration is read".into()),
        Command::Serve { .. } => {
            let (config, generated) = config.with_log_key().map_err(|e| e.to_string())?;
            if let Some(path) = generated {
                println!(
                    "audit signing key generated in {} (keep it: checkpoints are signed with it)",
                    path.display()
                );
            }
            let (config, generated) = config.with_sealing_keys().map_err(|e| e.to_string())?;
            if let Some(path) = generated {
                println!(
                    "bid sealing key generated in {} (keep it: sealed bids open only with it)",
                    path.display()
                );
            }
            let db = open(&config).await?;
            if config.app.demo {
                let outcome = fixtures::load_dir(
                    &db,
                    DEMO_FIXTURES.as_ref(),
                    SystemClock.now(),
                    true,
                    config.app.keyring.as_deref(),
                    &LocalDirectory::new(&config.app.upload_dir),
                )
                .await
                .map_err(|e| e.to_string())?;
                report_load(outcome);
                print_demo_accounts(&db).await;
            }
            let rocket = ppp_registry::build(config, db, Arc::new(SystemClock));
            rocket.launch().await.map(|_| ()).map_err(|e| one_line(&e.to_string()))
        }
    }
}

/// The audit context of an operator's command: the system, from the command line.
fn command_line() -> AuditContext {
    AuditContext {
        client_address: Some("command line".into()),
        ..AuditContext::system()
    }
}

/// The `audit` commands, each with its own exit codes: 0 intact, 1 not, 2 cannot tell.
async fn audit_command(command: AuditCommand) -> ExitCode {
    let outcome = match command {
        AuditCommand::NewKey { origin } => new_key(&origin),
        AuditCommand::Witness { url, state, key } => witness(&url, &state, key.as_deref()),
        AuditCommand::Verify {
            file: Some(file), key, ..
        } => verify_export(&file, key.as_deref()),
        AuditCommand::Verify {
            checkpoint,
            key,
            file: None,
        } => verify_audit(checkpoint.as_deref(), key.as_deref()).await,
    };
    match outcome {
        Ok(intact) => {
            if intact {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("ppp-registry: {e}");
            ExitCode::from(2)
        }
    }
}

fn new_key(origin: &str) -> Result<bool, String> {
    let (key, private) = LogKey::generate(origin).map_err(|e| e.to_string())?;
    println!("signing_key (secret: PPP_SIGNING_KEY or the signing_key_file): {private}");
    println!("verifier key (public): {}", key.public().verifier_key());
    Ok(true)
}

fn witness(url: &str, state: &std::path::Path, key: Option<&str>) -> Result<bool, String> {
    use ppp_registry::witness::{self, Outcome, WitnessError};
    match witness::run(&witness::Http::new(url), state, key) {
        Ok(Outcome::First { size, root_hash }) => println!("first checkpoint kept: size {size}, root {root_hash}"),
        Ok(Outcome::Unchanged { size }) => println!("consistent: the log still has {size} events"),
        Ok(Outcome::Extended { from, to, root_hash }) => {
            println!("consistent: the log grew from {from} to {to} events, root {root_hash}")
        }
        Err(rewritten @ WitnessError::Rewritten(_)) => {
            println!("{rewritten}");
            return Ok(false);
        }
        Err(WitnessError::Failed(reason)) => return Err(reason),
    }
    Ok(true)
}

/// The log's public key: given, or the configured signing key's (never generated here); none
/// when neither is at hand (then checkpoints' roots are checked, their signatures not).
fn verification_key(config: &Config, given: Option<&str>) -> Result<Option<PublicLogKey>, String> {
    if let Some(text) = given {
        return PublicLogKey::parse(text).map(Some).map_err(|e| format!("--key: {e}"));
    }
    if let Some(key) = &config.app.log_key {
        return Ok(Some(key.public()));
    }
    let path = &config.app.signing_key_file;
    match std::fs::read_to_string(path) {
        Ok(text) => LogKey::parse(&text)
            .map(|k| Some(k.public()))
            .map_err(|e| format!("{}: {e}", path.display())),
        Err(_) => Ok(None),
    }
}

/// `audit verify`: the whole log, its tree and its checkpoints (and a saved one).
async fn verify_audit(saved: Option<&std::path::Path>, key: Option<&str>) -> Result<bool, String> {
    let config = Config::for_offline_command().map_err(|e| e.to_string())?;
    let key = verification_key(&config, key)?;
    let saved = match (saved, &key) {
        (Some(path), Some(key)) => {
            let note = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let checkpoint = key.open(&note).map_err(|e| format!("{}: {e}", path.display()))?;
            Some((checkpoint, format!("the checkpoint in {}", path.display())))
        }
        (Some(_), None) => {
            return Err("--checkpoint needs the log's key: pass --key (the verifier key on /transparency)".into());
        }
        (None, _) => None,
    };
    let db = open(&config).await?;
    let check = services::checkpoints::verify_log(&db, key.as_ref(), saved.as_ref().map(|(c, l)| (c, l.clone())))
        .await
        .map_err(|e| format!("cannot verify the audit log: {e}"))?;
    for bad in &check.bad_checkpoints {
        println!("checkpoint BROKEN: {bad}");
    }
    let v = &check.verification;
    match &v.verdict {
        Verdict::Intact { events, head } => println!(
            "audit log intact: {events} events, head {head}, Merkle root {}; the stored tree matches; {} checkpoint(s) agree{}",
            v.root_hash,
            v.heads_checked,
            match &key {
                Some(key) => format!(", signed by {}", key.verifier_key()),
                None => " (signatures not checked: pass --key)".into(),
            }
        ),
        Verdict::Broken {
            events,
            first_bad_seq,
            reason,
        } => println!("audit log BROKEN at event {first_bad_seq}: {reason} ({events} events verified before it)"),
    }
    Ok(check.intact())
}

/// `audit verify --file`: an export, line by line, with nothing else.
fn verify_export(path: &std::path::Path, key: Option<&str>) -> Result<bool, String> {
    let key = key
        .map(|k| PublicLogKey::parse(k).map_err(|e| format!("--key: {e}")))
        .transpose()?;
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    match ppp_registry::domain::audit_export::verify_lines(std::io::BufReader::new(file), key.as_ref()) {
        Ok(summary) => {
            println!("{}", summary);
            Ok(true)
        }
        Err(ppp_registry::domain::audit_export::ExportError::Unreadable(e)) => Err(format!("{}: {e}", path.display())),
        Err(bad) => {
            println!("export BROKEN: {bad}");
            Ok(false)
        }
    }
}

/// Lists the demo accounts at start-up, so whoever runs the demo can sign in.
async fn print_demo_accounts(db: &Db) {
    let Ok(accounts) = ppp_registry::storage::users::list(db, None, None, 200).await else {
        return;
    };
    let demo: Vec<_> = accounts.iter().filter(|a| a.email.ends_with("@demo.kg")).collect();
    if demo.is_empty() {
        return;
    }
    println!("demo accounts (password: demo-password):");
    for account in demo {
        let roles: Vec<&str> = account.roles.iter().map(|r| r.as_str()).collect();
        let chair = match (account.chair, account.deputy_chair) {
            (true, _) => ", chair",
            (_, true) => ", deputy chair",
            _ => "",
        };
        println!("  {:<28} {}{chair}", account.email, roles.join(", "));
    }
}

async fn add_user(config: &Config, command: UserCommand) -> Result<(), String> {
    let UserCommand::Add {
        email,
        roles,
        org,
        full_name,
        chair,
        deputy_chair,
    } = command;
    let db = open(config).await?;
    let roles = roles
        .iter()
        .map(|r| Role::parse(r).ok_or_else(|| format!("unknown role {r:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    let organization = find_organization(&db, &org).await?;
    let password = read_password()?;
    let new = NewAccount {
        email,
        full_name,
        password,
        roles,
        chair,
        deputy_chair,
    };
    match services::accounts::create(&db, &SystemClock, &command_line(), organization, &new).await {
        Ok(account) => {
            println!("created account {} ({})", account.id, account.email);
            Ok(())
        }
        Err(ServiceError::Invalid(v)) => {
            let fields: Vec<String> = v.fields().map(|(f, c)| format!("{f}: {}", c.join(", "))).collect();
            Err(format!("invalid account: {}", fields.join("; ")))
        }
        Err(ServiceError::Duplicate(field)) => Err(format!("an account with this {field} exists already")),
        Err(e) => Err(e.to_string()),
    }
}

async fn find_organization(db: &Db, org: &str) -> Result<OrgId, String> {
    use ppp_registry::storage::organizations;
    if org == "operator" {
        if let Some(found) = organizations::first_of_kind(db, OrganizationKind::Operator)
            .await
            .map_err(|e| e.to_string())?
        {
            return Ok(found.id);
        }
        let operator = NewOrganization {
            kind: OrganizationKind::Operator,
            name: LocalizedText {
                ru: "Оператор реестра МЧП".into(),
                ky: Some("МЖӨ реестринин оператору".into()),
                en: Some("PPP registry operator".into()),
            },
            code: None,
            inn: None,
            company: None,
        };
        return services::organizations::create(db, &SystemClock, &command_line(), &operator)
            .await
            .map(|o| o.id)
            .map_err(|e| e.to_string());
    }
    let found = match org.parse::<OrgId>() {
        Ok(id) => organizations::find(db, id).await,
        Err(_) => organizations::find_by_code(db, org).await,
    };
    found
        .map(|o| o.id)
        .map_err(|_| format!("no organisation {org:?} (give its id, a municipality code, or `operator`)"))
}

/// Prompts on a terminal (twice, without echo); otherwise reads one line from standard input.
fn read_password() -> Result<String, String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("password (at least 12 characters): ").map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the two passwords differ".into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map_err(|e| e.to_string())?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

/// Connects and migrates: every command that touches the database works on the current schema.
async fn open(config: &Config) -> Result<Db, String> {
    let db = Db::connect(&config.app.database_url).await.map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    Ok(db)
}

fn report_load(outcome: LoadOutcome) {
    match outcome {
        LoadOutcome::Loaded {
            files,
            steps,
            skipped: 0,
        } => {
            println!("fixtures: replayed {steps} steps from {files} files")
        }
        LoadOutcome::Loaded { files, steps, skipped } => println!(
            "fixtures: replayed {steps} steps from {files} files; skipped {skipped} demo-only steps (demo mode is off)"
        ),
        LoadOutcome::SkippedNotEmpty => println!("fixtures: the database already holds data; nothing loaded"),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
