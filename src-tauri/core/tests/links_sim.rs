//! Links against tenant-sim's demo tenant: every preflight failure, every broken reason,
//! evidence found / pending / failed / not found, the Graph-posted command the bot never sees,
//! unlink vs disconnect, reach for a group, removing the bot, and import with bad rows.

mod support;

use std::sync::{Arc, Mutex};

use botdeck_core::audit;
use botdeck_core::auth::Feature;
use botdeck_core::catalog::{self, Actor};
use botdeck_core::installs::RunProgress;
use botdeck_core::links::check::{self, LinkContext, LinkEvidenceOutcome};
use botdeck_core::links::transfer::{self, LinkFileFormat};
use botdeck_core::links::{
    self, Integration, LinkFilter, LinkProblem, LinkState, LinkTargetInput, LinkTargetKind,
    NewIntegration,
};
use botdeck_core::secrets::Sensitive;
use botdeck_core::store::Store;
use botdeck_graph::Executor;
use botdeck_graph::GraphClient;
use botdeck_graph::{Pacer, RouteLimits};
use serde_json::{json, Value};
use tenant_sim::{Change, RunningSim, SimConfig, TeamsPlace, DEMO_BOT_MANIFEST_ID};
use tokio_util::sync::CancellationToken;

struct World {
    sim: RunningSim,
    graph: GraphClient,
    token: Sensitive<String>,
    store: Mutex<Store>,
    actor: Actor,
    admin: String,
    flash_app: botdeck_core::ids::CatalogAppId,
    pager_app: botdeck_core::ids::CatalogAppId,
    _dir: tempfile::TempDir,
}

impl World {
    async fn new() -> World {
        Self::consenting_to(&[
            Feature::Install,
            Feature::CheckLinkEvidence,
            Feature::ReachMembers,
        ])
        .await
    }

    /// A tenant where BotDeck's client was consented only `features`: Entra's tokens carry every
    /// delegated permission already consented for the client, so a test of a missing permission
    /// needs a tenant that never granted it.
    async fn consenting_to(features: &[Feature]) -> World {
        let sim = support::start_sim(SimConfig {
            throttling: false,
            empty_page_rate: 0.0,
            ..SimConfig::default()
        })
        .await;
        let token = support::admin_token(&sim, features).await;
        let graph = support::graph(&sim);
        let flash = catalog::find(&graph, &token, DEMO_BOT_MANIFEST_ID)
            .await
            .expect("FlashDuty in the catalog");
        let apps = graph
            .get_all(&token, "/appCatalogs/teamsApps")
            .await
            .expect("catalog");
        let pager = apps
            .iter()
            .find(|a| a["displayName"] == "PagerDuty")
            .and_then(|a| a["id"].as_str())
            .and_then(|id| botdeck_core::ids::CatalogAppId::parse(id).ok())
            .expect("PagerDuty store app");
        let dir = tempfile::tempdir().expect("tmp");
        let (store, _) = Store::open_in(dir.path()).expect("store");
        let admin = sim.admin_upn();
        World {
            actor: Actor {
                profile_id: Some("p1".into()),
                tenant_id: Some(sim.tenant_id()),
                upn: admin.clone(),
            },
            sim,
            graph,
            token,
            store: Mutex::new(store),
            admin,
            flash_app: flash.id,
            pager_app: pager,
            _dir: dir,
        }
    }

    fn ctx(&self) -> LinkContext<'_> {
        LinkContext {
            graph: &self.graph,
            token: &self.token,
            store: &self.store,
            actor: &self.actor,
        }
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().expect("store")
    }

    fn executor(&self) -> Executor {
        Executor::new(
            self.graph.clone(),
            Arc::new(Pacer::new()),
            RouteLimits::microsoft(),
        )
    }

    async fn team(&self, name: &str) -> (String, Value) {
        let teams = self
            .graph
            .get_all(&self.token, "/teams")
            .await
            .expect("teams");
        let t = teams
            .into_iter()
            .find(|t| t["displayName"] == name)
            .unwrap_or_else(|| panic!("team {name}"));
        let id = t["id"].as_str().expect("id").to_string();
        let channels = self
            .graph
            .get_all(&self.token, &format!("/teams/{id}/channels"))
            .await
            .expect("channels");
        (id, Value::Array(channels))
    }

    async fn channel(&self, team: &str, name: &str) -> (String, String) {
        let (id, channels) = self.team(team).await;
        let c = channels
            .as_array()
            .and_then(|a| a.iter().find(|c| c["displayName"] == name))
            .and_then(|c| c["id"].as_str())
            .unwrap_or_else(|| panic!("channel {name}"))
            .to_string();
        (id, c)
    }

    async fn chat(&self, topic: &str) -> String {
        let chats = self
            .graph
            .get_all(&self.token, "/chats")
            .await
            .expect("chats");
        chats
            .iter()
            .find(|c| c["topic"] == topic)
            .and_then(|c| c["id"].as_str())
            .unwrap_or_else(|| panic!("chat {topic}"))
            .to_string()
    }

    async fn user(&self, local: &str) -> String {
        let users = self
            .graph
            .get_all(&self.token, "/users?$top=999")
            .await
            .expect("users");
        users
            .iter()
            .find(|u| {
                u["userPrincipalName"]
                    .as_str()
                    .is_some_and(|p| p.starts_with(&format!("{local}@")))
            })
            .and_then(|u| u["id"].as_str())
            .unwrap_or_else(|| panic!("user {local}"))
            .to_string()
    }

    /// A user who does not have the bot in personal scope.
    async fn user_without_bot(&self) -> String {
        let users = self
            .graph
            .get_all(&self.token, "/users?$top=999")
            .await
            .expect("users");
        for u in users.iter().skip(10) {
            let id = u["id"].as_str().expect("id");
            let apps = self
                .graph
                .get_all(&self.token, &format!("/users/{id}/teamwork/installedApps"))
                .await
                .expect("apps");
            if apps.is_empty() && u["accountEnabled"] != false {
                return id.to_string();
            }
        }
        panic!("every user has an app")
    }

    fn integration(
        &self,
        vendor: &str,
        id: &str,
        app: &botdeck_core::ids::CatalogAppId,
    ) -> Integration {
        links::ensure_integration(
            &self.store(),
            &self.actor,
            &NewIntegration {
                vendor,
                account: "contoso",
                external_id: id,
                name: id,
                app_id: Some(app),
            },
        )
        .expect("integration")
    }

    fn flash(&self) -> Integration {
        self.integration("flashduty", "fd-int-1001", &self.flash_app)
    }

    fn pager(&self) -> Integration {
        self.integration(
            "pagerduty",
            "https://contoso.pagerduty.com/service-directory/PSRE001",
            &self.pager_app,
        )
    }

    async fn prepare(
        &self,
        integration: &Integration,
        target: LinkTargetInput,
    ) -> check::LinkPreparedTarget {
        let mut out = check::prepare(&self.ctx(), integration, &[(target, None)], false)
            .await
            .expect("prepare");
        out.remove(0)
    }

    fn type_in(&self, place: TeamsPlace, text: &str) -> (String, Vec<Value>) {
        self.sim
            .type_in_teams(&self.admin, place, text)
            .expect("typed in Teams")
    }

    fn change(&self, c: Change) {
        self.sim.change(c).expect("tenant change");
    }
}

