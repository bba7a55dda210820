//! Incremental consent: BotDeck asks for what the feature in use needs, not everything at once.
//!
//! Consent is additive in Entra: a Graph token carries every delegated permission already
//! consented for the client, whatever the request named. So a sign-in asks for the union of
//! what the profile already holds and what the new feature needs ([`request_for`]): signing in
//! for one feature never loses another, and a feature already consented never asks again.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The Graph resource's scope prefix; Entra reports scopes with or without it.
const GRAPH_RESOURCE: &str = "https://graph.microsoft.com/";

/// What the admin is about to do, and so which scopes the token must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// Sign in and read the tenant: who am I, teams, the app catalog, installations.
    ReadTenant,
    /// Publish or update the bot in the org app catalog.
    Publish,
    /// Install, upgrade or remove the bot in teams, chats and for users.
    Install,
    /// Read the bot's permission grants in detail.
    ReviewPermissions,
    /// Revoke an application role or trim a delegated grant.
    RevokePermissions,
    /// Read the bot's reply to a link command in channels and chats (asked for only when the
    /// admin checks a link's evidence).
    CheckLinkEvidence,
    /// Make every member of a group or team reachable: read the members, install for each.
    ReachMembers,
    /// Update the bot end to end, in one sign-in: publish the new version, upgrade where it is
    /// installed, then check its permissions. Asked for when a step of an update needs a new
    /// sign-in anyway, so the steps after it do not ask again (the admin can still choose the
    /// one step only). Never asked for by reading alone.
    UpdateBot,
}

/// One delegated scope BotDeck may ask for, and why (the Settings page shows this).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ScopeInfo {
    pub scope: String,
    pub feature: Feature,
    pub reason: String,
}

const CATALOG: &[(&str, Feature, &str)] = &[
    ("openid", Feature::ReadTenant, "Sign you in."),
    ("profile", Feature::ReadTenant, "Show your name on the profile."),
    ("offline_access", Feature::ReadTenant, "Stay signed in across restarts (refresh token, kept in the OS keyring)."),
    ("User.Read", Feature::ReadTenant, "Read your account, your organisation's name and domains, and your directory roles."),
    ("Team.ReadBasic.All", Feature::ReadTenant, "List the teams the bot can be installed in."),
    ("Channel.ReadBasic.All", Feature::ReadTenant, "Find each team's General channel and tell private and shared channels apart."),
    ("AppCatalog.Read.All", Feature::ReadTenant, "Find the bot in the org app catalog and read its versions."),
    ("TeamsAppInstallation.ReadForTeam", Feature::ReadTenant, "See where the bot is installed and at which version."),
    ("Chat.ReadBasic", Feature::ReadTenant, "List the group chats you can see, and read resource-specific consent granted in them."),
    ("TeamsAppInstallation.ReadForChat", Feature::ReadTenant, "See which group chats have the bot, and at which version."),
    ("User.Read.All", Feature::ReadTenant, "List users (and follow changes with a delta query) to see who has the bot in personal scope."),
    ("TeamsAppInstallation.ReadForUser", Feature::ReadTenant, "See which users have the bot in personal scope, and at which version."),
    ("AppCatalog.Submit", Feature::Publish, "Submit a new version of the bot for review."),
    ("AppCatalog.ReadWrite.All", Feature::Publish, "Publish, update, approve and delete the bot in the org catalog."),
    ("TeamsAppInstallation.ReadWriteAndConsentForTeam", Feature::Install, "Install, upgrade and remove the bot in teams, consenting to its resource-specific permissions."),
    ("TeamsAppInstallation.ReadWriteAndConsentForChat", Feature::Install, "Install, upgrade and remove the bot in group chats."),
    ("TeamsAppInstallation.ReadWriteForUser", Feature::Install, "Install the bot for users (personal scope)."),
    ("Application.Read.All", Feature::ReviewPermissions, "Read the bot's service principal and its application roles."),
    // Microsoft documents Directory.Read.All as the least-privileged delegated permission for
    // listing oauth2PermissionGrants; there is no narrower read-only one.
    ("Directory.Read.All", Feature::ReviewPermissions, "Read the delegated permission grants given to the bot, including per-user consents."),
    ("User.ReadBasic.All", Feature::ReviewPermissions, "Show the name of each user who consented for themselves."),
    ("DelegatedPermissionGrant.ReadWrite.All", Feature::RevokePermissions, "Trim or delete delegated permission grants given to the bot."),
    ("AppRoleAssignment.ReadWrite.All", Feature::RevokePermissions, "Revoke application roles granted to the bot."),
    ("ChannelMessage.Read.All", Feature::CheckLinkEvidence, "Read the bot's reply to a link command in a team's channel (only when you check a link)."),
    ("Chat.Read", Feature::CheckLinkEvidence, "Read the bot's reply to a link command in group chats you are in (only when you check a link)."),
    ("GroupMember.Read.All", Feature::ReachMembers, "List the members of a group or team, to install the bot for each of them."),
];

