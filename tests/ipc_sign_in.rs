//! The window's sign-in (`create_profile` then `sign_in_device_code`) against the embedded demo
//! tenant (tenant-sim): a tenant added in the window whose first sign-in is refused — code
//! declined or expired, unknown tenant, unknown client id — leaves no profile row and no keyring
//! entry behind. A cancel, an unreachable network and a profile that has signed in before keep
//! their profile.
//!
//! These need the OS keyring (tokens only ever go there): run them through
//! `scripts/with-keyring.sh cargo test -p botdeck --test ipc_sign_in -- --include-ignored`.

mod common;

use std::time::{Duration, Instant};

use botdeck_app::{AppState, StartupOptions};
use botdeck_core::config::DataPaths;
use common::*;
use serde_json::{json, Value};
use tauri::Manager;

const CHANNEL: &str = "__CHANNEL__:7";
const UNKNOWN_CLIENT: &str = "0badc0de-0000-4000-8000-000000000001";

struct Demo {
    h: Harness,
    _tmp: tempfile::TempDir,
}

impl Demo {
    fn start() -> Self {
        let tmp = tempfile::tempdir().expect("tmp");
        let options = StartupOptions {
            demo: true,
            ..StartupOptions::default()
        };
        let h = harness_with(AppState::start(
            DataPaths::under(tmp.path()),
            &options,
            None,
        ));
        let demo = Demo { h, _tmp: tmp };
        demo.sim().update_settings(|s| {
            s.device_code_interval = 1;
            s.auto_approve_device_code = false;
        });
        demo
    }

    fn state(&self) -> tauri::State<'_, AppState> {
        self.h.app.state::<AppState>()
    }

    fn sim(&self) -> &tenant_sim::RunningSim {
        &self.state().inner().demo.as_ref().expect("demo tenant").sim
    }

    /// Adds a tenant the way the "Add a tenant" dialog does; answers its id.
    fn add(&self, name: &str, tenant: &str, authority: &str, client: &str) -> String {
        let session = invoke(
            &self.h,
            "create_profile",
            json!({"name": name, "tenant": tenant, "clientId": client,
                   "cloud": {"kind": "custom", "authorityHost": authority,
                             "graphBaseUrl": self.sim().graph_base_url()}}),
        )
        .expect("profile added");
        assert_eq!(session["current"]["name"], name);
        session["current"]["id"].as_str().expect("id").to_string()
    }

    fn add_sim_tenant(&self, name: &str) -> String {
        let sim = self.sim();
        self.add(
            name,
            &sim.tenant_id(),
            &sim.authority_host(),
            tenant_sim::BOTDECK_PUBLIC_CLIENT_ID,
        )
    }

    fn sign_in(&self, id: &str) -> Result<Value, Value> {
        invoke(
            &self.h,
            "sign_in_device_code",
            json!({"profileId": id, "feature": "read_tenant", "onEvent": CHANNEL}),
        )
    }

    /// Starts the sign-in, waits for its device code and lets `decide` act on it (as the admin
    /// would in the browser), then answers the command's result.
    fn sign_in_deciding(&self, id: &str, decide: impl FnOnce(&str)) -> Result<Value, Value> {
        // Codes of earlier (cancelled) sign-ins stay pending in the tenant; this one is new.
        let earlier = self.sim().pending_user_codes();
        // The app is not shared across threads; its window is, as in the real shell.
        let window = self.h.window.clone();
        let args = json!({"profileId": id, "feature": "read_tenant", "onEvent": CHANNEL});
        let running = std::thread::spawn(move || {
            tauri::test::get_ipc_response(
                &window,
                request(
                    "sign_in_device_code",
                    tauri::ipc::InvokeBody::Json(args),
                    &[],
                ),
            )
            .map(|body| body.deserialize::<Value>().expect("json response"))
        });
        let code = wait_for_code(self.sim(), &earlier);
        decide(&code);
        running.join().expect("sign-in thread")
    }

    fn profile_names(&self) -> Vec<String> {
        let session = invoke(&self.h, "get_session", json!({})).expect("session");
        session["profiles"]
            .as_array()
            .expect("profiles")
            .iter()
            .filter_map(|p| p["name"].as_str().map(str::to_string))
            .collect()
    }

    fn has_tokens(&self, id: &str) -> bool {
        self.state()
            .authenticator()
            .expect("keyring")
            .has_tokens(id)
            .expect("keyring read")
    }

    /// A refused first sign-in: the error says what happened and that the tenant was not kept;
    /// no row, no token.
    fn assert_left_nothing(&self, name: &str, id: &str, result: Result<Value, Value>) {
        let err = result.expect_err("refused");
        assert_ne!(err["code"], "cancelled", "{err}");
        assert!(
            err["message"]
                .as_str()
                .is_some_and(|m| m.contains(&format!("did not keep the tenant \"{name}\""))),
            "{err}"
        );
        assert!(
            !self.profile_names().contains(&name.to_string()),
            "{name} is gone: {:?}",
            self.profile_names()
        );
        assert!(!self.has_tokens(id), "no keyring entry for {name}");
        let err = self.sign_in(id).expect_err("the profile is gone");
        assert_eq!(err["code"], "not_found");
    }
}