/// The words of a reply as the evidence check reads them (Graph's message JSON, typed).
fn reply_text(message: &Value) -> String {
    let message: botdeck_graph::resources::chat_messages::ChatMessage =
        botdeck_graph::resources::parse(message).expect("the simulator answers a Graph message");
    check::message_text(&message)
}

fn team(id: &str) -> LinkTargetInput {
    LinkTargetInput {
        kind: Some(LinkTargetKind::Team),
        team_id: Some(id.into()),
        ..Default::default()
    }
}

fn channel(team: &str, channel: &str) -> LinkTargetInput {
    LinkTargetInput {
        kind: Some(LinkTargetKind::Channel),
        team_id: Some(team.into()),
        channel_id: Some(channel.into()),
        ..Default::default()
    }
}

fn chat(id: &str) -> LinkTargetInput {
    LinkTargetInput {
        kind: Some(LinkTargetKind::Chat),
        chat_id: Some(id.into()),
        ..Default::default()
    }
}

fn user(id: &str) -> LinkTargetInput {
    LinkTargetInput {
        kind: Some(LinkTargetKind::User),
        user_id: Some(id.into()),
        ..Default::default()
    }
}

fn in_channel(team: &str, channel: &str) -> TeamsPlace {
    TeamsPlace {
        team_id: Some(team.into()),
        channel_id: Some(channel.into()),
        ..Default::default()
    }
}

fn problems(p: &check::LinkPreparedTarget) -> Vec<LinkProblem> {
    p.findings.iter().map(|f| f.problem).collect()
}

const GONE: &str = "00000000-0000-4000-8000-00000000dead";

fn id(text: &str) -> botdeck_core::ids::CatalogAppId {
    botdeck_core::ids::CatalogAppId::parse(text).expect("a catalog id")
}

