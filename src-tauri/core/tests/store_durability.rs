//! What the tenant cannot give back survives any damage to the cache; a damaged state database
//! comes back from its backup. Real SQLite files, damaged the way disks and crashes damage them.

use std::path::Path;
use std::sync::Mutex;

use botdeck_core::audit::{self, AuditEntry, Outcome};
use botdeck_core::catalog::Actor;
use botdeck_core::config::Cloud;
use botdeck_core::installs::bulk::{self, BulkAction, BulkPlan, PlannedItem};
use botdeck_core::installs::TargetKind;
use botdeck_core::links::{self, LinkFilter, SeedLink};
use botdeck_core::profiles::{NewTenantProfile, TenantProfiles};
use botdeck_core::store::{self, CacheCheck, Store, CACHE_FILE, STATE_FILE};

const PAGE: usize = 4096;

fn new_profile(name: &str) -> NewTenantProfile {
    NewTenantProfile {
        name: name.into(),
        tenant: "contoso.onmicrosoft.com".into(),
        cloud: Cloud::Global,
        client_id: "00000000-0000-0000-0000-0000000000aa".into(),
    }
}

const TEAM: &str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const USER: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

/// Two profiles, a setting, three audit entries, a bulk run of 40 items, two links, and a
/// cache with an inventory of 2 000 rows (so the cache spans many pages).
fn populate(dir: &Path) -> String {
    let (store, _) = Store::open_in(dir).expect("open");
    let profiles = TenantProfiles::new(&store);
    let contoso = profiles
        .create(&new_profile("Contoso"), false)
        .expect("profile");
    profiles
        .create(&new_profile("Fabrikam"), false)
        .expect("profile");
    store.set_setting("ui.theme", "dark").expect("setting");
    let seeds = [
        SeedLink {
            vendor: "flashduty".into(),
            app_id: botdeck_core::ids::CatalogAppId::parse("d5a7c3e1-2f4b-4c6d-8e9f-0a1b2c3d4e5f")
                .ok(),
            integration_id: "fd-int-42".into(),
            integration_name: "Payments on-call".into(),
            kind: "team".into(),
            team_id: Some(TEAM.into()),
            channel_id: Some("19:general@thread.tacv2".into()),
            chat_id: None,
            user_id: None,
            target_name: "Payments".into(),
            state: "linked".into(),
            command_at_ms: 1_700_000_000_000,
        },
        SeedLink {
            vendor: "flashduty".into(),
            app_id: botdeck_core::ids::CatalogAppId::parse("d5a7c3e1-2f4b-4c6d-8e9f-0a1b2c3d4e5f")
                .ok(),
            integration_id: "fd-int-42".into(),
            integration_name: "Payments on-call".into(),
            kind: "user".into(),
            team_id: None,
            channel_id: None,
            chat_id: None,
            user_id: Some(USER.into()),
            target_name: "Adele Vance".into(),
            state: "awaiting".into(),
            command_at_ms: 0,
        },
    ];
    let seeded = links::seed_demo(&store, &link_actor(&contoso.id), &seeds).expect("links");
    assert_eq!(seeded, 2, "both links were made");
    for i in 0..3 {
        audit::record(
            &store,
            &AuditEntry {
                profile_id: None,
                tenant_id: Some("t".into()),
                actor: "admin@contoso.com".into(),
                action: "install".into(),
                target_kind: "team".into(),
                target_id: format!("team-{i}"),
                target_name: Some(format!("Team {i}")),
                outcome: Outcome::Succeeded,
                detail: None,
                request_id: None,
            },
        )
        .expect("audit");
    }
    let conn = store.connection();
    conn.execute_batch("BEGIN").expect("begin");
    for i in 0..2000 {
        conn.execute(
            "INSERT INTO inventory_item (app_id, kind, target_id, display_name, seen_generation)
             VALUES ('app', 'team', ?1, ?2, 1)",
            [
                format!("team-{i:05}"),
                format!("Team {i:05} {}", "x".repeat(120)),
            ],
        )
        .expect("inventory row");
    }
    conn.execute_batch("COMMIT").expect("commit");
    let store = Mutex::new(store);
    let plan = BulkPlan {
        action: BulkAction::Install,
        app_id: botdeck_core::ids::CatalogAppId::parse("app").expect("a catalog id"),
        app_name: "FlashDuty".into(),
        target_version: Some("1.0.0".into()),
        consent: vec![],
        items: (0..40)
            .map(|i| PlannedItem {
                kind: TargetKind::Team,
                target_id: format!("team-{i:05}"),
                target_name: Some(format!("Team {i:05}")),
                installation_id: None,
                from_version: None,
                note: None,
            })
            .collect(),
        skipped: vec![],
        warnings: vec![],
    };
    let actor = Actor {
        profile_id: None,
        tenant_id: Some("t".into()),
        upn: "admin@contoso.com".into(),
    };
    let run_id = bulk::create_run(&store, &plan, &actor).expect("run");
    // Checkpoint both WAL files, so the damage below hits the database files themselves.
    let store = store.into_inner().expect("store");
    store
        .connection()
        .execute_batch(
            "PRAGMA main.wal_checkpoint(TRUNCATE); PRAGMA cache.wal_checkpoint(TRUNCATE);",
        )
        .expect("checkpoint");
    run_id
}

