//! Fails when the TypeScript bindings committed under `ui/src/ipc/bindings/` differ from what
//! the Rust types generate. `BOTDECK_UPDATE_BINDINGS=1 cargo test -p botdeck-api --test
//! bindings` (or `make bindings`) rewrites them.

use std::collections::BTreeSet;
use std::path::PathBuf;

fn bindings_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/ipc/bindings")
}

#[test]
fn committed_bindings_match_rust_types() {
    let dir = bindings_dir();
    let generated = botdeck_api::views::all_bindings();
    let update = std::env::var_os("BOTDECK_UPDATE_BINDINGS").is_some();
    if update {
        std::fs::create_dir_all(&dir).expect("create bindings dir");
        for entry in std::fs::read_dir(&dir).expect("list bindings").flatten() {
            if entry.path().extension().is_some_and(|e| e == "ts") {
                std::fs::remove_file(entry.path()).expect("remove stale binding");
            }
        }
    }
    let mut drifted = Vec::new();
    for binding in &generated {
        let path = dir.join(&binding.file_name);
        if update {
            std::fs::write(&path, &binding.contents).expect("write binding");
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(committed) if committed == binding.contents => {}
            Ok(_) => drifted.push(format!("{} differs", binding.file_name)),
            Err(_) => drifted.push(format!("{} is missing", binding.file_name)),
        }
    }
    let expected: BTreeSet<String> = generated.iter().map(|b| b.file_name.clone()).collect();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.ends_with(".ts") && !expected.contains(&name) {
                drifted.push(format!("{name} is stale (no Rust type generates it)"));
            }
        }
    }
    assert!(
        drifted.is_empty(),
        "TypeScript bindings drifted from the Rust types: {drifted:?}. Run `make bindings`."
    );
}

/// serde_json writes 64-bit integers as plain JSON numbers; a `bigint` in the bindings would
/// make the UI's types lie. Annotate such fields with `#[ts(type = "number")]`.
#[test]
fn no_binding_claims_bigint() {
    let offenders: Vec<String> = botdeck_api::views::all_bindings()
        .into_iter()
        .filter(|b| b.contents.contains("bigint"))
        .map(|b| b.file_name)
        .collect();
    assert!(offenders.is_empty(), "bigint in {offenders:?}");
}