#[tokio::test]
async fn every_preflight_failure_is_named_with_its_fix() {
    let w = World::new().await;
    let fd = w.flash();
    let pd = w.pager();

    // The bot itself: not in the catalog / nothing published.
    let ghost = w.integration("flashduty", "fd-int-9", &id(GONE));
    let (ir, _) = w.team("Incident Response").await;
    assert!(problems(&w.prepare(&ghost, team(&ir)).await).contains(&LinkProblem::AppNotInCatalog));
    let apps = w
        .graph
        .get_all(&w.token, "/appCatalogs/teamsApps")
        .await
        .expect("apps");
    let unpublished = apps
        .iter()
        .find(|a| a["displayName"] == "Expense Tracker")
        .and_then(|a| a["id"].as_str())
        .expect("pending app");
    let pending = w.integration("flashduty", "fd-int-8", &id(unpublished));
    assert!(problems(&w.prepare(&pending, team(&ir)).await).contains(&LinkProblem::AppNotPublished));

    // Kinds the vendor does not link.
    let (sre, sre_channels) = w.team("SRE On-Call").await;
    let general = sre_channels[0]["id"].as_str().expect("general").to_string();
    assert!(problems(&w.prepare(&fd, channel(&sre, &general)).await)
        .contains(&LinkProblem::KindNotSupported));
    assert!(problems(&w.prepare(&pd, team(&sre)).await).contains(&LinkProblem::KindNotSupported));

    // Teams.
    assert_eq!(
        problems(&w.prepare(&fd, team(GONE)).await),
        [LinkProblem::TeamGone]
    );
    let (hack, _) = w.team("Hackathon 2023").await;
    assert!(problems(&w.prepare(&fd, team(&hack)).await).contains(&LinkProblem::TeamArchived));
    let (web, _) = w.team("Web Frontend").await;
    let p = w.prepare(&fd, team(&web)).await;
    assert_eq!(problems(&p), [LinkProblem::BotNotInstalled]);
    assert_eq!(p.findings[0].fix, links::LinkFix::Install);
    assert_eq!(p.link.as_ref().map(|l| l.state), Some(LinkState::Planned));
    let (mobile, _) = w.team("Mobile Apps").await;
    let p = w.prepare(&fd, team(&mobile)).await;
    assert_eq!(problems(&p), [LinkProblem::BotOutdated]);
    assert!(p.findings[0].message.contains("1.0.0"), "{:?}", p.findings);
    assert_eq!(p.findings[0].fix, links::LinkFix::Upgrade);
    let (obs, obs_channels) = w.team("Observability").await;
    w.change(Change::DeleteChannel {
        team: obs.clone(),
        channel: obs_channels[0]["id"].as_str().expect("general").into(),
    });
    assert!(problems(&w.prepare(&fd, team(&obs)).await).contains(&LinkProblem::GeneralChannelGone));

    // Channels (PagerDuty: standard only).
    assert!(problems(
        &w.prepare(&pd, channel(&sre, "19:nothing@thread.tacv2"))
            .await
    )
    .contains(&LinkProblem::ChannelGone));
    let (pay, private) = w.channel("Payments Team", "Chargebacks").await;
    let p = w.prepare(&pd, channel(&pay, &private)).await;
    assert_eq!(problems(&p), [LinkProblem::ChannelNotSupported]);
    assert!(
        p.findings[0].message.contains("private"),
        "{:?}",
        p.findings
    );

    // Chats.
    assert_eq!(
        problems(&w.prepare(&fd, chat("19:gone@thread.v2")).await),
        [LinkProblem::ChatGone]
    );
    let design = w.chat("Design review").await;
    assert_eq!(
        problems(&w.prepare(&fd, chat(&design)).await),
        [LinkProblem::BotNotInChat]
    );

    // Users.
    assert_eq!(
        problems(&w.prepare(&fd, user(GONE)).await),
        [LinkProblem::UserGone]
    );
    let lee = w.user("lee.gu").await;
    w.change(Change::DisableUser { user: lee.clone() });
    assert!(problems(&w.prepare(&fd, user(&lee)).await).contains(&LinkProblem::UserDisabled));
    let nobody = w.user_without_bot().await;
    let p = w.prepare(&fd, user(&nobody)).await;
    assert_eq!(problems(&p), [LinkProblem::BotNotInPersonalScope]);

    // And a clean one: the exact command, where to type it, and the General channel's link.
    let p = w.prepare(&fd, team(&ir)).await;
    assert!(p.findings.is_empty(), "{:?}", p.findings);
    assert_eq!(
        p.command.as_deref(),
        Some("@FlashDuty linkTeam fd-int-1001")
    );
    assert!(p
        .where_to_type
        .contains("General channel of Incident Response"));
    assert!(p
        .deep_link
        .as_deref()
        .is_some_and(|l| l.starts_with("https://teams.microsoft.com/l/channel/")));
    assert_eq!(p.link.as_ref().map(|l| l.state), Some(LinkState::Awaiting));

    // A chat's command carries its name; a user's deep link opens the bot's chat prefilled.
    let handoff = w.chat("On-call handoff").await;
    let p = w.prepare(&fd, chat(&handoff)).await;
    assert_eq!(
        p.command.as_deref(),
        Some("@FlashDuty linkChat fd-int-1001 On-call handoff")
    );
    assert!(p
        .deep_link
        .as_deref()
        .is_some_and(|l| l.contains("/l/chat/") && l.ends_with("/conversations")));
    let adele = w.user("adele.vance").await;
    let p = w.prepare(&fd, user(&adele)).await;
    assert!(p.findings.is_empty(), "{:?}", p.findings);
    let link = p.deep_link.unwrap_or_default();
    assert!(
        link.contains("users=28:") && link.contains("message=linkUser"),
        "{link}"
    );

    // Bad input never reaches Graph.
    let before = w.sim.metrics().graph_requests;
    let err = check::prepare(
        &w.ctx(),
        &fd,
        &[(
            LinkTargetInput {
                kind: Some(LinkTargetKind::Team),
                ..Default::default()
            },
            None,
        )],
        true,
    )
    .await
    .expect_err("no team id");
    assert!(err.to_string().contains("team id"), "{err}");
    let err = check::prepare(&w.ctx(), &fd, &[(team("../../me"), None)], true)
        .await
        .expect_err("path");
    assert!(err.to_string().contains("not a Teams id"), "{err}");
    assert_eq!(w.sim.metrics().graph_requests, before);
}

