//! The command list (`src-tauri/app/command_list.rs`) against what it must agree with and
//! build.rs cannot see: the `#[tauri::command]` functions, and the UI's command names.
//!
//! `BOTDECK_UPDATE_BINDINGS=1 cargo test --test command_list` rewrites `ui/src/ipc/commands.ts`.

use std::collections::BTreeSet;
use std::path::Path;

include!("../src-tauri/app/command_list.rs");

const UI_FILE: &str = "ui/src/ipc/commands.ts";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn typescript() -> String {
    let mut out = String::from(
        "// Generated from src-tauri/app/command_list.rs by tests/command_list.rs; do not edit.\n\
         // `BOTDECK_UPDATE_BINDINGS=1 cargo test --test command_list` regenerates it.\n\
         // `call()` only accepts these names, so the UI cannot invoke a command the app lacks.\n\n\
         export const COMMANDS = [\n",
    );
    for (_, name) in COMMANDS {
        out.push_str(&format!("  \"{name}\",\n"));
    }
    out.push_str("] as const;\n\nexport type CommandName = (typeof COMMANDS)[number];\n");
    out
}

#[test]
fn the_ui_knows_exactly_the_listed_commands() {
    let path = root().join(UI_FILE);
    let expected = typescript();
    if std::env::var_os("BOTDECK_UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &expected).expect("write commands.ts");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        committed, expected,
        "{UI_FILE} is not what command_list.rs makes; run \
         `BOTDECK_UPDATE_BINDINGS=1 cargo test --test command_list`"
    );
}

/// Every `#[tauri::command]` function, as (module under `commands`, name), read from the source.
fn declared_commands() -> BTreeSet<(String, String)> {
    let dir = root().join("src-tauri/app/commands");
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("commands folder") {
        let path = entry.expect("entry").path();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let module = if stem == "mod" { "" } else { stem }.to_string();
        let text = std::fs::read_to_string(&path).expect("command source");
        let mut after_attribute = false;
        for line in text.lines().map(str::trim) {
            if line.starts_with("#[tauri::command") {
                after_attribute = true;
                continue;
            }
            if after_attribute && line.contains("fn ") {
                let name = line
                    .split("fn ")
                    .nth(1)
                    .and_then(|rest| rest.split(['<', '(']).next())
                    .unwrap_or_default()
                    .trim()
                    .to_string();
                found.insert((module.clone(), name));
                after_attribute = false;
            }
        }
    }
    found
}

#[test]
fn every_command_function_is_listed_and_every_listed_one_exists() {
    let listed: BTreeSet<(String, String)> = COMMANDS
        .iter()
        .map(|(m, n)| (m.to_string(), n.to_string()))
        .collect();
    let declared = declared_commands();
    assert!(
        declared.len() > 10,
        "the scan found too few commands ({declared:?})"
    );
    let unlisted: Vec<_> = declared.difference(&listed).collect();
    let missing: Vec<_> = listed.difference(&declared).collect();
    assert!(
        unlisted.is_empty() && missing.is_empty(),
        "declared with #[tauri::command] but not in command_list.rs: {unlisted:?}; \
         listed but not declared: {missing:?}"
    );
}

#[test]
fn names_are_unique() {
    let mut seen = BTreeSet::new();
    for (_, name) in COMMANDS {
        assert!(seen.insert(*name), "{name} is listed twice");
    }
}