pub fn catalog() -> Vec<ScopeInfo> {
    CATALOG
        .iter()
        .map(|(scope, feature, reason)| ScopeInfo {
            scope: (*scope).to_string(),
            feature: *feature,
            reason: (*reason).to_string(),
        })
        .collect()
}

/// Features whose scopes `feature` also needs: revoking starts by reading what is granted.
fn implied(feature: Feature) -> &'static [Feature] {
    match feature {
        Feature::RevokePermissions => &[Feature::ReviewPermissions],
        Feature::ReachMembers => &[Feature::Install],
        Feature::UpdateBot => &[
            Feature::Publish,
            Feature::Install,
            Feature::ReviewPermissions,
        ],
        _ => &[],
    }
}

/// Scopes a token needs for `feature`. Every feature includes the read-tenant base.
pub fn scopes_for(feature: Feature) -> Vec<String> {
    CATALOG
        .iter()
        .filter(|(_, f, _)| {
            *f == Feature::ReadTenant || *f == feature || implied(feature).contains(f)
        })
        .map(|(s, _, _)| (*s).to_string())
        .collect()
}

/// What a sign-in for `feature` asks for: the feature's scopes plus every scope of BotDeck's
/// catalog the profile already holds (`held`, as Entra reported them, prefixed or not).
/// Scopes outside BotDeck's catalog are not asked for: least privilege for what BotDeck
/// requests, even when the tenant consented more for the client.
pub fn request_for(held: &[String], feature: Feature) -> Vec<String> {
    let held: Vec<String> = held.iter().map(|s| short_scope(s)).collect();
    let wanted = scopes_for(feature);
    CATALOG
        .iter()
        .map(|(s, _, _)| (*s).to_string())
        .filter(|s| wanted.contains(s) || held.iter().any(|h| h.eq_ignore_ascii_case(s)))
        .collect()
}

/// Features whose scopes `granted` covers completely (what the Settings page calls ready).
pub fn features_covered(granted: &[String]) -> Vec<Feature> {
    let granted: Vec<String> = granted.iter().map(|s| short_scope(s)).collect();
    [
        Feature::ReadTenant,
        Feature::Publish,
        Feature::Install,
        Feature::ReviewPermissions,
        Feature::RevokePermissions,
        Feature::UpdateBot,
    ]
    .into_iter()
    .filter(|f| missing(&granted, &scopes_for(*f)).is_empty())
    .collect()
}

/// `https://graph.microsoft.com/User.Read` → `User.Read`.
pub fn short_scope(scope: &str) -> String {
    scope
        .strip_prefix(GRAPH_RESOURCE)
        .unwrap_or(scope)
        .to_string()
}