#[tokio::test]
async fn evidence_found_pending_failed_missing_and_the_graph_posted_command() {
    let w = World::new().await;
    let fd = w.flash();
    let (ir, channels) = w.team("Incident Response").await;
    let general = channels[0]["id"].as_str().expect("general").to_string();

    // Nothing typed yet: not found, still awaiting.
    let p = w.prepare(&fd, team(&ir)).await;
    let id = p.link.expect("stored").id;
    let r = check::evidence(&w.ctx(), std::slice::from_ref(&id))
        .await
        .expect("evidence");
    assert_eq!(r[0].outcome, LinkEvidenceOutcome::NotFound);
    assert_eq!(r[0].link.state, LinkState::Awaiting);

    // The admin posts the command through Graph: it shows in the channel, the bot never sees it.
    let links_before = w.sim.vendor_links().len();
    let sender =
        support::admin_token_with(&w.sim, &[Feature::ReadTenant], &["ChannelMessage.Send"]).await;
    w.graph
        .send_json(
            &sender,
            reqwest::Method::POST,
            &format!("/teams/{ir}/channels/{general}/messages"),
            Some(&json!({
                "body": {"contentType": "html", "content": "<at id=\"0\">FlashDuty</at> linkTeam fd-int-1001"},
                "mentions": [{"id": 0, "mentionText": "FlashDuty",
                    "mentioned": {"application": {"id": tenant_sim::DEMO_BOT_APP_ID, "displayName": "FlashDuty"}}}]
            })),
        )
        .await
        .expect("posted through Graph");
    let r = check::evidence(&w.ctx(), std::slice::from_ref(&id))
        .await
        .expect("evidence");
    assert_eq!(r[0].outcome, LinkEvidenceOutcome::NotFound);
    assert!(
        r[0].message.contains("never reaches the bot"),
        "{}",
        r[0].message
    );
    assert_eq!(
        w.sim.vendor_links().len(),
        links_before,
        "the vendor learnt nothing"
    );

    // A person types it: the bot's card asks for "Associate Now" → pending.
    let (_, replies) = w.type_in(in_channel(&ir, &general), "@FlashDuty linkTeam fd-int-1001");
    let card = replies[0]["id"].as_str().expect("card").to_string();
    let r = check::evidence(&w.ctx(), std::slice::from_ref(&id))
        .await
        .expect("evidence");
    assert_eq!(
        r[0].outcome,
        LinkEvidenceOutcome::Pending,
        "{}",
        r[0].message
    );
    assert_eq!(r[0].link.state, LinkState::Awaiting);

    // They press it: linked, with the reply as evidence; audited.
    w.sim.press_card(&card).expect("pressed");
    let r = check::evidence(&w.ctx(), std::slice::from_ref(&id))
        .await
        .expect("evidence");
    assert_eq!(
        r[0].outcome,
        LinkEvidenceOutcome::Linked,
        "{}",
        r[0].message
    );
    let linked = &r[0].link;
    assert_eq!(linked.state, LinkState::Linked);
    let ev = linked.evidence.as_ref().expect("evidence");
    assert_eq!(ev.kind, links::LinkEvidenceKind::ReplySeen);
    assert!(ev
        .detail
        .as_deref()
        .unwrap_or("")
        .contains("Associated successfully"));
    let log = audit::recent(&w.store(), 50).expect("audit");
    assert!(log
        .iter()
        .any(|e| e.entry.action == "link.evidence" && e.entry.target_id == id));

    // A failed reply (unknown integration) in a chat: broken with the bot's words.
    let bad = w.integration("flashduty", "fd-int-0000", &w.flash_app);
    let handoff = w.chat("Launch war room").await;
    let p = w.prepare(&bad, chat(&handoff)).await;
    let bad_id = p.link.expect("stored").id;
    w.type_in(
        TeamsPlace {
            chat_id: Some(handoff.clone()),
            ..Default::default()
        },
        p.command.as_deref().expect("command"),
    );
    let r = check::evidence(&w.ctx(), &[bad_id])
        .await
        .expect("evidence");
    assert_eq!(r[0].outcome, LinkEvidenceOutcome::Failed);
    assert_eq!(r[0].link.state, LinkState::Broken);
    assert_eq!(r[0].link.problem, Some(LinkProblem::BotReplyFailed));
    assert!(r[0].message.contains("was not found"), "{}", r[0].message);

    // Users: the admin cannot read personal chats; the admin confirms instead.
    let adele = w.user("adele.vance").await;
    let p = w.prepare(&fd, user(&adele)).await;
    let uid = p.link.expect("stored").id;
    let r = check::evidence(&w.ctx(), std::slice::from_ref(&uid))
        .await
        .expect("evidence");
    assert_eq!(r[0].outcome, LinkEvidenceOutcome::Unreadable);
    let confirmed = links::confirm(
        &w.store(),
        &w.actor,
        &uid,
        Some("Adele pressed Associate Now"),
    )
    .expect("confirm");
    assert_eq!(confirmed.state, LinkState::Linked);
    assert_eq!(
        confirmed.evidence.map(|e| e.kind),
        Some(links::LinkEvidenceKind::Confirmed)
    );
}

#[tokio::test]
async fn evidence_needs_the_message_permissions() {
    // What an admin has before checking evidence: no ChannelMessage.Read.All consented yet.
    let w = World::consenting_to(&[Feature::Install]).await;
    let fd = w.flash();
    let (ir, _) = w.team("Incident Response").await;
    let id = w.prepare(&fd, team(&ir)).await.link.expect("stored").id;
    let err = check::evidence(&w.ctx(), &[id])
        .await
        .expect_err("no scope");
    assert!(
        matches!(err, links::LinksError::ConsentNeeded { .. }),
        "{err}"
    );
}