fn link_actor(profile_id: &str) -> Actor {
    Actor {
        profile_id: Some(profile_id.to_string()),
        tenant_id: Some("t".into()),
        upn: "admin@contoso.com".into(),
    }
}

/// Every row that cannot be rebuilt from the tenant, read back with its content.
fn assert_state_kept(store: &Store, run_id: &str) {
    let all = TenantProfiles::new(store).list().expect("profiles");
    let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Contoso", "Fabrikam"]);
    assert!(all.iter().all(|p| p.tenant == "contoso.onmicrosoft.com"
        && p.client_id == "00000000-0000-0000-0000-0000000000aa"));
    assert_eq!(
        store.setting("ui.theme").expect("setting").as_deref(),
        Some("dark")
    );

    let mut audited: Vec<String> = audit::recent(store, 100)
        .expect("audit")
        .into_iter()
        .map(|a| format!("{} {} {}", a.entry.action, a.entry.target_id, a.entry.actor))
        .collect();
    audited.sort();
    assert_eq!(
        audited[..3],
        [
            "install team-0 admin@contoso.com",
            "install team-1 admin@contoso.com",
            "install team-2 admin@contoso.com"
        ]
    );
    let linking: Vec<&str> = audited[3..]
        .iter()
        .map(|a| a.split(' ').next().unwrap_or_default())
        .collect();
    assert_eq!(
        linking,
        ["link.add", "link.add", "link.integration_add"],
        "the links' own audit entries too"
    );

    let run = bulk::summary(store, run_id).expect("the bulk journal is still there");
    assert_eq!(
        (run.total, run.app_name.as_str()),
        (40, "FlashDuty"),
        "{run:?}"
    );
    let items = bulk::run_items(store, run_id, None).expect("journal items");
    let targets: Vec<&str> = items.iter().map(|i| i.target_id.as_str()).collect();
    let expected: Vec<String> = (0..40).map(|i| format!("team-{i:05}")).collect();
    assert_eq!(targets, expected, "every journal item, in order");

    let contoso = all.iter().find(|p| p.name == "Contoso").expect("Contoso");
    let mut kept: Vec<String> = links::list(store, Some(&contoso.id), &LinkFilter::default())
        .expect("links")
        .into_iter()
        .map(|l| {
            format!(
                "{} {} {}",
                l.integration.external_id,
                l.target_name,
                l.team_id.or(l.user_id).unwrap_or_default()
            )
        })
        .collect();
    kept.sort();
    assert_eq!(
        kept,
        [
            format!("fd-int-42 Adele Vance {USER}"),
            format!("fd-int-42 Payments {TEAM}")
        ]
    );
}

/// Overwrites every page but the first: the header still says "SQLite", nothing else is true.
fn scribble_all_but_first_page(path: &Path) {
    let mut bytes = std::fs::read(path).expect("read");
    assert!(bytes.len() > 8 * PAGE, "fixture too small: {}", bytes.len());
    let mut x: u32 = 0x2545_F491;
    for b in &mut bytes[PAGE..] {
        // xorshift: garbage that is not a repeating pattern
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b = x as u8;
    }
    std::fs::write(path, &bytes).expect("write");
}

