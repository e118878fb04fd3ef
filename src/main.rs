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
use ppp_registry::domain::ids::OrgId;
use ppp_registry::domain::localized::LocalizedText;
use ppp_registry::domain::organization::{NewOrganization, OrganizationKind};
use ppp_registry::fixtures::{self, LoadOutcome};
use ppp_registry::services::{self, ServiceError};
use ppp_registry::storage::Db;

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
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check every link of the audit log: exit 0 when intact, 1 when not, 2 on error.
    Verify,
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
    },
}

/// The directory demo mode loads: `fixtures/` beside the working directory.
const DEMO_FIXTURES: &str = "fixtures";

#[rocket::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Audit(AuditCommand::Verify)) = cli.command {
        return match Config::from_environment(false) {
            Ok(config) => verify_audit(&config).await,
            Err(e) => {
                eprintln!("ppp-registry: {e}");
                ExitCode::from(2)
            }
        };
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
            let db = open(&config).await?;
            let outcome = fixtures::load_dir(&db, &dir, SystemClock.now(), config.app.demo).await;
            report_load(outcome.map_err(|e| e.to_string())?);
            Ok(())
        }
        Command::User(command) => add_user(&config, command).await,
        Command::Audit(AuditCommand::Verify) => Err("audit verify runs before the configuration is read".into()),
        Command::Serve { .. } => {
            let db = open(&config).await?;
            if config.app.demo {
                let outcome = fixtures::load_dir(&db, DEMO_FIXTURES.as_ref(), SystemClock.now(), true)
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

/// `audit verify`: exit 0 when intact, 1 when not, 2 when it cannot be checked.
async fn verify_audit(config: &Config) -> ExitCode {
    let checked = match open(config).await {
        Ok(db) => ppp_registry::storage::audit::verify(&db)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    match checked {
        Ok(Verdict::Intact { events, head }) => {
            println!("audit log intact: {events} events, head {head}");
            ExitCode::SUCCESS
        }
        Ok(Verdict::Broken {
            events,
            first_bad_seq,
            reason,
        }) => {
            println!("audit log BROKEN at event {first_bad_seq}: {reason} ({events} events verified before it)");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("ppp-registry: cannot verify the audit log: {e}");
            ExitCode::from(2)
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
        let chair = if account.chair { ", chair" } else { "" };
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