/// What the token lacks for `needed`; OIDC scopes are never echoed back, so they don't count.
pub fn missing(granted: &[String], needed: &[String]) -> Vec<String> {
    needed
        .iter()
        .filter(|s| {
            !matches!(
                s.as_str(),
                "openid" | "profile" | "offline_access" | "email"
            )
        })
        .filter(|s| !granted.iter().any(|g| g.eq_ignore_ascii_case(s)))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_add_to_the_base_set() {
        let base = scopes_for(Feature::ReadTenant);
        let publish = scopes_for(Feature::Publish);
        assert!(base.iter().all(|s| publish.contains(s)));
        assert!(publish.contains(&"AppCatalog.Submit".to_string()));
        assert!(!base.contains(&"AppCatalog.Submit".to_string()));
        assert!(!publish.contains(&"AppRoleAssignment.ReadWrite.All".to_string()));
    }

    #[test]
    fn updating_the_bot_asks_once_for_each_step_of_the_update_and_nothing_else() {
        let update = scopes_for(Feature::UpdateBot);
        for step in [
            Feature::Publish,
            Feature::Install,
            Feature::ReviewPermissions,
        ] {
            let needed = scopes_for(step);
            assert!(
                missing(&update, &needed).is_empty(),
                "{step:?} would ask again"
            );
        }
        // Revoking and reading messages are not part of an update: least privilege.
        for other in [
            Feature::RevokePermissions,
            Feature::CheckLinkEvidence,
            Feature::ReachMembers,
        ] {
            let extra: Vec<String> = scopes_for(other)
                .into_iter()
                .filter(|s| !update.contains(s))
                .collect();
            assert!(
                !extra.is_empty(),
                "{other:?} is covered by an update sign-in"
            );
        }
        assert!(!update.contains(&"AppRoleAssignment.ReadWrite.All".to_string()));
        assert!(!update.contains(&"ChannelMessage.Read.All".to_string()));
        // Reading alone never asks for any of it.
        let read = scopes_for(Feature::ReadTenant);
        assert!(!read.contains(&"AppCatalog.ReadWrite.All".to_string()));
        assert!(!read.contains(&"Directory.Read.All".to_string()));
        // And a profile that holds it is ready for each step.
        let covered = features_covered(&update);
        for f in [
            Feature::Publish,
            Feature::Install,
            Feature::ReviewPermissions,
            Feature::UpdateBot,
        ] {
            assert!(covered.contains(&f), "{f:?}");
        }
        assert!(!covered.contains(&Feature::RevokePermissions));
    }

    #[test]
    fn revoking_includes_what_reviewing_reads() {
        let review = scopes_for(Feature::ReviewPermissions);
        let revoke = scopes_for(Feature::RevokePermissions);
        assert!(review.iter().all(|s| revoke.contains(s)), "{revoke:?}");
        assert!(revoke.contains(&"AppRoleAssignment.ReadWrite.All".to_string()));
        assert!(!review.contains(&"AppRoleAssignment.ReadWrite.All".to_string()));
    }

    #[test]
    fn link_evidence_scopes_are_asked_only_for_evidence() {
        let evidence = scopes_for(Feature::CheckLinkEvidence);
        assert!(evidence.contains(&"ChannelMessage.Read.All".to_string()));
        assert!(evidence.contains(&"Chat.Read".to_string()));
        for other in [Feature::ReadTenant, Feature::Install, Feature::ReachMembers] {
            let s = scopes_for(other);
            assert!(
                !s.contains(&"ChannelMessage.Read.All".to_string()),
                "{other:?}"
            );
            assert!(!s.contains(&"Chat.Read".to_string()), "{other:?}");
        }
        let reach = scopes_for(Feature::ReachMembers);
        assert!(reach.contains(&"GroupMember.Read.All".to_string()));
        assert!(reach.contains(&"TeamsAppInstallation.ReadWriteForUser".to_string()));
    }

    #[test]
    fn missing_ignores_oidc_and_case() {
        let granted = vec!["user.read".to_string(), "Team.ReadBasic.All".into()];
        let needed = vec![
            "openid".to_string(),
            "User.Read".into(),
            "AppCatalog.Submit".into(),
        ];
        assert_eq!(missing(&granted, &needed), ["AppCatalog.Submit"]);
        assert_eq!(
            short_scope("https://graph.microsoft.com/User.Read"),
            "User.Read"
        );
    }

    #[test]
    fn a_sign_in_asks_for_what_is_held_plus_the_new_feature() {
        let held: Vec<String> = scopes_for(Feature::Publish)
            .into_iter()
            .map(|s| format!("{GRAPH_RESOURCE}{s}"))
            .chain(["Mail.Send".to_string()])
            .collect();
        let asked = request_for(&held, Feature::Install);
        for s in scopes_for(Feature::Publish)
            .iter()
            .chain(scopes_for(Feature::Install).iter())
        {
            assert!(asked.contains(s), "{s} missing from {asked:?}");
        }
        // Nothing outside BotDeck's own list, and nothing twice.
        assert!(!asked.iter().any(|s| s == "Mail.Send"));
        let mut dedup = asked.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), asked.len());
        // Nothing held: exactly the feature's scopes.
        let fresh = request_for(&[], Feature::ReadTenant);
        let mut want = scopes_for(Feature::ReadTenant);
        want.sort();
        let mut got = fresh;
        got.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn covered_features_follow_the_granted_scopes() {
        let granted = request_for(&scopes_for(Feature::Publish), Feature::RevokePermissions);
        let covered = features_covered(&granted);
        assert!(covered.contains(&Feature::Publish));
        assert!(covered.contains(&Feature::ReviewPermissions));
        assert!(covered.contains(&Feature::RevokePermissions));
        assert!(!covered.contains(&Feature::Install));
        assert!(features_covered(&[]).is_empty());
    }

    #[test]
    fn no_scope_is_listed_twice() {
        let all = catalog();
        let mut names: Vec<_> = all.iter().map(|s| s.scope.to_lowercase()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len());
    }

    #[test]
    fn every_scope_has_a_reason() {
        assert!(catalog()
            .iter()
            .all(|s| s.reason.ends_with('.') && s.reason.len() > 10));
    }
}
