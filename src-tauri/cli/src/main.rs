//! `botdeck`: everything the desktop window does, from a terminal or a CI job.

mod catalog_cmd;
mod installs_cmd;
mod links_cmd;
mod login_cmd;
mod package_cmd;
mod perms_cmd;
mod session;

use std::path::PathBuf;
use std::process::ExitCode;

use botdeck_api::error::ApiError;
use botdeck_core::config::DataPaths;
use botdeck_core::doctor::{CheckStatus, DoctorReport};
use clap::{Parser, Subcommand};

/// Exit codes shared by every subcommand, so scripts can rely on them. A failure's code is
/// always `ApiError::exit_code()` (1 or 2); these name the same numbers for results.
pub mod exit {
    pub const OK: u8 = 0;
    /// The command ran and found problems (failed checks, validation errors).
    pub const FINDINGS: u8 = botdeck_api::error::EXIT_FAILED;
    /// Bad usage or input, or the command could not run.
    pub const USAGE: u8 = botdeck_api::error::EXIT_USAGE;
}

const EXIT_CODES_HELP: &str = "Exit codes (every command):
  0  done
  1  the command ran and found problems or failed: failed checks, not signed in (status),
     Graph or network errors, items that failed in a bulk run
  2  bad usage: an unknown flag, a bad flag value (the message names the flag), an unknown
     profile, app or run; nothing was sent and nothing was changed
With --json, results are JSON on stdout and so are errors, the same object the window gets:
  {\"code\": \"invalid_input\", \"message\": \"...\", \"retryable\": false}
  (plus \"actionUrl\" when a page fixes it, e.g. admin consent). Codes invalid_input,
  invalid_request and not_found exit 2; every other code exits 1.";

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
    propagate_version = true,
    after_help = EXIT_CODES_HELP
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
    /// Teams, channels, chats and users linked to the bot's integrations: link, prove,
    /// check health, unlink, reach, export and import.
    Links(links_cmd::Args),
}

fn main() -> ExitCode {
    // Decided before parsing, so that even a command line clap refuses answers in JSON.
    let json = std::env::args_os().skip(1).any(|a| a == "--json");
    session::set_json_errors(json);
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => err.exit(), // --help, --version
        Err(err) if json => {
            let text = err.to_string();
            let first = text.lines().next().unwrap_or("bad usage");
            return session::report(&ApiError::invalid_input(
                first.trim_start_matches("error: "),
            ));
        }
        Err(err) => err.exit(), // clap's own message, exit 2
    };
    let paths = match DataPaths::resolve_with(cli.data_dir.clone(), cli.log_dir.clone()) {
        Ok(paths) => paths,
        Err(err) => {
            return session::report(&ApiError::invalid_input(err.to_string()));
        }
    };
    // The CLI's stdout is for results (often JSON); diagnostics go to the log file and,
    // for warnings and worse, stderr.
    let log = botdeck_core::logging::init(&paths.log_dir, "warn,botdeck=info", false);
    for notice in log.notices() {
        eprintln!("botdeck: {}. {}", notice.title, notice.message);
    }
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
        Command::Links(args) => links_cmd::run(&paths, args),
    }
}

fn run_doctor(paths: &DataPaths, json: bool) -> ExitCode {
    let report = match session::runtime().and_then(|rt| {
        rt.block_on(botdeck_api::settings::doctor(
            paths.clone(),
            botdeck_core::doctor::Depth::Thorough,
        ))
    }) {
        Ok(report) => report,
        Err(err) => return session::report(&err),
    };
    if json {
        if let Err(err) = session::print_json(&report) {
            return session::report(&err);
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
        "\nData:  {}\nState: {}\nCache: {}\nLogs:  {}\n",
        report.data_dir, report.state_file, report.cache_file, report.log_file
    ));
    out
}
