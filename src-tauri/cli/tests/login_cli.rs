//! `botdeck login | status | logout` as separate processes against an in-process tenant-sim.
//! Tests that store tokens need the real keyring: `make test` runs them inside
//! scripts/with-keyring.sh; a bare `cargo test` skips them (#[ignore]).

use std::path::Path;
use std::process::{Command, Output};

use tenant_sim::{RunningSim, SimConfig, TenantSize, BOTDECK_PUBLIC_CLIENT_ID};

struct Env {
    runtime: tokio::runtime::Runtime,
    sim: RunningSim,
    dir: tempfile::TempDir,
}

fn env(lifetime_secs: u64) -> Env {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sim = runtime
        .block_on(tenant_sim::start(SimConfig {
            size: TenantSize::Tiny,
            auto_approve_device_code: true,
            device_code_interval: 1,
            access_token_lifetime_secs: lifetime_secs,
            ..SimConfig::default()
        }))
        .expect("sim");
    Env {
        runtime,
        sim,
        dir: tempfile::tempdir().expect("tmp"),
    }
}

fn botdeck(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_botdeck"))
        .args(args)
        .env("BOTDECK_DATA_DIR", dir.join("data"))
        .env("BOTDECK_LOG_DIR", dir.join("logs"))
        .output()
        .expect("run botdeck")
}