#[test]
fn a_garbage_cache_loses_no_profile_audit_entry_or_bulk_journal() {
    let dir = tempfile::tempdir().expect("tmp");
    let run_id = populate(dir.path());
    scribble_all_but_first_page(&dir.path().join(CACHE_FILE));

    let (store, report) = Store::open_in(dir.path()).expect("BotDeck starts");
    let moved = report
        .cache_moved_to
        .clone()
        .expect("the damaged cache was moved aside");
    assert!(
        Path::new(&moved).exists(),
        "the damaged cache is kept for support"
    );
    #[cfg(unix)]
    assert_eq!(
        botdeck_core::private::mode_of(Path::new(&moved)),
        Some(0o600),
        "the copy kept aside is as private as the cache was"
    );
    assert!(report.state_damaged_moved_to.is_none());
    assert_state_kept(&store, &run_id);
    let rows: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM inventory_item", [], |r| r.get(0))
        .expect("the new cache is usable");
    assert_eq!(
        rows, 0,
        "the mirror starts empty and is refilled by the next sync"
    );
    assert!(report
        .notices()
        .iter()
        .any(|n| n.id == "cache-recreated" && n.message.contains("untouched")));
}

#[test]
fn a_deleted_cache_is_simply_started_again() {
    let dir = tempfile::tempdir().expect("tmp");
    let run_id = populate(dir.path());
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.path().join(format!("{CACHE_FILE}{suffix}")));
    }
    let (store, report) = Store::open_in(dir.path()).expect("starts");
    assert!(report.notices().is_empty(), "{:?}", report.notices());
    assert_state_kept(&store, &run_id);
}

#[test]
fn a_damaged_state_database_comes_back_from_its_backup() {
    let dir = tempfile::tempdir().expect("tmp");
    let run_id = populate(dir.path());
    {
        let (store, _) = Store::open_in(dir.path()).expect("open");
        store.back_up_state().expect("backup");
    }
    let state = dir.path().join(STATE_FILE);
    scribble_all_but_first_page(&state);

    let (store, report) = Store::open_in(dir.path()).expect("BotDeck starts");
    assert!(report.state_damaged_moved_to.is_some());
    let backup = report
        .state_restored_from
        .clone()
        .expect("restored from a backup");
    assert!(backup.contains("backups"), "{backup}");
    assert_state_kept(&store, &run_id);
    let rows: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM inventory_item", [], |r| r.get(0))
        .expect("cache");
    assert_eq!(rows, 2000, "the cache was not touched");
    assert!(report.notices().iter().any(|n| n.id == "state-restored"));
}

#[test]
fn a_damaged_state_database_skips_a_damaged_backup_for_an_older_good_one() {
    let dir = tempfile::tempdir().expect("tmp");
    let run_id = populate(dir.path());
    {
        let (store, _) = Store::open_in(dir.path()).expect("open");
        store.back_up_state().expect("backup");
        let newest = store.back_up_state().expect("second backup");
        std::fs::write(&newest, b"not a database").expect("damage the newest backup");
    }
    std::fs::write(dir.path().join(STATE_FILE), b"not a database either").expect("damage");
    let (store, report) = Store::open_in(dir.path()).expect("starts");
    assert!(report.state_restored_from.is_some());
    assert_state_kept(&store, &run_id);
}

#[test]
fn a_damaged_state_database_without_a_backup_says_so() {
    let dir = tempfile::tempdir().expect("tmp");
    populate(dir.path());
    std::fs::remove_dir_all(dir.path().join(store::BACKUP_DIR)).expect("no backups");
    std::fs::write(dir.path().join(STATE_FILE), b"garbage").expect("damage");
    let (store, report) = Store::open_in(dir.path()).expect("starts");
    assert!(report.state_damaged_moved_to.is_some());
    assert!(report.state_restored_from.is_none());
    assert!(report.notices().iter().any(|n| n.id == "state-lost"));
    assert!(TenantProfiles::new(&store).list().expect("list").is_empty());
}

