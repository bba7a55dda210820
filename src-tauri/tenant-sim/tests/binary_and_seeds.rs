//! The `botdeck-tenant-sim` binary, and determinism of seeded tenants.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::*;
use tenant_sim::{SimConfig, TenantSize};

#[test]
fn binary_serves_a_large_tenant_and_prints_its_urls() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_botdeck-tenant-sim"))
        .args(["--size", "large", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        let done = line.starts_with("client id:");
        lines.push(line);
        if done {
            break;
        }
    }
    let field = |name: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let base = field("base URL:");
    assert!(base.starts_with("http://127.0.0.1:"), "{lines:?}");
    assert_eq!(field("Graph URL:"), format!("{base}/v1.0"));
    assert!(field("authority:").starts_with(&base));
    assert_eq!(field("admin UPN:"), "megan.bowen@contoso.onmicrosoft.com");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let state: serde_json::Value = rt.block_on(async {
        client()
            .get(format!("{base}/_sim/state"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(state["counts"]["teams"], 10_000);
    assert_eq!(state["counts"]["users"], 50_000);
    assert_eq!(state["counts"]["chats"], 2_000);
    child.kill().expect("stop the child we started");
    let _ = child.wait();
}

#[test]
fn binary_rejects_bad_flags_with_exit_code_2() {
    for args in [
        &["--size", "huge"][..],
        &["--port", "notaport"],
        &["--bogus"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_botdeck-tenant-sim"))
            .args(args)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
}

#[tokio::test]
async fn same_seed_same_tenant_other_seed_other_tenant() {
    let a = sim_with(SimConfig {
        size: TenantSize::Demo,
        seed: 7,
        ..SimConfig::default()
    })
    .await;
    let b = sim_with(SimConfig {
        size: TenantSize::Demo,
        seed: 7,
        ..SimConfig::default()
    })
    .await;
    let c = sim_with(SimConfig {
        size: TenantSize::Demo,
        seed: 8,
        ..SimConfig::default()
    })
    .await;
    assert_eq!(a.tenant_id(), b.tenant_id());
    assert_ne!(a.tenant_id(), c.tenant_id());
    let ta = admin_token(&a).await;
    let tb = admin_token(&b).await;
    let ids = |r: Resp| {
        r.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(get(&a, &ta, "/teams?$top=999").await),
        ids(get(&b, &tb, "/teams?$top=999").await)
    );
    for s in [a, b, c] {
        s.shutdown().await;
    }
}

#[test]
fn large_tenant_generation_time_is_reported() {
    let started = std::time::Instant::now();
    let t = tenant_sim::seed::build(42, TenantSize::Large);
    // Reported, not asserted: wall-clock limits make tests flaky on shared machines.
    eprintln!(
        "large tenant: {} users, {} groups, {} chats built in {:.2?}",
        t.users.len(),
        t.groups.len(),
        t.chats.len(),
        started.elapsed()
    );
    assert_eq!(t.users.len(), 50_000);
    assert_eq!(t.groups.iter().filter(|g| g.team.is_some()).count(), 10_000);
    assert!(t
        .groups
        .iter()
        .any(|g| g.team.as_ref().is_some_and(|d| d.is_archived)));
    assert!(t.users.iter().any(|u| u.guest) && t.users.iter().any(|u| !u.account_enabled));
}
