//! In-memory directory + Teams state of one simulated tenant.

use std::collections::HashMap;

use uuid::Uuid;

/// Directory role template ids (the same in every tenant).
pub const ROLE_GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const ROLE_TEAMS_ADMIN: &str = "69091246-20e8-4a56-aa4d-066075b2a7a8";
pub const ROLE_TEAMS_COMMS_SUPPORT_ENGINEER: &str = "f70938a0-fc10-4177-9e90-2178f8765737";
pub const ROLE_PRIVILEGED_ROLE_ADMIN: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
pub const ROLE_GLOBAL_READER: &str = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
pub const ROLE_CLOUD_APP_ADMIN: &str = "158c047a-c907-4556-b7ef-446551a6b5f7";

pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Public,
    Private,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    Standard,
    Private,
    Shared,
}

impl Membership {
    pub fn as_str(self) -> &'static str {
        match self {
            Membership::Standard => "standard",
            Membership::Private => "private",
            Membership::Shared => "shared",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatType {
    OneOnOne,
    Group,
    Meeting,
}

impl ChatType {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatType::OneOnOne => "oneOnOne",
            ChatType::Group => "group",
            ChatType::Meeting => "meeting",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distribution {
    Store,
    Organization,
    Sideloaded,
}

impl Distribution {
    pub fn as_str(self) -> &'static str {
        match self {
            Distribution::Store => "store",
            Distribution::Organization => "organization",
            Distribution::Sideloaded => "sideloaded",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishingState {
    Submitted,
    Published,
    Rejected,
}

impl PublishingState {
    pub fn as_str(self) -> &'static str {
        match self {
            PublishingState::Submitted => "submitted",
            PublishingState::Published => "published",
            PublishingState::Rejected => "rejected",
        }
    }
}

/// Resource-specific consent permission as Graph spells it on a definition
/// (`permissionType` is `application` or `delegated`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RscPerm {
    pub value: String,
    pub kind: String,
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    pub display_name: String,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub upn: String,
    pub mail: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub office_location: Option<String>,
    pub account_enabled: bool,
    pub guest: bool,
    pub created: i64,
    pub roles: Vec<usize>,
    pub installs: Vec<Install>,
    /// Directory change sequence number, for `/users/delta`.
    pub change_seq: u64,
}

#[derive(Debug, Clone)]
pub struct DirectoryRole {
    pub id: Uuid,
    pub template_id: &'static str,
    pub display_name: &'static str,
    pub description: &'static str,
}

#[derive(Debug, Clone)]
pub struct Channel {
    pub id: String,
    pub display_name: String,
    pub description: Option<String>,
    pub membership: Membership,
    pub created: i64,
}

#[derive(Debug, Clone)]
pub struct Install {
    pub app_id: String,
    pub def_id: String,
    pub consented: Option<Vec<RscPerm>>,
}

#[derive(Debug, Clone)]
pub struct TeamData {
    pub is_archived: bool,
    /// Models a team whose app inventory cannot be read (e.g. locked by policy): 403.
    pub installed_apps_forbidden: bool,
    pub channels: Vec<Channel>,
    pub installs: Vec<Install>,
    pub internal_id: String,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: Uuid,
    pub display_name: String,
    pub description: Option<String>,
    pub mail_nickname: String,
    pub visibility: Visibility,
    pub unified: bool,
    pub security_enabled: bool,
    pub created: i64,
    /// Old teams were created before `resourceProvisioningOptions` existed: still teams,
    /// but invisible to the `resourceProvisioningOptions/Any(x:x eq 'Team')` filter.
    pub rpo_listed: bool,
    pub team: Option<TeamData>,
    pub members: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Chat {
    pub id: String,
    pub topic: Option<String>,
    pub chat_type: ChatType,
    pub created: i64,
    pub last_updated: i64,
    pub members: Vec<usize>,
    pub installs: Vec<Install>,
}

#[derive(Debug, Clone)]
pub struct AppDef {
    pub id: String,
    pub version: String,
    pub display_name: String,
    pub short_description: String,
    pub description: String,
    pub state: PublishingState,
    pub last_modified: i64,
    pub created_by: Option<Uuid>,
    pub bot_id: Option<String>,
    pub client_app_id: Option<String>,
    pub rsc: Vec<RscPerm>,
}

#[derive(Debug, Clone)]
pub struct TeamsApp {
    pub id: String,
    pub external_id: Option<String>,
    pub display_name: String,
    pub distribution: Distribution,
    /// Every definition ever accepted, oldest first; installs may pin an old one.
    pub definitions: Vec<AppDef>,
}

impl TeamsApp {
    /// The definition new installs and upgrades get.
    pub fn latest_published(&self) -> Option<&AppDef> {
        self.definitions
            .iter()
            .rev()
            .find(|d| d.state == PublishingState::Published)
    }

    pub fn pending(&self) -> Option<&AppDef> {
        self.definitions
            .iter()
            .rev()
            .find(|d| d.state == PublishingState::Submitted)
    }

    /// What `$expand=appDefinitions` shows: the current published definition plus a
    /// pending (or rejected) newer one, never the superseded history.
    pub fn visible_definitions(&self) -> Vec<&AppDef> {
        let mut out = Vec::new();
        if let Some(p) = self.latest_published() {
            out.push(p);
        }
        if let Some(last) = self.definitions.last() {
            if last.state != PublishingState::Published {
                out.push(last);
            }
        }
        out
    }

    pub fn definition(&self, id: &str) -> Option<&AppDef> {
        self.definitions.iter().find(|d| d.id == id)
    }
}

#[derive(Debug, Clone)]
pub struct ServicePrincipal {
    pub id: Uuid,
    pub app_id: String,
    pub display_name: String,
    pub publisher: String,
    pub app_owner_org: Option<Uuid>,
    pub tags: Vec<String>,
    pub reply_urls: Vec<String>,
    pub created: i64,
}

#[derive(Debug, Clone)]
pub struct AppRoleAssignment {
    pub id: String,
    pub app_role_id: String,
    pub principal_id: Uuid,
    pub principal_display_name: String,
    pub resource_id: Uuid,
    pub resource_display_name: String,
    pub created: i64,
}

#[derive(Debug, Clone)]
pub struct OAuth2Grant {
    pub id: String,
    pub client_id: Uuid,
    pub all_principals: bool,
    pub principal_id: Option<Uuid>,
    pub resource_id: Uuid,
    pub scope: String,
}

/// An application registration known to the identity platform (home tenant anywhere):
/// what `/authorize`, `/token` and `/adminconsent` validate clients against.
#[derive(Debug, Clone)]
pub struct AppRegistration {
    pub app_id: String,
    pub display_name: String,
    pub publisher: String,
    pub public_client: bool,
    pub redirect_uris: Vec<String>,
    pub secret: Option<String>,
    /// Graph permissions it declares in `requiredResourceAccess`: (value, is_app_role).
    pub required: Vec<(String, bool)>,
}

#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: Uuid,
    pub domain: String,
    pub display_name: String,
    pub created: i64,
    pub users: Vec<User>,
    pub user_index: HashMap<String, usize>,
    pub groups: Vec<Group>,
    pub group_index: HashMap<String, usize>,
    pub chats: Vec<Chat>,
    pub chat_index: HashMap<String, usize>,
    pub apps: Vec<TeamsApp>,
    pub sps: Vec<ServicePrincipal>,
    pub role_assignments: Vec<AppRoleAssignment>,
    pub grants: Vec<OAuth2Grant>,
    pub roles: Vec<DirectoryRole>,
    pub registrations: Vec<AppRegistration>,
    pub change_seq: u64,
    pub admin_user: usize,
}

impl Tenant {
    pub fn find_user(&self, key: &str) -> Option<usize> {
        self.user_index.get(&key.to_ascii_lowercase()).copied()
    }

    pub fn find_group(&self, id: &str) -> Option<usize> {
        self.group_index.get(&id.to_ascii_lowercase()).copied()
    }

    pub fn find_team(&self, id: &str) -> Option<usize> {
        self.find_group(id)
            .filter(|&i| self.groups[i].team.is_some())
    }

    pub fn find_chat(&self, id: &str) -> Option<usize> {
        self.chat_index.get(id).copied()
    }

    pub fn find_app(&self, id: &str) -> Option<usize> {
        self.apps.iter().position(|a| a.id.eq_ignore_ascii_case(id))
    }

    pub fn find_sp(&self, id: &str) -> Option<usize> {
        self.sps
            .iter()
            .position(|s| s.id.to_string().eq_ignore_ascii_case(id))
    }

    pub fn find_sp_by_app_id(&self, app_id: &str) -> Option<usize> {
        self.sps
            .iter()
            .position(|s| s.app_id.eq_ignore_ascii_case(app_id))
    }

    pub fn graph_sp(&self) -> Option<&ServicePrincipal> {
        self.find_sp_by_app_id(GRAPH_APP_ID).map(|i| &self.sps[i])
    }

    pub fn registration(&self, app_id: &str) -> Option<&AppRegistration> {
        self.registrations
            .iter()
            .find(|r| r.app_id.eq_ignore_ascii_case(app_id))
    }

    /// Users with a role that may grant tenant-wide consent to Graph permissions.
    pub fn can_admin_consent(&self, user: usize) -> bool {
        self.users[user].roles.iter().any(|&r| {
            matches!(
                self.roles[r].template_id,
                ROLE_GLOBAL_ADMIN | ROLE_PRIVILEGED_ROLE_ADMIN
            )
        })
    }

    pub fn next_seq(&mut self) -> u64 {
        self.change_seq += 1;
        self.change_seq
    }

    pub fn reindex(&mut self) {
        self.user_index.clear();
        for (i, u) in self.users.iter().enumerate() {
            self.user_index.insert(u.id.to_string(), i);
            self.user_index.insert(u.upn.to_ascii_lowercase(), i);
        }
        self.group_index = self
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.id.to_string(), i))
            .collect();
        self.chat_index = self
            .chats
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
    }
}

/// Installation ids follow Graph's observable pattern: base64 of `{targetId}##{teamsAppId}`.
pub fn installation_id(target: &str, app_id: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{target}##{app_id}"))
}

/// Definition ids follow Graph's pattern: base64 of `{teamsAppId}##{version}##{State}`.
pub fn definition_id(app_id: &str, version: &str, state: PublishingState) -> String {
    use base64::Engine;
    let state = match state {
        PublishingState::Submitted => "Submitted",
        PublishingState::Published => "Published",
        PublishingState::Rejected => "Rejected",
    };
    base64::engine::general_purpose::STANDARD.encode(format!("{app_id}##{version}##{state}"))
}

/// Directory grant / assignment ids are base64url blobs in Graph, not GUIDs.
pub fn directory_blob_id(parts: &[Uuid]) -> String {
    use base64::Engine;
    let mut bytes = Vec::with_capacity(parts.len() * 16);
    for p in parts {
        bytes.extend_from_slice(p.as_bytes());
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Parses `x.y.z` into a comparable tuple.
pub fn parse_version(v: &str) -> Option<(u64, u64, u64)> {
    let mut it = v.split('.');
    let a = it.next()?.parse().ok()?;
    let b = it.next()?.parse().ok()?;
    let c = it.next()?.parse().ok()?;
    if it.next().is_some() {
        return None;
    }
    Some((a, b, c))
}