#[tokio::test]
async fn health_finds_every_broken_reason_and_recovery() {
    let w = World::new().await;
    w.flash();
    let pd = w.pager();
    let import = |rows: &str| {
        let report = transfer::import(
            &w.store(),
            &w.actor,
            Some(&w.flash_app),
            rows,
            LinkFileFormat::Csv,
            false,
        )
        .expect("import");
        assert_eq!(report.problems, [], "{report:?}");
    };
    let header = "vendor,account,integrationId,kind,teamId,channelId,chatId,userId,targetName\n";
    let (ir, _) = w.team("Incident Response").await;
    let (plat, _) = w.team("Platform Engineering").await;
    let (mobile, _) = w.team("Mobile Apps").await;
    let (cloud, cloud_channels) = w.team("Cloud Infrastructure").await;
    let (sec, _) = w.team("Security Operations").await;
    let (dp, _) = w.team("Data Platform").await;
    let handoff = w.chat("On-call handoff").await;
    let war = w.chat("Launch war room").await;
    let adele = w.user("adele.vance").await;
    let diego = w.user("diego.siciliani").await;
    import(&format!(
        "{header}flashduty,contoso,fd-int-1001,team,{ir},,,,IR\n\
         flashduty,contoso,fd-int-1001,team,{plat},,,,Platform\n\
         flashduty,contoso,fd-int-1001,team,{mobile},,,,Mobile\n\
         flashduty,contoso,fd-int-1001,team,{cloud},,,,Cloud\n\
         flashduty,contoso,fd-int-1001,team,{sec},,,,Sec\n\
         flashduty,contoso,fd-int-1001,team,{dp},,,,Data\n\
         flashduty,contoso,fd-int-1001,chat,,,{handoff},,handoff\n\
         flashduty,contoso,fd-int-1001,chat,,,{war},,war\n\
         flashduty,contoso,fd-int-1001,user,,,,{adele},Adele\n\
         flashduty,contoso,fd-int-1001,user,,,,{diego},Diego\n"
    ));
    // The import stored team links without their General channel; one health run fills it.
    let first = check::health(&w.ctx(), None, &CancellationToken::new())
        .await
        .expect("health");
    let broken: Vec<_> = first
        .broken
        .iter()
        .map(|l| (l.target_name.clone(), l.problem))
        .collect();
    assert_eq!(
        broken,
        [("Mobile Apps".to_string(), Some(LinkProblem::BotOutdated))],
        "{broken:?}"
    );

    // PagerDuty connected to a standard channel of SRE On-Call (PagerDuty is installed there).
    let (sre, pager_channel) = w.channel("SRE On-Call", "Pager Rotation").await;
    let p = w.prepare(&pd, channel(&sre, &pager_channel)).await;
    assert!(p.findings.is_empty(), "{:?}", p.findings);
    let pd_link = p.link.expect("stored").id;
    links::confirm(&w.store(), &w.actor, &pd_link, None).expect("confirm");

    // Break them all, the ways the FAQs list.
    w.change(Change::RemoveApp {
        kind: "team".into(),
        target: ir.clone(),
        app: w.flash_app.to_string(),
    });
    w.change(Change::ArchiveTeam { team: plat.clone() });
    w.change(Change::DeleteTeam { team: sec.clone() });
    w.change(Change::DeleteChannel {
        team: cloud.clone(),
        channel: cloud_channels[0]["id"].as_str().expect("general").into(),
    });
    w.change(Change::SetChannelMembership {
        team: sre.clone(),
        channel: pager_channel.clone(),
        membership: "shared".into(),
    });
    w.change(Change::DeleteChat {
        chat: handoff.clone(),
    });
    w.change(Change::RemoveApp {
        kind: "chat".into(),
        target: war.clone(),
        app: w.flash_app.to_string(),
    });
    w.change(Change::DisableUser {
        user: adele.clone(),
    });
    w.change(Change::RemoveApp {
        kind: "user".into(),
        target: diego.clone(),
        app: w.flash_app.to_string(),
    });
    let (dp_general, _) = (
        w.team("Data Platform").await.1[0]["id"]
            .as_str()
            .expect("g")
            .to_string(),
        (),
    );
    w.change(Change::DeleteChannel {
        team: dp.clone(),
        channel: dp_general,
    });

    let report = check::health(&w.ctx(), None, &CancellationToken::new())
        .await
        .expect("health");
    let mut got: Vec<(String, LinkProblem)> = report
        .broken
        .iter()
        .map(|l| (l.kind.as_str().to_string(), l.problem.expect("reason")))
        .collect();
    got.sort_by_key(|(k, p)| (k.clone(), p.as_str()));
    let mut want = vec![
        ("team".to_string(), LinkProblem::BotNotInstalled),
        ("team".into(), LinkProblem::TeamArchived),
        ("team".into(), LinkProblem::TeamGone),
        ("team".into(), LinkProblem::GeneralChannelGone),
        ("team".into(), LinkProblem::GeneralChannelGone),
        ("team".into(), LinkProblem::BotOutdated),
        ("channel".into(), LinkProblem::ChannelNotSupported),
        ("chat".into(), LinkProblem::ChatGone),
        ("chat".into(), LinkProblem::BotNotInChat),
        ("user".into(), LinkProblem::UserDisabled),
        ("user".into(), LinkProblem::BotNotInPersonalScope),
    ];
    want.sort_by_key(|(k, p)| (k.clone(), p.as_str()));
    assert_eq!(got, want);
    for l in &report.broken {
        assert_eq!(l.state, LinkState::Broken);
        assert!(l.fix.is_some() && l.problem_detail.is_some(), "{l:?}");
    }
    let ir_link = report
        .broken
        .iter()
        .find(|l| l.team_id.as_deref() == Some(&ir))
        .expect("IR");
    assert_eq!(ir_link.fix, Some(links::LinkFix::Install));
    let log = audit::recent(&w.store(), 200).expect("audit");
    assert!(
        log.iter()
            .filter(|e| e.entry.action == "link.health_broken")
            .count()
            >= 10
    );

    // Fix one here (install through the bulk engine): the next check clears it.
    let runs = check::fix_installs(
        &w.ctx(),
        &w.executor(),
        &w.flash_app,
        &[team(&ir)],
        &|_: &RunProgress| {},
        &CancellationToken::new(),
    )
    .await
    .expect("fix");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].succeeded, 1, "{:?}", runs[0]);
    let report = check::health(
        &w.ctx(),
        Some(std::slice::from_ref(&ir_link.id)),
        &CancellationToken::new(),
    )
    .await
    .expect("health");
    assert_eq!(report.recovered.len(), 1);
    assert_eq!(
        report.recovered[0].state,
        LinkState::Linked,
        "imported links keep their evidence"
    );
}

#[tokio::test]
async fn unlink_says_what_the_vendor_offers_and_disconnect_takes_the_whole_team() {
    let w = World::new().await;
    let fd = w.flash();
    let pd = w.pager();
    let (ir, _) = w.team("Incident Response").await;
    let l = w.prepare(&fd, team(&ir)).await.link.expect("stored");
    let advice = links::unlink(&w.store(), &w.actor, std::slice::from_ref(&l.id)).expect("unlink");
    assert_eq!(advice[0].vendor_command, None);
    assert!(advice[0]
        .note
        .as_deref()
        .unwrap_or("")
        .contains("Currently not supported"));
    assert_eq!(
        links::get(&w.store(), &l.id).expect("get").state,
        LinkState::Unlinked
    );
    assert!(links::list(&w.store(), Some("p1"), &LinkFilter::default())
        .expect("list")
        .is_empty());

    // PagerDuty: two channels of SRE On-Call + the team's members as users, and one other team.
    let (sre, pager) = w.channel("SRE On-Call", "Pager Rotation").await;
    let (_, general) = w.channel("SRE On-Call", "General").await;
    let (plat, deploys) = w.channel("Platform Engineering", "Deployments").await;
    let mut targets = vec![
        (channel(&sre, &pager), None),
        (channel(&sre, &general), None),
        (channel(&plat, &deploys), None),
    ];
    let members = check::members(&w.graph, &w.token, &sre)
        .await
        .expect("members");
    assert!(!members.is_empty());
    for (id, _, _) in &members {
        targets.push((user(id), Some(sre.clone())));
    }
    let prepared = check::prepare(&w.ctx(), &pd, &targets, false)
        .await
        .expect("prepare");
    assert!(prepared.iter().all(|p| p.link.is_some()));
    let user_link = prepared
        .iter()
        .find(|p| p.kind == LinkTargetKind::User)
        .and_then(|p| p.link.clone())
        .expect("user");
    let advice = links::unlink(&w.store(), &w.actor, std::slice::from_ref(&user_link.id))
        .expect("unlink user");
    assert_eq!(advice[0].vendor_command.as_deref(), Some("unlinkUser"));

    let out =
        links::disconnect_team(&w.store(), &w.actor, Some("p1"), &sre, None).expect("disconnect");
    assert_eq!(out.vendor_command.as_deref(), Some("@PagerDuty disconnect"));
    assert_eq!(
        out.unlinked.len(),
        2 + members.len() - 1,
        "both channels and every remaining member"
    );
    let left = links::list(&w.store(), Some("p1"), &LinkFilter::default()).expect("list");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].team_id.as_deref(), Some(plat.as_str()));
    let log = audit::recent(&w.store(), 200).expect("audit");
    assert_eq!(
        log.iter()
            .filter(|e| e.entry.action == "link.unlink")
            .count(),
        1 + 1 + out.unlinked.len()
    );
    assert!(log.iter().any(|e| e.entry.action == "link.disconnect_team"));
    let err = links::disconnect_team(&w.store(), &w.actor, Some("p1"), &sre, None)
        .expect_err("nothing left");
    assert!(matches!(err, links::LinksError::NotFound(_)));
}

