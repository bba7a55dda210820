//! `botdeck package ...` (owned by the package studio work).
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct PackageArgs {}

pub fn run(_args: PackageArgs) -> ExitCode {
    ExitCode::SUCCESS
}
