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

/// Signs profile `T` in to the simulator for `feature` (device code, approved by the sim).
pub fn login_to_sim(sim: &tenant_sim::RunningSim, data: &Path, feature: &str) {
    let out = tokio::task::block_in_place(|| {
        botdeck(
            &[
                "login",
                "--profile",
                "T",
                "--tenant",
                &sim.tenant_id(),
                "--authority-host",
                &sim.base_url(),
                "--graph-url",
                &sim.graph_base_url(),
                "--client-id",
                tenant_sim::BOTDECK_PUBLIC_CLIENT_ID,
                "--feature",
                feature,
            ],
            data,
        )
    });
    assert!(out.status.success(), "{}", text(&out));
}