fn wait_for_code(sim: &tenant_sim::RunningSim, earlier: &[String]) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(code) = sim
            .pending_user_codes()
            .into_iter()
            .find(|c| !earlier.contains(c))
        {
            return code;
        }
        assert!(Instant::now() < deadline, "no device code was issued");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
#[ignore = "needs an unlocked Secret Service: run through scripts/with-keyring.sh"]
fn a_declined_device_code_leaves_no_profile_and_no_token() {
    let d = Demo::start();
    let id = d.add_sim_tenant("Declined");
    let result = d.sign_in_deciding(&id, |code| {
        d.sim().decline_device_code(code).expect("declined");
    });
    assert_eq!(
        result.as_ref().err().map(|e| e["code"].clone()),
        Some(json!("sign_in_failed"))
    );
    d.assert_left_nothing("Declined", &id, result);
}

#[test]
#[ignore = "needs an unlocked Secret Service: run through scripts/with-keyring.sh"]
fn an_expired_device_code_leaves_no_profile_and_no_token() {
    let d = Demo::start();
    let id = d.add_sim_tenant("Expired");
    let result = d.sign_in_deciding(&id, |_| {
        d.sim().advance_clock(Duration::from_secs(3600));
    });
    assert_eq!(
        result.as_ref().err().map(|e| e["code"].clone()),
        Some(json!("sign_in_failed"))
    );
    d.assert_left_nothing("Expired", &id, result);
}

#[test]
#[ignore = "needs an unlocked Secret Service: run through scripts/with-keyring.sh"]
fn an_unknown_tenant_or_client_id_leaves_no_profile_and_no_token() {
    let d = Demo::start();
    let authority = d.sim().authority_host();
    let id = d.add(
        "Wrong tenant",
        "fabrikam-unknown.onmicrosoft.com",
        &authority,
        tenant_sim::BOTDECK_PUBLIC_CLIENT_ID,
    );
    let result = d.sign_in(&id);
    d.assert_left_nothing("Wrong tenant", &id, result);

    let tenant = d.sim().tenant_id();
    let id = d.add("Wrong client", &tenant, &authority, UNKNOWN_CLIENT);
    let result = d.sign_in(&id);
    d.assert_left_nothing("Wrong client", &id, result);
    // The demo profile the window opened with is untouched, and current again.
    let session = invoke(&d.h, "get_session", json!({})).expect("session");
    assert_eq!(session["current"]["name"], "Contoso (demo)", "{session}");
}

#[test]
#[ignore = "needs an unlocked Secret Service: run through scripts/with-keyring.sh"]
fn a_cancel_an_unreachable_network_and_a_proven_profile_keep_their_profile() {
    let d = Demo::start();
    // Cancelled: the admin only stopped; the tenant they added stays.
    let id = d.add_sim_tenant("Cancelled");
    let result = d.sign_in_deciding(&id, |_| {
        assert_eq!(invoke(&d.h, "cancel_sign_in", json!({})), Ok(json!(true)));
    });
    assert_eq!(result.expect_err("cancelled")["code"], "cancelled");
    assert!(d.profile_names().contains(&"Cancelled".to_string()));

    // Nothing listens on the discard port: its settings were never judged, "Try again" may work.
    let tenant = d.sim().tenant_id();
    let id = d.add(
        "Offline",
        &tenant,
        "http://127.0.0.1:9",
        tenant_sim::BOTDECK_PUBLIC_CLIENT_ID,
    );
    let err = d.sign_in(&id).expect_err("unreachable");
    assert_eq!(err["code"], "offline", "{err}");
    assert!(d.profile_names().contains(&"Offline".to_string()));

    // Signed in once: a later refusal is not a half-made profile.
    let id = d.add_sim_tenant("Proven");
    let result = d.sign_in_deciding(&id, |code| {
        d.sim().approve_device_code(code, None).expect("approved");
    });
    assert_eq!(result.expect("signed in")["signedIn"], true);
    assert!(d.has_tokens(&id));
    invoke(&d.h, "sign_out", json!({"profileId": id})).expect("signed out");
    assert!(!d.has_tokens(&id));
    let result = d.sign_in_deciding(&id, |code| {
        d.sim().decline_device_code(code).expect("declined");
    });
    let err = result.expect_err("declined");
    assert_eq!(err["code"], "sign_in_failed");
    assert!(
        !err["message"]
            .as_str()
            .unwrap_or("")
            .contains("did not keep"),
        "{err}"
    );
    assert!(d.profile_names().contains(&"Proven".to_string()));
    assert!(!d.has_tokens(&id));
}
