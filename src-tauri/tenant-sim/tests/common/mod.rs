#![allow(dead_code)]

use serde_json::Value;
use tenant_sim::{RunningSim, SimConfig, TenantSize, BOTDECK_PUBLIC_CLIENT_ID};

pub const ALL_ADMIN_SCOPES: &str = "https://graph.microsoft.com/User.Read https://graph.microsoft.com/User.Read.All \
https://graph.microsoft.com/Group.Read.All https://graph.microsoft.com/Team.ReadBasic.All \
https://graph.microsoft.com/Channel.ReadBasic.All https://graph.microsoft.com/AppCatalog.ReadWrite.All \
https://graph.microsoft.com/TeamsAppInstallation.ReadWriteAndConsentForTeam \
https://graph.microsoft.com/TeamsAppInstallation.ReadWriteAndConsentForChat \
https://graph.microsoft.com/TeamsAppInstallation.ReadWriteForUser \
https://graph.microsoft.com/Application.Read.All https://graph.microsoft.com/AppRoleAssignment.ReadWrite.All \
https://graph.microsoft.com/DelegatedPermissionGrant.ReadWrite.All https://graph.microsoft.com/Directory.Read.All \
https://graph.microsoft.com/Chat.ReadBasic https://graph.microsoft.com/Organization.Read.All \
https://graph.microsoft.com/TeamMember.Read.All offline_access openid profile";

pub async fn sim(size: TenantSize) -> RunningSim {
    sim_with(SimConfig {
        size,
        ..SimConfig::default()
    })
    .await
}

pub async fn sim_with(config: SimConfig) -> RunningSim {
    tenant_sim::start(config).await.expect("simulator starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub async fn form(url: &str, params: &[(&str, &str)]) -> (u16, Value) {
    let r = client()
        .post(url)
        .form(params)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub fn token_url(sim: &RunningSim) -> String {
    format!("{}/organizations/oauth2/v2.0/token", sim.authority_host())
}

/// Device code sign-in approved in-process; returns the whole token response.
pub async fn device_login(sim: &RunningSim, scopes: &str, upn: Option<&str>) -> Value {
    let (s, dc) = form(
        &format!(
            "{}/{}/oauth2/v2.0/devicecode",
            sim.authority_host(),
            sim.tenant_id()
        ),
        &[("client_id", BOTDECK_PUBLIC_CLIENT_ID), ("scope", scopes)],
    )
    .await;
    assert_eq!(s, 200, "{dc}");
    sim.approve_device_code(dc["user_code"].as_str().unwrap(), upn)
        .expect("approve");
    let (s, tok) = form(
        &token_url(sim),
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", BOTDECK_PUBLIC_CLIENT_ID),
            ("device_code", dc["device_code"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(s, 200, "{tok}");
    tok
}

pub async fn admin_token(sim: &RunningSim) -> String {
    device_login(sim, ALL_ADMIN_SCOPES, None).await["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

pub async fn app_token(sim: &RunningSim, client_id: &str, secret: &str) -> String {
    let (s, tok) = form(
        &token_url(sim),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{tok}");
    tok["access_token"].as_str().unwrap().to_string()
}

pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

pub async fn send(req: reqwest::RequestBuilder) -> Resp {
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        body,
    }
}

pub async fn get(sim: &RunningSim, token: &str, path: &str) -> Resp {
    let url = if path.starts_with("http") {
        path.to_string()
    } else {
        format!("{}{}", sim.graph_base_url(), path)
    };
    send(client().get(url).bearer_auth(token)).await
}

/// Follows `@odata.nextLink` whole; returns every item and how many pages were empty.
pub async fn get_all(sim: &RunningSim, token: &str, path: &str) -> (Vec<Value>, usize, usize) {
    let mut url = format!("{}{}", sim.graph_base_url(), path);
    let (mut items, mut empty, mut pages) = (Vec::new(), 0, 0);
    loop {
        let r = get(sim, token, &url).await;
        assert_eq!(r.status, 200, "{}", r.body);
        pages += 1;
        let v = r.body["value"].as_array().cloned().unwrap_or_default();
        if v.is_empty() {
            empty += 1;
        }
        items.extend(v);
        match r.body["@odata.nextLink"].as_str() {
            Some(n) => url = n.to_string(),
            None => break,
        }
    }
    (items, empty, pages)
}

/// Builds an app package in memory.
pub fn package(manifest: &Value, with_icons: bool) -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default();
        z.start_file("manifest.json", opts).unwrap();
        z.write_all(manifest.to_string().as_bytes()).unwrap();
        if with_icons {
            z.start_file("color.png", opts).unwrap();
            z.write_all(b"\x89PNG fake").unwrap();
            z.start_file("outline.png", opts).unwrap();
            z.write_all(b"\x89PNG fake").unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

pub fn manifest(id: &str, version: &str) -> Value {
    serde_json::json!({
        "$schema": "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json",
        "manifestVersion": "1.17",
        "id": id,
        "version": version,
        "name": {"short": "Sim Test Bot"},
        "description": {"short": "A bot", "full": "A bot used by the simulator tests"},
        "developer": {"name": "Contoso", "websiteUrl": "https://contoso.example", "privacyUrl": "https://contoso.example/p", "termsOfUseUrl": "https://contoso.example/t"},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#FFFFFF",
        "bots": [{"botId": "0b7e2c2a-1111-4a4a-9b9b-123456789abc", "scopes": ["team", "personal"]}]
    })
}
