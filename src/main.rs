//! The `ppp-registry` command: serve the app, migrate, load fixtures, check the configuration.
//! Every failure ends with one line on stderr and a non-zero status, never a backtrace.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use ppp_registry::clock::{Clock, SystemClock};
use ppp_registry::config::Config;
use ppp_registry::fixtures::{self, LoadOutcome};
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
}

/// The directory demo mode loads: `fixtures/` beside the working directory.
const DEMO_FIXTURES: &str = "fixtures";

#[rocket::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
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
            report_load(
                fixtures::load_dir(&db, &dir, SystemClock.now())
                    .await
                    .map_err(|e| e.to_string())?,
            );
            Ok(())
        }
        Command::Serve { .. } => {
            let db = open(&config).await?;
            if config.app.demo {
                let outcome = fixtures::load_dir(&db, DEMO_FIXTURES.as_ref(), SystemClock.now())
                    .await
                    .map_err(|e| e.to_string())?;
                report_load(outcome);
            }
            let rocket = ppp_registry::build(config, db, Arc::new(SystemClock));
            rocket.launch().await.map(|_| ()).map_err(|e| one_line(&e.to_string()))
        }
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
        LoadOutcome::Loaded { files, steps } => println!("fixtures: replayed {steps} steps from {files} files"),
        LoadOutcome::SkippedNotEmpty => println!("fixtures: the database already holds data; nothing loaded"),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