#[tokio::test]
async fn removing_the_bot_spares_targets_another_link_needs() {
    let w = World::new().await;
    let fd = w.flash();
    let other = w.integration("flashduty", "fd-int-1002", &w.flash_app);
    let (ir, _) = w.team("Incident Response").await;
    let (sre, _) = w.team("SRE On-Call").await;
    let a = w.prepare(&fd, team(&ir)).await.link.expect("a");
    w.prepare(&other, team(&ir)).await.link.expect("b");
    let c = w.prepare(&fd, team(&sre)).await.link.expect("c");
    links::unlink(&w.store(), &w.actor, &[a.id.clone(), c.id.clone()]).expect("unlink");
    let run = check::remove_bot_where_unneeded(
        &w.ctx(),
        &w.executor(),
        &[a, c],
        &|_: &RunProgress| {},
        &CancellationToken::new(),
    )
    .await
    .expect("remove")
    .expect("a run");
    assert_eq!((run.total, run.succeeded), (1, 1), "{run:?}");
    let installed = |team: String| {
        let graph = w.graph.clone();
        let token = w.token.clone();
        let app = w.flash_app.clone();
        async move {
            graph
                .get_all(
                    &token,
                    &format!("/teams/{team}/installedApps?$expand=teamsApp"),
                )
                .await
                .expect("apps")
                .iter()
                .any(|i| i["teamsApp"]["id"] == app.as_str())
        }
    };
    assert!(
        installed(ir).await,
        "another integration still needs the bot in Incident Response"
    );
    assert!(!installed(sre).await);
}

#[tokio::test]
async fn reach_installs_for_every_enabled_member_once() {
    let w = World::new().await;
    let (sre, _) = w.team("SRE On-Call").await;
    let members = check::members(&w.graph, &w.token, &sre)
        .await
        .expect("members");
    let first = check::reach(
        &w.ctx(),
        &w.executor(),
        &w.flash_app,
        &sre,
        &|_: &RunProgress| {},
        &CancellationToken::new(),
    )
    .await
    .expect("reach");
    assert_eq!(first.members as usize, members.len());
    let run = first.run.expect("a bulk run");
    let items = botdeck_core::installs::run_items(&w.store(), &run.run_id, None).expect("items");
    assert_eq!(run.failed, 0, "{items:?}");
    assert_eq!(
        run.total + first.already,
        members.len() as u64 - first.disabled.len() as u64
    );
    assert_eq!(run.failed, 0, "{run:?}");
    let again = check::reach(
        &w.ctx(),
        &w.executor(),
        &w.flash_app,
        &sre,
        &|_: &RunProgress| {},
        &CancellationToken::new(),
    )
    .await
    .expect("reach again");
    assert!(again.run.is_none(), "nothing left to install");
    assert_eq!(again.already as usize, members.len() - again.disabled.len());
    let err = check::reach(
        &w.ctx(),
        &w.executor(),
        &w.flash_app,
        GONE,
        &|_: &RunProgress| {},
        &CancellationToken::new(),
    )
    .await
    .expect_err("no such group");
    assert!(matches!(err, links::LinksError::NotFound(_)), "{err}");
}