#[test]
fn index_only_damage_is_reindexed_after_an_unclean_shutdown() {
    let dir = tempfile::tempdir().expect("tmp");
    populate(dir.path());
    // Change one key inside the name index (not the table): the index now disagrees with the
    // table, which quick_check does not notice and integrity_check does.
    let path = dir.path().join(CACHE_FILE);
    let root: i64 = {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.query_row(
            "SELECT rootpage FROM sqlite_master WHERE name = 'inventory_item_pending'",
            [],
            |r| r.get(0),
        )
        .expect("root page")
    };
    let mut bytes = std::fs::read(&path).expect("read");
    // The index is (app_id, checked_generation): flip the first 'app' key found in a page of the
    // index by walking from the root's page; every leaf of a small index holds 'app' keys.
    let index_pages = index_page_numbers(&path, "inventory_item_pending");
    assert!(!index_pages.is_empty(), "root {root}");
    let page = index_pages[index_pages.len() / 2];
    let start = (page as usize - 1) * PAGE;
    let at = bytes[start..start + PAGE]
        .windows(3)
        .rposition(|w| w == b"app")
        .expect("a key in the index page")
        + start;
    bytes[at] = b'b'; // "bpp" sorts after every "app": the page stays well ordered
    std::fs::write(&path, &bytes).expect("write");

    // A clean start's quick_check does not see it...
    {
        let (_, report) = Store::open_in(dir.path()).expect("open");
        assert!(!report.cache_reindexed && report.cache_moved_to.is_none());
        // ...and a crash (no clean close) leaves the in-use marker behind.
        Store::open_in(dir.path())
            .expect("open again")
            .0
            .close_as_if_crashed();
    }
    let (store, report) = Store::open_in(dir.path()).expect("open after the crash");
    assert!(report.cache_checked_thoroughly);
    assert!(report.cache_reindexed, "{report:?}");
    assert!(report.cache_moved_to.is_none(), "no data lost");
    let check: String = store
        .connection()
        .query_row("PRAGMA cache.integrity_check", [], |r| r.get(0))
        .expect("check");
    assert_eq!(check, "ok");
    let rows: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM inventory_item INDEXED BY inventory_item_pending
             WHERE app_id = 'app' AND checked_generation = 0",
            [],
            |r| r.get(0),
        )
        .expect("query through the index");
    assert_eq!(rows, 2000);
    drop(store);
    let (_, report) = Store::open_in(dir.path()).expect("clean start");
    assert!(!report.cache_checked_thoroughly, "the crash is dealt with");
}

#[test]
fn doctor_check_finds_index_damage_that_quick_check_misses() {
    let dir = tempfile::tempdir().expect("tmp");
    populate(dir.path());
    let path = dir.path().join(CACHE_FILE);
    let pages = index_page_numbers(&path, "inventory_item_pending");
    let mut bytes = std::fs::read(&path).expect("read");
    let page = pages[pages.len() / 2];
    let start = (page as usize - 1) * PAGE;
    let at = bytes[start..start + PAGE]
        .windows(3)
        .rposition(|w| w == b"app")
        .expect("key")
        + start;
    bytes[at] = b'b';
    std::fs::write(&path, &bytes).expect("write");
    let (_, report) = Store::open_in_with(dir.path(), CacheCheck::Thorough).expect("open");
    assert!(report.cache_reindexed, "{report:?}");
}

/// The pages of an index b-tree, read with SQLite's `dbstat` when compiled in, else a walk.
fn index_page_numbers(path: &Path, index: &str) -> Vec<u32> {
    let conn = rusqlite::Connection::open(path).expect("open");
    let root: u32 = conn
        .query_row(
            "SELECT rootpage FROM sqlite_master WHERE name = ?1",
            [index],
            |r| r.get(0),
        )
        .expect("root");
    drop(conn);
    // Walk interior pages: an index b-tree page starts with 0x02 (interior) or 0x0A (leaf).
    let bytes = std::fs::read(path).expect("read");
    let mut leaves = Vec::new();
    let mut pending = vec![root];
    while let Some(page) = pending.pop() {
        let start = (page as usize - 1) * PAGE;
        let header = if page == 1 { start + 100 } else { start };
        match bytes[header] {
            0x0A => leaves.push(page),
            0x02 => {
                let cells = u16::from_be_bytes([bytes[header + 3], bytes[header + 4]]) as usize;
                let right = u32::from_be_bytes([
                    bytes[header + 8],
                    bytes[header + 9],
                    bytes[header + 10],
                    bytes[header + 11],
                ]);
                pending.push(right);
                for c in 0..cells {
                    let ptr_at = header + 12 + 2 * c;
                    let cell =
                        u16::from_be_bytes([bytes[ptr_at], bytes[ptr_at + 1]]) as usize + start;
                    pending.push(u32::from_be_bytes([
                        bytes[cell],
                        bytes[cell + 1],
                        bytes[cell + 2],
                        bytes[cell + 3],
                    ]));
                }
            }
            other => panic!("page {page} is not an index page ({other:#x})"),
        }
    }
    leaves.sort_unstable();
    leaves
}