fn login_args(e: &Env) -> Vec<String> {
    vec![
        "login".into(),
        "--profile".into(),
        "Sim".into(),
        "--tenant".into(),
        e.sim.tenant_id(),
        "--authority-host".into(),
        e.sim.authority_host(),
        "--graph-url".into(),
        e.sim.graph_base_url(),
        "--client-id".into(),
        BOTDECK_PUBLIC_CLIENT_ID.into(),
        "--json".into(),
    ]
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(files_under(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

#[test]
#[ignore = "needs an unlocked Secret Service: run through `make test`"]
fn login_status_refresh_and_logout_across_processes() {
    // Access tokens inside the refresh margin from the start, so `status --online` in a new
    // process must refresh from what the keyring holds.
    let e = env(60);
    let args = login_args(&e);
    let out = botdeck(
        e.dir.path(),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert!(
        out.status.success(),
        "login: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("enter the code"),
        "the code is shown on stderr: {stderr}"
    );
    let status = json(&out);
    assert_eq!(status["signedIn"], true);
    assert_eq!(status["account"], e.sim.admin_upn());
    let first_expiry = status["tokenExpiresAt"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    let out = botdeck(e.dir.path(), &["status", "--json"]);
    assert!(out.status.success());
    let status = json(&out);
    assert_eq!(status["profile"], "Sim");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.to_lowercase().contains("token\":"),
        "status never prints a token: {text}"
    );

    let out = botdeck(e.dir.path(), &["status", "--online", "--json"]);
    assert!(
        out.status.success(),
        "online status: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let refreshed = json(&out);
    assert_eq!(refreshed["account"], e.sim.admin_upn());
    assert_ne!(
        refreshed["tokenExpiresAt"].as_str().unwrap_or_default(),
        first_expiry,
        "a new process refreshed the token from the keyring"
    );

    // Nothing token-like in the data or log folders: read the real tokens back from the
    // keyring (this test runs in the same session bus) and look for them byte by byte.
    let store = botdeck_core::store::Store::open_in(&e.dir.path().join("data"))
        .expect("store")
        .0;
    let profile = botdeck_core::profiles::TenantProfiles::new(&store)
        .resolve("Sim")
        .expect("profile");
    store
        .connection()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .expect("checkpoint");
    let secrets = botdeck_core::secrets::SecretStore::new().expect("keyring");
    let record = secrets
        .get(&format!("profile:{}", profile.id))
        .expect("keyring read")
        .expect("tokens stored");
    let record: serde_json::Value = serde_json::from_str(record.expose()).expect("record");
    let needles: Vec<String> = ["access_token", "refresh_token"]
        .iter()
        .filter_map(|k| record[*k].as_str().map(str::to_string))
        .collect();
    assert_eq!(needles.len(), 2);
    let files = files_under(e.dir.path());
    assert!(
        files
            .iter()
            .any(|f| f.extension().is_some_and(|x| x == "log")),
        "a log was written"
    );
    for file in files {
        let bytes = std::fs::read(&file).expect("read");
        for needle in &needles {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "a token leaked into {}",
                file.display()
            );
        }
    }

    let out = botdeck(e.dir.path(), &["logout"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("stay valid until they expire"));
    let out = botdeck(e.dir.path(), &["status", "--json"]);
    assert_eq!(out.status.code(), Some(1), "signed out is exit 1");
    assert_eq!(json(&out)["signedIn"], false);
    assert!(secrets
        .get(&format!("profile:{}", profile.id))
        .expect("read")
        .is_none());

    // A revoked session means "sign in again", once, with no retry loop.
    let args = login_args(&e);
    let out = botdeck(
        e.dir.path(),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert!(out.status.success());
    e.sim
        .revoke_user_sessions(&e.sim.admin_upn())
        .expect("revoke");
    let out = botdeck(e.dir.path(), &["status", "--online"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("sign in again"));
    let _ = botdeck(e.dir.path(), &["logout"]);
    e.runtime.block_on(async {});
}

#[test]
fn login_is_refused_without_a_keyring_and_writes_no_token() {
    let e = env(3600);
    let args = login_args(&e);
    let out = Command::new(env!("CARGO_BIN_EXE_botdeck"))
        .args(&args)
        .env("BOTDECK_DATA_DIR", e.dir.path().join("data"))
        .env("BOTDECK_LOG_DIR", e.dir.path().join("logs"))
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    // --json: the error is the {code, message, retryable} object on stdout.
    let error = json(&out);
    assert_eq!(error["code"], "keyring", "{error}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("keyring"), "{message}");
    assert!(
        message.contains("never keeps tokens anywhere else"),
        "{message}"
    );
    // Refused before any code was issued: the simulator saw no device-code request.
    let metrics = serde_json::to_value(e.sim.metrics()).expect("metrics");
    assert_eq!(
        metrics["http_round_trips"], 0,
        "no request reached Entra: {metrics}"
    );
    // A refused sign-in leaves no half-made profile behind.
    let out = botdeck(e.dir.path(), &["profile", "list", "--json"]);
    assert_eq!(json(&out), serde_json::json!([]));
    let out = botdeck(e.dir.path(), &["status", "--profile", "Sim", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["code"], "not_found");
}

#[test]
fn bad_login_flags_are_usage_errors() {
    let e = env(3600);
    let dir = e.dir.path();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["login", "--profile", "New"], "--tenant"),
        (
            vec![
                "login",
                "--profile",
                "New",
                "--tenant",
                "contoso.onmicrosoft.com",
            ],
            "--client-id",
        ),
        (
            vec![
                "login",
                "--profile",
                "New",
                "--tenant",
                "contoso.onmicrosoft.com",
                "--cloud",
                "mars",
                "--client-id",
                BOTDECK_PUBLIC_CLIENT_ID,
            ],
            "unknown cloud",
        ),
        (
            vec![
                "login",
                "--profile",
                "New",
                "--tenant",
                "not a tenant",
                "--client-id",
                BOTDECK_PUBLIC_CLIENT_ID,
            ],
            "tenant",
        ),
        (
            vec!["login", "--device-code", "--browser"],
            "cannot be used with",
        ),
        (vec!["status", "--profile", "ghost"], "no profile named"),
    ];
    for (args, expected) in cases {
        let out = botdeck(dir, &args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    // Nothing to sign out of: not signed in (exit 1), like any command that needs a tenant.
    let out = botdeck(dir, &["logout"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no tenant is selected"), "{stderr}");
}
