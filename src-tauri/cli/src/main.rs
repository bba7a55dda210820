//! `botdeck`: everything the desktop window does, from a terminal or a CI job.

mod catalog_cmd;
mod installs_cmd;
mod login_cmd;
mod package_cmd;
mod perms_cmd;
mod session;

use std::path::PathBuf;
use std::process::ExitCode;

use botdeck_core::config::DataPaths;
use botdeck_core::doctor::{self, CheckStatus, DoctorReport};
use clap::{Parser, Subcommand};

/// Exit codes shared by every subcommand, so scripts can rely on them.
pub mod exit {
    pub const OK: u8 = 0;
    /// The command ran and found problems (failed checks, validation errors).
    pub const FINDINGS: u8 = 1;
    /// Bad usage or input, or the command could not run.
    pub const USAGE: u8 = 2;
}

/// `botdeck --version`: the release and the commit it was built from (build.rs).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("BOTDECK_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "botdeck",
    version = VERSION,
    about = "Install, update and audit a Microsoft Teams bot app in your tenant",
    propagate_version = true
)]
struct Cli {
    /// Use this folder for the cache and settings instead of the OS default.
    #[arg(long, global = true, env = "BOTDECK_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Write logs here instead of the OS log folder.
    #[arg(long, global = true, env = "BOTDECK_LOG_DIR", value_name = "DIR")]
    log_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check that this machine can run BotDeck: data folder, cache, keyring, webview.
    Doctor {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Build, validate, version and compare Teams app packages.
    Package(package_cmd::PackageArgs),
    /// Sign in to a tenant (device code or browser); creates the profile if needed.
    Login(login_cmd::LoginArgs),
    /// Sign out: delete the profile's tokens from the keyring and its cached identity.
    Logout(login_cmd::ProfileSelect),
    /// Who is signed in, to which tenant, with which scopes and until when (never the token).
    Status(login_cmd::StatusArgs),
    /// List, switch and remove sign-in profiles.
    #[command(subcommand)]
    Profile(login_cmd::ProfileCommand),
    /// The bot in the org app catalog: list, publish, update, approve, delete.
    Catalog(catalog_cmd::Args),
    /// Where the bot is installed; sync, and install / upgrade / uninstall in bulk.
    Installs(installs_cmd::Args),
    /// The bot's Graph permissions: needed vs granted, consent links, revocation.
    Perms(perms_cmd::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let paths = match DataPaths::resolve_with(cli.data_dir.clone(), cli.log_dir.clone()) {
        Ok(paths) => paths,
        Err(err) => {
            eprintln!("botdeck: {err}");
            return ExitCode::from(exit::USAGE);
        }
    };
    // The CLI's stdout is for results (often JSON); diagnostics go to the log file and,
    // for warnings and worse, stderr.
    let _log = botdeck_core::logging::init(&paths.log_dir, "warn,botdeck=info", false);
    tracing::info!(command = ?std::env::args().nth(1), "botdeck CLI start");

    match cli.command {
        Command::Doctor { json } => run_doctor(&paths, json),
        Command::Package(args) => package_cmd::run(args),
        Command::Login(args) => login_cmd::login(&paths, args),
        Command::Logout(args) => login_cmd::logout(&paths, args),
        Command::Status(args) => login_cmd::status(&paths, args),
        Command::Profile(command) => login_cmd::profile(&paths, command),
        Command::Catalog(args) => catalog_cmd::run(&paths, args),
        Command::Installs(args) => installs_cmd::run(&paths, args),
        Command::Perms(args) => perms_cmd::run(&paths, args),
    }
}

fn run_doctor(paths: &DataPaths, json: bool) -> ExitCode {
    let report = doctor::run(paths);
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(err) => {
                eprintln!("botdeck: cannot encode the report: {err}");
                return ExitCode::from(exit::USAGE);
            }
        }
    } else {
        print!("{}", render_doctor(&report));
    }
    if report.healthy() {
        ExitCode::from(exit::OK)
    } else {
        ExitCode::from(exit::FINDINGS)
    }
}

fn render_doctor(report: &DoctorReport) -> String {
    let mut out = format!("BotDeck {}\n\n", report.version);
    for check in &report.checks {
        let mark = match check.status {
            CheckStatus::Ok => "ok  ",
            CheckStatus::Warn => "WARN",
            CheckStatus::Fail => "FAIL",
        };
        out.push_str(&format!("[{mark}] {:<24} {}\n", check.label, check.detail));
        if let Some(hint) = &check.hint {
            out.push_str(&format!("       {:<24} → {hint}\n", ""));
        }
    }
    out.push_str(&format!(
        "\nData:  {}\nCache: {}\nLogs:  {}\n",
        report.data_dir, report.database_file, report.log_file
    ));
    out
}
