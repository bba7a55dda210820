//! Entra endpoints over real loopback HTTP: every OAuth error path BotDeck must branch on.

mod common;

use std::time::Duration;

use base64::Engine;
use common::*;
use sha2::Digest;
use tenant_sim::{
    SimConfig, TenantSize, BOTDECK_PUBLIC_CLIENT_ID, DEMO_BOT_APP_ID, DEMO_BOT_CLIENT_SECRET,
};

fn assert_entra_error(body: &serde_json::Value, error: &str, code: u64) {
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["error_codes"][0], code, "{body}");
    let desc = body["error_description"].as_str().unwrap();
    assert!(desc.starts_with(&format!("AADSTS{code}:")), "{desc}");
    for k in ["timestamp", "trace_id", "correlation_id"] {
        assert!(body[k].is_string(), "{k} missing in {body}");
    }
}

async fn new_device_code(sim: &tenant_sim::RunningSim) -> serde_json::Value {
    let (s, dc) = form(
        &format!(
            "{}/organizations/oauth2/v2.0/devicecode",
            sim.authority_host()
        ),
        &[
            ("client_id", BOTDECK_PUBLIC_CLIENT_ID),
            ("scope", "User.Read offline_access openid"),
        ],
    )
    .await;
    assert_eq!(s, 200);
    dc
}

async fn poll(sim: &tenant_sim::RunningSim, device_code: &str) -> (u16, serde_json::Value) {
    form(
        &token_url(sim),
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", BOTDECK_PUBLIC_CLIENT_ID),
            ("device_code", device_code),
        ],
    )
    .await
}

#[tokio::test]
async fn device_code_pending_slow_down_then_success() {
    let sim = sim(TenantSize::Tiny).await;
    let dc = new_device_code(&sim).await;
    assert_eq!(dc["interval"], 5);
    assert_eq!(dc["expires_in"], 900);
    assert!(dc["verification_uri"]
        .as_str()
        .unwrap()
        .starts_with(&sim.base_url()));
    let code = dc["device_code"].as_str().unwrap();

    let (s, b) = poll(&sim, code).await;
    assert_eq!(s, 400);
    assert_entra_error(&b, "authorization_pending", 70016);
    // Polled again at once: faster than `interval`.
    let (_, b) = poll(&sim, code).await;
    assert_eq!(b["error"], "slow_down");
    // The interval grew by 5 s: waiting the original 5 s is still too fast.
    sim.advance_clock(Duration::from_secs(6));
    let (_, b) = poll(&sim, code).await;
    assert_eq!(b["error"], "slow_down");
    sim.advance_clock(Duration::from_secs(16));
    let (_, b) = poll(&sim, code).await;
    assert_eq!(b["error"], "authorization_pending");

    sim.approve_device_code(dc["user_code"].as_str().unwrap(), None)
        .unwrap();
    let (s, tok) = poll(&sim, code).await;
    assert_eq!(s, 200, "{tok}");
    assert_eq!(tok["token_type"], "Bearer");
    for k in ["access_token", "refresh_token", "id_token", "scope"] {
        assert!(tok[k].is_string(), "{k}");
    }
    assert!(tok["expires_in"].is_number() && tok["ext_expires_in"].is_number());
    let id_token = tok["id_token"].as_str().unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(id_token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["tid"], sim.tenant_id());
    assert_eq!(claims["preferred_username"], sim.admin_upn());
    assert!(claims["oid"].is_string() && claims["name"].is_string());

    // A device code is single use.
    let (_, b) = poll(&sim, code).await;
    assert_eq!(b["error"], "invalid_grant");
    sim.shutdown().await;
}

#[tokio::test]
async fn device_code_declined_expired_and_bad() {
    let sim = sim_with(SimConfig {
        size: TenantSize::Tiny,
        device_code_expires_in: 60,
        ..SimConfig::default()
    })
    .await;
    let dc = new_device_code(&sim).await;
    assert_eq!(dc["expires_in"], 60);
    sim.decline_device_code(dc["user_code"].as_str().unwrap())
        .unwrap();
    let (_, b) = poll(&sim, dc["device_code"].as_str().unwrap()).await;
    assert_entra_error(&b, "authorization_declined", 70000);

    let dc = new_device_code(&sim).await;
    sim.advance_clock(Duration::from_secs(61));
    let (_, b) = poll(&sim, dc["device_code"].as_str().unwrap()).await;
    assert_entra_error(&b, "expired_token", 70019);
    // An expired code can no longer be approved either.
    assert!(sim
        .approve_device_code(dc["user_code"].as_str().unwrap(), None)
        .is_err());

    let (s, b) = poll(&sim, "not-a-device-code").await;
    assert_eq!(s, 400);
    assert_eq!(b["error"], "bad_verification_code");
    sim.shutdown().await;
}