#[tokio::test]
async fn import_reports_bad_rows_by_line_and_imports_nothing_unless_asked() {
    let w = World::new().await;
    let csv = "vendor,account,integrationId,kind,teamId,channelId,chatId,userId,targetName,state\n\
        flashduty,acme,fd-int-1001,team,t-1,,,,Ops,linked\n\
        flashduty,acme,fd-int-1001,channel,t-1,c-1,,,Ops › Alerts,\n\
        nosuchvendor,acme,x,team,t-2,,,,Two,\n\
        pagerduty,acme,https://x.pagerduty.com/s/P1,channel,t-3,,,,No channel,\n\
        flashduty,acme,,team,t-4,,,,No id,\n\
        flashduty,acme,fd-int-1001,team,t-1,,,,Ops again,\n\
        flashduty,acme,fd-int-1001,user,,,,u-1,Megan,unlinked\n\
        flashduty,acme,fd-int-1001,chat,,,\"19:abc,def@thread.v2\",,\"War, room\",awaiting\n";
    let store = w.store();
    let report =
        transfer::import(&store, &w.actor, None, csv, LinkFileFormat::Csv, false).expect("read");
    assert!(report.refused);
    assert_eq!(report.imported, 0);
    let lines: Vec<u32> = report.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7, 8], "{:?}", report.problems);
    let text = |line: u32| {
        report
            .problems
            .iter()
            .find(|p| p.line == line)
            .map(|p| p.message.clone())
            .unwrap_or_default()
    };
    assert!(text(3).contains("does not link channels"), "{}", text(3));
    assert!(text(4).contains("nosuchvendor"), "{}", text(4));
    assert!(text(5).contains("channel id"), "{}", text(5));
    assert!(text(6).contains("empty"), "{}", text(6));
    assert!(text(7).contains("same link as line 2"), "{}", text(7));
    assert!(text(8).contains("state"), "{}", text(8));
    assert!(links::list(&store, Some("p1"), &LinkFilter::default())
        .expect("list")
        .is_empty());

    let report = transfer::import(&store, &w.actor, None, csv, LinkFileFormat::Csv, true)
        .expect("good only");
    assert_eq!(report.imported, 2);
    let all = links::list(&store, Some("p1"), &LinkFilter::default()).expect("list");
    assert_eq!(all.len(), 2);
    let chat = all
        .iter()
        .find(|l| l.kind == LinkTargetKind::Chat)
        .expect("chat");
    assert_eq!(chat.chat_id.as_deref(), Some("19:abc,def@thread.v2"));
    assert_eq!(chat.state, LinkState::Awaiting);
    let team = all
        .iter()
        .find(|l| l.kind == LinkTargetKind::Team)
        .expect("team");
    assert_eq!(
        team.evidence.as_ref().map(|e| e.kind),
        Some(links::LinkEvidenceKind::Imported)
    );

    // Round trip through both formats.
    for format in [LinkFileFormat::Csv, LinkFileFormat::Json] {
        let text = transfer::export(&all, format).expect("export");
        let rows = transfer::parse(&text, format).expect("parse");
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|(_, r)| r.is_ok()), "{rows:?}");
    }

    // JSON: line numbers are the lines the bad objects start on.
    let json = "[\n  {\"vendor\": \"flashduty\", \"integrationId\": \"a\", \"kind\": \"team\", \"teamId\": \"t\"},\n  {\"vendor\": \"flashduty\", \"integrationId\": \"a\", \"kind\": \"planet\"},\n  {\"vendor\": \"flashduty\", \"bogus\": 1}\n]";
    let report =
        transfer::import(&store, &w.actor, None, json, LinkFileFormat::Json, false).expect("read");
    let lines: Vec<u32> = report.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [3, 4], "{:?}", report.problems);
    for (broken, why) in [("not json", "line 1"), ("{}", "array"), ("[]", "no links")] {
        let err = transfer::import(&store, &w.actor, None, broken, LinkFileFormat::Json, false)
            .expect_err(why);
        assert!(err.to_string().contains(why), "{why}: {err}");
    }
    let err = transfer::import(
        &store,
        &w.actor,
        None,
        "vendor,planet\nx,y\n",
        LinkFileFormat::Csv,
        false,
    )
    .expect_err("column");
    assert!(
        err.to_string().contains("unknown column \"planet\""),
        "{err}"
    );
}

