//! What every CLI test does: run the built `botdeck` on its own data folder and read its answer.
// Each test file compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

pub fn botdeck(args: &[&str], data: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_botdeck"))
        .args(args)
        .env("BOTDECK_DATA_DIR", data.join("data"))
        .env("BOTDECK_LOG_DIR", data.join("logs"))
        .output()
        .expect("run botdeck")
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(out)))
}