#[tokio::test]
async fn device_code_approval_over_control_endpoint_and_page() {
    let sim = sim(TenantSize::Tiny).await;
    let dc = new_device_code(&sim).await;
    let r = client()
        .post(format!("{}/_sim/device-codes/approve", sim.base_url()))
        .json(&serde_json::json!({"user_code": dc["user_code"], "upn": "alex.wilber@contoso.onmicrosoft.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (s, tok) = poll(&sim, dc["device_code"].as_str().unwrap()).await;
    assert_eq!(s, 200);
    let me = get(&sim, tok["access_token"].as_str().unwrap(), "/me").await;
    assert_eq!(
        me.body["userPrincipalName"],
        "alex.wilber@contoso.onmicrosoft.com"
    );

    // The HTML verification page approves too.
    let dc = new_device_code(&sim).await;
    let page = client()
        .get(dc["verification_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert!(page.text().await.unwrap().contains("<form"));
    let r = client()
        .post(dc["verification_uri"].as_str().unwrap())
        .form(&[
            ("user_code", dc["user_code"].as_str().unwrap()),
            ("decision", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (s, _) = poll(&sim, dc["device_code"].as_str().unwrap()).await;
    assert_eq!(s, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_client_tenant_and_grant_type() {
    let sim = sim(TenantSize::Tiny).await;
    let (s, b) = form(
        &format!(
            "{}/organizations/oauth2/v2.0/devicecode",
            sim.authority_host()
        ),
        &[
            ("client_id", "11111111-2222-3333-4444-555555555555"),
            ("scope", "User.Read"),
        ],
    )
    .await;
    assert_eq!(s, 400);
    assert_entra_error(&b, "unauthorized_client", 700016);

    let (s, b) = form(
        &format!(
            "{}/fabrikam.onmicrosoft.com/oauth2/v2.0/devicecode",
            sim.authority_host()
        ),
        &[
            ("client_id", BOTDECK_PUBLIC_CLIENT_ID),
            ("scope", "User.Read"),
        ],
    )
    .await;
    assert_eq!(s, 400);
    assert_entra_error(&b, "invalid_request", 90002);

    // The verified domain and `common` are accepted.
    for t in [sim.tenant_domain(), "common".to_string()] {
        let (s, _) = form(
            &format!("{}/{t}/oauth2/v2.0/devicecode", sim.authority_host()),
            &[
                ("client_id", BOTDECK_PUBLIC_CLIENT_ID),
                ("scope", "User.Read"),
            ],
        )
        .await;
        assert_eq!(s, 200);
    }
    let (s, b) = form(
        &format!(
            "{}/organizations/oauth2/v2.0/devicecode",
            sim.authority_host()
        ),
        &[
            ("client_id", BOTDECK_PUBLIC_CLIENT_ID),
            ("scope", "User.Nonexistent"),
        ],
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(b["error"], "invalid_scope");

    let (_, b) = form(
        &token_url(&sim),
        &[
            ("grant_type", "password"),
            ("client_id", BOTDECK_PUBLIC_CLIENT_ID),
        ],
    )
    .await;
    assert_eq!(b["error"], "unsupported_grant_type");
    let (_, b) = form(&token_url(&sim), &[("client_id", BOTDECK_PUBLIC_CLIENT_ID)]).await;
    assert_entra_error(&b, "invalid_request", 900144);
    sim.shutdown().await;
}

fn pkce() -> (String, String) {
    let verifier = "a-very-long-random-verifier-string-used-for-pkce-tests-0123456789".to_string();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

async fn authorize(
    sim: &tenant_sim::RunningSim,
    redirect: &str,
    challenge: &str,
    state: &str,
) -> reqwest::Response {
    client()
        .get(format!(
            "{}/{}/oauth2/v2.0/authorize",
            sim.authority_host(),
            sim.tenant_id()
        ))
        .query(&[
            ("client_id", BOTDECK_PUBLIC_CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", redirect),
            (
                "scope",
                "https://graph.microsoft.com/User.Read offline_access openid profile",
            ),
            ("state", state),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap()
}

fn location_params(r: &reqwest::Response) -> std::collections::HashMap<String, String> {
    let loc = r.headers()["location"].to_str().unwrap();
    let url = reqwest::Url::parse(loc).unwrap();
    url.query_pairs().into_owned().collect()
}

#[tokio::test]
async fn auth_code_pkce_single_use_and_redirect_checks() {
    // Demo size approves browser sign-ins at once.
    let sim = sim(TenantSize::Demo).await;
    let (verifier, challenge) = pkce();
    let redirect = "http://127.0.0.1:53117/";
    let r = authorize(&sim, redirect, &challenge, "st-1").await;
    assert_eq!(r.status(), 302);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with(redirect));
    let p = location_params(&r);
    assert_eq!(p["state"], "st-1");
    let code = p["code"].clone();

    let url = format!("{}/organizations/oauth2/v2.0/token", sim.authority_host());
    let redeem = |code: String, verifier: String, redirect: String| {
        let url = url.clone();
        async move {
            form(
                &url,
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", BOTDECK_PUBLIC_CLIENT_ID),
                    ("code", &code),
                    ("redirect_uri", &redirect),
                    ("code_verifier", &verifier),
                ],
            )
            .await
        }
    };
    let (_, b) = redeem(code.clone(), "wrong-verifier".into(), redirect.into()).await;
    assert_entra_error(&b, "invalid_grant", 501481);
    let (_, b) = redeem(
        code.clone(),
        verifier.clone(),
        "http://127.0.0.1:9/other".into(),
    )
    .await;
    assert_eq!(b["error"], "invalid_grant");
    let (s, tok) = redeem(code.clone(), verifier.clone(), redirect.into()).await;
    assert_eq!(s, 200, "{tok}");
    assert!(tok["refresh_token"].is_string());
    let (_, b) = redeem(code, verifier.clone(), redirect.into()).await;
    assert_entra_error(&b, "invalid_grant", 54005);

    // Loopback redirect on any port, but an unregistered redirect never redirects.
    let r = authorize(&sim, "http://localhost:40001", &challenge, "x").await;
    assert_eq!(r.status(), 302);
    let r = authorize(&sim, "https://evil.example/cb", &challenge, "x").await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("AADSTS50011"));
    sim.shutdown().await;
}

#[tokio::test]
async fn authorize_page_decline_redirects_with_error_and_state() {
    let sim = sim(TenantSize::Tiny).await; // no auto-approval outside demo
    let (_, challenge) = pkce();
    let r = authorize(&sim, "http://127.0.0.1:5000", &challenge, "st-9").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("name=\"decision\""));
    let r = client()
        .post(format!(
            "{}/{}/oauth2/v2.0/authorize",
            sim.authority_host(),
            sim.tenant_id()
        ))
        .form(&[
            ("client_id", BOTDECK_PUBLIC_CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", "http://127.0.0.1:5000"),
            ("scope", "User.Read"),
            ("state", "st-9"),
            ("decision", "decline"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let p = location_params(&r);
    assert_eq!(p["error"], "access_denied");
    assert_eq!(p["state"], "st-9");
    assert!(p["error_description"].starts_with("AADSTS65004"));
    sim.shutdown().await;
}

#[tokio::test]
async fn refresh_tokens_rotate_and_revocation_and_expiry() {
    let sim = sim(TenantSize::Tiny).await;
    let tok = device_login(&sim, "User.Read offline_access", None).await;
    let rt1 = tok["refresh_token"].as_str().unwrap().to_string();
    let refresh = |rt: String| {
        let url = token_url(&sim);
        async move {
            form(
                &url,
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", BOTDECK_PUBLIC_CLIENT_ID),
                    ("refresh_token", &rt),
                ],
            )
            .await
        }
    };
    let (s, t2) = refresh(rt1.clone()).await;
    assert_eq!(s, 200, "{t2}");
    let rt2 = t2["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, rt2);
    let (_, b) = refresh(rt1).await;
    assert_entra_error(&b, "invalid_grant", 50173);

    assert_eq!(sim.revoke_user_sessions(&sim.admin_upn()).unwrap(), 1);
    let (_, b) = refresh(rt2).await;
    assert_entra_error(&b, "invalid_grant", 50173);

    let tok = device_login(&sim, "User.Read offline_access", None).await;
    sim.advance_clock(Duration::from_secs(91 * 86_400));
    let (_, b) = refresh(tok["refresh_token"].as_str().unwrap().to_string()).await;
    assert_entra_error(&b, "invalid_grant", 700082);
    sim.shutdown().await;
}

#[tokio::test]
async fn expired_access_token_is_rejected_by_graph() {
    let sim = sim_with(SimConfig {
        size: TenantSize::Tiny,
        access_token_lifetime_secs: 120,
        ..SimConfig::default()
    })
    .await;
    let token = admin_token(&sim).await;
    assert_eq!(get(&sim, &token, "/me").await.status, 200);
    sim.advance_clock(Duration::from_secs(121));
    let r = get(&sim, &token, "/me").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["error"]["code"], "InvalidAuthenticationToken");
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("expired"));
    let r = get(&sim, "garbage", "/me").await;
    assert_eq!(r.status, 401);
    // A token forged with a different signature is refused.
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    parts[2] = "AAAA".into();
    assert_eq!(
        get(&sim, &parts.join("."), "/organization").await.status,
        401
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn non_admin_cannot_get_admin_only_scopes() {
    let sim = sim(TenantSize::Tiny).await;
    // Isaiah Langer holds no directory role; User.Read.All needs admin consent.
    let tok = device_login(
        &sim,
        "User.Read User.Read.All",
        Some("isaiah.langer@contoso.onmicrosoft.com"),
    )
    .await;
    let scope = tok["scope"].as_str().unwrap();
    assert!(
        scope.contains("User.Read") && !scope.contains("User.Read.All"),
        "{scope}"
    );
    let r = get(&sim, tok["access_token"].as_str().unwrap(), "/users").await;
    assert_eq!(r.status, 403);
    assert_eq!(r.body["error"]["code"], "Authorization_RequestDenied");
    sim.shutdown().await;
}

#[tokio::test]
async fn client_credentials_and_admin_consent() {
    let sim = sim(TenantSize::Demo).await;
    let (s, b) = form(
        &token_url(&sim),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_BOT_APP_ID),
            ("client_secret", "wrong"),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!(s, 401);
    assert_entra_error(&b, "invalid_client", 7000215);
    let (s, b) = form(
        &token_url(&sim),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_BOT_APP_ID),
            ("client_secret", DEMO_BOT_CLIENT_SECRET),
            ("scope", "User.Read"),
        ],
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(b["error"], "invalid_scope");

    let app = app_token(&sim, DEMO_BOT_APP_ID, DEMO_BOT_CLIENT_SECRET).await;
    // The bot lacks Team.ReadBasic.All in the demo tenant…
    let r = get(&sim, &app, "/teams").await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.body["error"]["code"], "Forbidden");
    // …until the admin grants tenant-wide consent.
    let r = client()
        .get(format!(
            "{}/{}/adminconsent",
            sim.authority_host(),
            sim.tenant_id()
        ))
        .query(&[
            ("client_id", DEMO_BOT_APP_ID),
            (
                "redirect_uri",
                "https://console.flashduty.example/teams/consent",
            ),
            ("state", "s1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let p = location_params(&r);
    assert_eq!(p["admin_consent"], "True");
    assert_eq!(p["tenant"], sim.tenant_id());
    assert_eq!(p["state"], "s1");
    let app = app_token(&sim, DEMO_BOT_APP_ID, DEMO_BOT_CLIENT_SECRET).await;
    assert_eq!(get(&sim, &app, "/teams").await.status, 200);
    // App-only tokens cannot use /me.
    assert_eq!(get(&sim, &app, "/me").await.status, 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn default_scope_means_what_the_registration_declares() {
    let sim = sim(TenantSize::Tiny).await;
    let admin = device_login(
        &sim,
        "https://graph.microsoft.com/.default offline_access",
        None,
    )
    .await;
    let scope = admin["scope"].as_str().unwrap();
    assert!(
        scope.contains("Team.ReadBasic.All") && scope.contains("AppCatalog.ReadWrite.All"),
        "{scope}"
    );
    let user = device_login(
        &sim,
        "https://graph.microsoft.com/.default",
        Some("isaiah.langer@contoso.onmicrosoft.com"),
    )
    .await;
    let scope = user["scope"].as_str().unwrap();
    assert!(
        scope.contains("User.Read") && !scope.contains("AppCatalog.ReadWrite.All"),
        "{scope}"
    );
    sim.shutdown().await;
}
