include!("../build_commit.rs");
include!("command_list.rs");

fn main() {
    embed_commit();
    // tauri-build keeps the names for the whole build; a build script may leak them.
    let commands: &'static [&'static str] =
        Vec::leak(COMMANDS.iter().map(|(_, name)| *name).collect());
    if let Err(problem) = write_invoke_handler().and_then(|()| check_capability(commands)) {
        eprintln!("botdeck build: {problem}");
        std::process::exit(1);
    }
    // App commands are listed so the ACL knows them: the capability file then grants each one
    // explicitly to the main window, and nothing to remote origins.
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(commands));
    if let Err(err) = tauri_build::try_build(attributes) {
        eprintln!("tauri-build failed: {err:#}");
        std::process::exit(1);
    }
}

/// `tauri::generate_handler![…]` over every listed command, for `lib.rs` to `include!`.
fn write_invoke_handler() -> std::io::Result<()> {
    println!("cargo:rerun-if-changed=src-tauri/app/command_list.rs");
    let out_dir = std::env::var("OUT_DIR").map_err(std::io::Error::other)?;
    let paths: Vec<String> = COMMANDS
        .iter()
        .map(|(module, name)| match *module {
            "" => format!("crate::commands::{name}"),
            module => format!("crate::commands::{module}::{name}"),
        })
        .collect();
    let handler = format!(
        "tauri::generate_handler![\n    {},\n]\n",
        paths.join(",\n    ")
    );
    let path = std::path::Path::new(&out_dir).join("invoke_handler.rs");
    std::fs::write(&path, handler)
}

/// The capability must grant every listed command and nothing else, by name: a command added to
/// the list but not granted would fail only at run time, in the window.
fn check_capability(commands: &[&str]) -> std::io::Result<()> {
    let file = "src-tauri/capabilities/main.json";
    println!("cargo:rerun-if-changed={file}");
    let text = std::fs::read_to_string(file)?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| std::io::Error::other(format!("{file}: {e}")))?;
    let granted: std::collections::BTreeSet<String> = json
        .get("permissions")
        .and_then(serde_json::Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(serde_json::Value::as_str)
                .filter_map(|p| p.strip_prefix("allow-"))
                .map(|p| p.replace('-', "_"))
                .collect()
        })
        .unwrap_or_default();
    let listed: std::collections::BTreeSet<String> =
        commands.iter().map(|c| c.to_string()).collect();
    let not_granted: Vec<_> = listed.difference(&granted).collect();
    let not_listed: Vec<_> = granted.difference(&listed).collect();
    if not_granted.is_empty() && not_listed.is_empty() {
        return Ok(());
    }
    Err(std::io::Error::other(format!(
        "{file} and src-tauri/app/command_list.rs disagree: listed but not granted {not_granted:?}; \
         granted but not listed {not_listed:?}"
    )))
}
