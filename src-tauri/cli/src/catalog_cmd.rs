//! `botdeck catalog ...` (owned by the issue that builds `botdeck_core::catalog`).

use std::process::ExitCode;

use botdeck_core::config::DataPaths;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {}

pub fn run(_paths: &DataPaths, args: Args) -> ExitCode {
    match args.command {}
}