#[tokio::test]
async fn the_demo_tenant_has_link_history_and_bots_answer_only_people() {
    let w = World::new().await;
    assert!(w.flash().id.len() > 10);
    let demo = w.sim.demo_links();
    let states: Vec<&str> = demo.iter().map(|d| d.state.as_str()).collect();
    for s in ["linked", "awaiting", "broken"] {
        assert!(states.contains(&s), "{states:?}");
    }
    assert!(demo
        .iter()
        .any(|d| d.vendor == "pagerduty" && d.kind == "channel"));
    // The seeded reply is readable as evidence.
    let ir = demo
        .iter()
        .find(|d| d.target_name == "Incident Response")
        .expect("IR");
    let msgs = w
        .graph
        .get_json(
            &w.token,
            &format!(
                "/teams/{}/channels/{}/messages?$expand=replies",
                ir.team_id.as_deref().unwrap_or(""),
                ir.channel_id.as_deref().unwrap_or("")
            ),
        )
        .await
        .expect("messages");
    let reply = &msgs["value"][0]["replies"][0];
    assert_eq!(
        reply["from"]["application"]["id"],
        tenant_sim::DEMO_BOT_APP_ID
    );
    assert_eq!(
        reply["attachments"][0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );

    // Documented query limits on channel messages.
    let base = format!(
        "/teams/{}/channels/{}/messages",
        ir.team_id.as_deref().unwrap_or(""),
        ir.channel_id.as_deref().unwrap_or("")
    );
    for bad in [
        "?$top=51",
        "?$filter=id eq '1'",
        "?$select=id",
        "?$orderby=createdDateTime desc",
    ] {
        let err = w
            .graph
            .get_json(&w.token, &format!("{base}{bad}"))
            .await
            .expect_err(bad);
        assert_eq!(err.status(), Some(400), "{bad}");
    }
    // A private channel: the bot is not there and never answers.
    let (pay, private) = w.channel("Payments Team", "Chargebacks").await;
    let (_, replies) = w.type_in(
        in_channel(&pay, &private),
        "@PagerDuty connect https://contoso.pagerduty.com/service-directory/PSRE001",
    );
    assert!(replies.is_empty());
    // In a standard channel it connects.
    let (sre, pager) = w.channel("SRE On-Call", "Pager Rotation").await;
    let (_, replies) = w.type_in(
        in_channel(&sre, &pager),
        "@PagerDuty connect https://contoso.pagerduty.com/service-directory/PSRE001",
    );
    assert!(
        reply_text(&replies[0]).contains("Connected:"),
        "{replies:?}"
    );
    assert!(w
        .sim
        .vendor_links()
        .iter()
        .any(|l| l.vendor == "pagerduty" && l.channel_id.as_deref() == Some(pager.as_str())));
    let (_, replies) = w.type_in(in_channel(&sre, &pager), "@PagerDuty disconnect");
    assert!(
        reply_text(&replies[0]).contains("Disconnected"),
        "{replies:?}"
    );
    assert!(!w.sim.vendor_links().iter().any(|l| l.vendor == "pagerduty"));
    // A personal chat the admin is not in cannot be read.
    let adele = w.user("adele.vance").await;
    let apps = w
        .graph
        .get_all(
            &w.token,
            &format!("/users/{adele}/teamwork/installedApps?$expand=teamsApp"),
        )
        .await
        .expect("apps");
    let inst = apps
        .iter()
        .find(|a| a["teamsApp"]["id"] == w.flash_app.as_str())
        .and_then(|a| a["id"].as_str())
        .expect("installed");
    let chat = w
        .graph
        .get_json(
            &w.token,
            &format!("/users/{adele}/teamwork/installedApps/{inst}/chat"),
        )
        .await
        .expect("chat");
    let chat_id = chat["id"].as_str().expect("chat id");
    let err = w
        .graph
        .get_json(&w.token, &format!("/chats/{chat_id}/messages"))
        .await
        .expect_err("not hers");
    assert_eq!(err.status(), Some(403));
}

/// The wizard's picker: a team's channels come from Graph with their kind, standard ones first
/// (the private one is shown, marked, for the check to refuse); teams, chats and users come
/// from the bot's inventory cache, empty and saying so until it was read.
#[tokio::test]
async fn the_picker_reads_a_teams_channels_and_the_inventory_cache() {
    use botdeck_core::links::pick::{self, LinksTargetsRequest};
    use botdeck_core::links::LinkTargetKind;
    let w = World::new().await;
    let (team, _) = w.team("Payments Team").await;
    let req = |kind, team_id: Option<&str>| LinksTargetsRequest {
        app_id: w.pager_app.to_string(),
        kind,
        text: None,
        team_id: team_id.map(str::to_string),
        limit: 0,
    };
    let channels = pick::team_channels_read(
        &w.graph,
        &w.token,
        &req(LinkTargetKind::Channel, Some(&team)),
    )
    .await
    .expect("channels");
    let seen: Vec<(&str, &str)> = channels
        .iter()
        .map(|c| (c.name.as_str(), c.membership.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(seen, [("General", "standard"), ("Chargebacks", "private")]);
    assert!(channels
        .iter()
        .all(|c| c.team_id.as_deref() == Some(team.as_str())));
    let answer = pick::with_sync(
        &w.store(),
        &req(LinkTargetKind::Channel, Some(&team)),
        channels,
    )
    .expect("answer");
    assert_eq!(answer.total, 2);

    // Searching narrows; an unknown team is said to be unknown.
    let mut search = req(LinkTargetKind::Channel, Some(&team));
    search.text = Some("charge".into());
    let found = pick::team_channels_read(&w.graph, &w.token, &search)
        .await
        .expect("search");
    assert_eq!(found.len(), 1);
    let err = pick::team_channels_read(
        &w.graph,
        &w.token,
        &req(
            LinkTargetKind::Channel,
            Some("00000000-0000-4000-8000-000000000000"),
        ),
    )
    .await
    .expect_err("unknown team");
    assert!(err.to_string().contains("no team"), "{err}");

    // Never synced: nothing to pick, and no sync to show.
    let cached = pick::cached_targets(&w.store(), &req(LinkTargetKind::Team, None)).expect("cache");
    assert!(cached.choices.is_empty() && cached.sync.is_none());
    let err = pick::cached_targets(&w.store(), &req(LinkTargetKind::Channel, Some(&team)))
        .expect_err("channels are not cached");
    assert!(err.to_string().contains("read from the team"), "{err}");
}

/// A custom vendor given as fields (the form) is stored as the same TOML a file holds, and is
/// offered like the built-ins; a built-in's id is refused.
#[tokio::test]
async fn a_custom_vendor_from_the_form_is_stored_like_a_file() {
    let w = World::new().await;
    let mut p = links::vendor_profile(&w.store(), "pagerduty").expect("built in");
    p.id = "acme-oncall".into();
    p.name = "Acme On-Call".into();
    let saved = links::save_vendor_profile_fields(&w.store(), &p, &w.actor).expect("saved");
    assert_eq!(saved.id, "acme-oncall");
    let again = links::vendor_profile(&w.store(), "acme-oncall").expect("listed");
    assert_eq!(again.commands, p.commands);
    assert_eq!(again.replies, p.replies);
    assert!(!again.built_in);
    let text = links::vendor_profile_toml(&again).expect("toml");
    assert!(text.contains("acme-oncall"), "{text}");
    p.id = "flashduty".into();
    let err = links::save_vendor_profile_fields(&w.store(), &p, &w.actor).expect_err("built-in id");
    assert!(err.to_string().contains("built-in"), "{err}");
}

#[tokio::test]
async fn an_integration_named_without_an_account_is_the_one_already_known_by_its_id() {
    let w = World::new().await;
    let known = w.integration("flashduty", "fd-int-1002", &w.flash_app);
    let new = |account: &'static str| NewIntegration {
        vendor: "flashduty",
        account,
        external_id: "fd-int-1002",
        name: "Payments alerts",
        app_id: None,
    };
    // The wizard leaves the account empty: the known integration is meant, not a second card.
    let again = links::ensure_integration(&w.store(), &w.actor, &new("")).expect("again");
    assert_eq!(again.id, known.id);
    assert_eq!(again.account, "contoso");
    // Another account holding the same id is a different integration...
    let other = links::ensure_integration(&w.store(), &w.actor, &new("fabrikam")).expect("other");
    assert_ne!(other.id, known.id);
    // ...and with two known, an empty account cannot pick one: it is its own.
    let blank = links::ensure_integration(&w.store(), &w.actor, &new("")).expect("blank");
    assert!(blank.id != known.id && blank.id != other.id);
    let all = links::integrations(&w.store(), w.actor.profile_id.as_deref()).expect("list");
    assert_eq!(
        all.iter()
            .filter(|i| i.external_id == "fd-int-1002")
            .count(),
        3
    );
}
