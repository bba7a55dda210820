//! Deterministic tenants from `(seed, size)`.

use std::collections::HashMap;

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

use crate::model::*;
use crate::permissions;
use crate::{
    TenantSize, BOTDECK_PUBLIC_CLIENT_ID, DEMO_BOT_APP_ID, DEMO_BOT_CLIENT_SECRET,
    DEMO_BOT_MANIFEST_ID, MATTERMOST_APP_ID, OX_SECURITY_APP_ID, PAGERDUTY_APP_ID,
    PAGERDUTY_STORE_APP_ID,
};

// Directory role template ids belong to the model (who may do what); seeding only hands them out.
pub use crate::model::{
    ROLE_CLOUD_APP_ADMIN, ROLE_GLOBAL_ADMIN, ROLE_GLOBAL_READER, ROLE_PRIVILEGED_ROLE_ADMIN,
    ROLE_TEAMS_ADMIN, ROLE_TEAMS_COMMS_SUPPORT_ENGINEER,
};

/// Everything in the seeded tenant is dated after this instant (2021-01-01T00:00:00Z).
const EPOCH: i64 = 1_609_459_200;

pub const DEMO_ADMIN_LOCAL: &str = "megan.bowen";

/// RSC the demo bot declares, per version (1.0.0 asked for less; 1.0.1 added consent-
/// triggering permissions, which is what makes upgrades interesting).
fn flashduty_rsc(version: &str) -> Vec<RscPerm> {
    let mut v = vec![RscPerm {
        value: "ChannelMessage.Read.Group".into(),
        kind: "application".into(),
    }];
    if version != "1.0.0" {
        v.push(RscPerm {
            value: "TeamSettings.Read.Group".into(),
            kind: "application".into(),
        });
        v.push(RscPerm {
            value: "ChatMessage.Read.Chat".into(),
            kind: "application".into(),
        });
    }
    v
}

/// RSC the simulated PagerDuty store bot declares. PagerDuty does not publish its manifest's
/// RSC list; two team-scoped read permissions make installing it exercise consent as a real
/// RSC bot does.
pub fn pagerduty_rsc() -> Vec<RscPerm> {
    ["ChannelSettings.Read.Group", "TeamMember.Read.Group"]
        .into_iter()
        .map(|value| RscPerm {
            value: value.into(),
            kind: "application".into(),
        })
        .collect()
}

/// Versions of the PagerDuty store app: teams installed before the store update stay on the
/// older one until upgraded (the Teams guide's v1.2.0 is the current one).
pub const PAGERDUTY_VERSIONS: [&str; 2] = ["1.1.0", "1.2.0"];

/// FlashDuty's declared Graph permissions; the demo tenant lacks `Team.ReadBasic.All`
/// (application) and holds an excessive `Group.ReadWrite.All`.
pub const FLASHDUTY_REQUIRED_ROLES: &[&str] = &[
    "Team.ReadBasic.All",
    "Channel.ReadBasic.All",
    "TeamMember.Read.All",
    "User.Read.All",
    "TeamsAppInstallation.ReadWriteSelfForTeam.All",
    "ChatMember.Read.All",
];
pub const FLASHDUTY_MISSING_ROLE: &str = "Team.ReadBasic.All";
pub const FLASHDUTY_EXCESS_ROLE: &str = "Group.ReadWrite.All";
pub const FLASHDUTY_REQUIRED_SCOPES: &[&str] =
    &["User.Read", "offline_access", "openid", "profile"];

const FIRST: &[&str] = &[
    "Aaron",
    "Abigail",
    "Adam",
    "Aisha",
    "Akira",
    "Alejandro",
    "Amara",
    "Amelia",
    "Andrei",
    "Anika",
    "Ben",
    "Bianca",
    "Carlos",
    "Chen",
    "Chloe",
    "Daniel",
    "Dmitri",
    "Elena",
    "Emeka",
    "Emma",
    "Fatima",
    "Felix",
    "Grace",
    "Hannah",
    "Hiro",
    "Ines",
    "Ivan",
    "Jamal",
    "Jia",
    "Jonas",
    "Julia",
    "Kai",
    "Karin",
    "Lars",
    "Layla",
    "Leo",
    "Lucia",
    "Malik",
    "Maria",
    "Mateo",
    "Mei",
    "Nadia",
    "Noah",
    "Olga",
    "Omar",
    "Priya",
    "Rafael",
    "Rosa",
    "Sami",
    "Sara",
    "Sofia",
    "Tariq",
    "Theo",
    "Valentina",
    "Wei",
    "Yara",
    "Yusuf",
    "Zoe",
    "Zanele",
    "Ravi",
];
const LAST: &[&str] = &[
    "Adams",
    "Ahmed",
    "Andersen",
    "Bauer",
    "Becker",
    "Brown",
    "Chen",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fernandes",
    "Fischer",
    "Garcia",
    "Gonzalez",
    "Gupta",
    "Hansen",
    "Hoffmann",
    "Ivanova",
    "Jensen",
    "Kim",
    "Kowalski",
    "Kumar",
    "Larsen",
    "Lee",
    "Lopez",
    "Martin",
    "Meyer",
    "Moreau",
    "Muller",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Okafor",
    "Olsen",
    "Park",
    "Patel",
    "Petrov",
    "Rossi",
    "Santos",
    "Schmidt",
    "Silva",
    "Singh",
    "Smith",
    "Suzuki",
    "Tanaka",
    "Taylor",
    "Tran",
    "Wagner",
    "Wang",
    "Weber",
    "Wilson",
    "Wong",
    "Yamamoto",
    "Yilmaz",
    "Zhang",
    "Ziegler",
    "Haddad",
    "Mensah",
    "Osei",
    "Reyes",
];
const DEPARTMENTS: &[&str] = &[
    "Engineering",
    "Operations",
    "Sales",
    "Marketing",
    "Finance",
    "HR",
    "Legal",
    "Support",
    "IT",
    "Product",
];
const TITLES: &[&str] = &[
    "Engineer",
    "Senior Engineer",
    "Site Reliability Engineer",
    "Product Manager",
    "Designer",
    "Account Executive",
    "Analyst",
    "Support Specialist",
    "IT Administrator",
    "Director",
];
const CITIES: &[&str] = &[
    "Seattle",
    "Redmond",
    "London",
    "Berlin",
    "Singapore",
    "Sydney",
    "Paris",
    "Toronto",
];
const TEAM_WORDS: &[&str] = &[
    "Alpha", "Atlas", "Beacon", "Comet", "Delta", "Ember", "Falcon", "Glacier", "Harbor",
    "Horizon", "Ion", "Jade", "Kepler", "Lumen", "Meridian", "Nova", "Orbit", "Pulse", "Quartz",
    "Summit",
];
const TEAM_KINDS: &[&str] = &[
    "Platform",
    "Payments",
    "Mobile",
    "Web",
    "Data",
    "Security",
    "Support",
    "Sales",
    "Marketing",
    "Infra",
    "Release",
    "QA",
    "Design",
    "Finance",
    "Ops",
];

struct Persona {
    given: &'static str,
    surname: &'static str,
    title: &'static str,
    department: &'static str,
}

const PERSONAS: &[Persona] = &[
    Persona {
        given: "Megan",
        surname: "Bowen",
        title: "IT Administrator",
        department: "IT",
    },
    Persona {
        given: "Alex",
        surname: "Wilber",
        title: "Teams Support Engineer",
        department: "IT",
    },
    Persona {
        given: "Adele",
        surname: "Vance",
        title: "Retail Manager",
        department: "Retail",
    },
    Persona {
        given: "Diego",
        surname: "Siciliani",
        title: "HR Manager",
        department: "HR",
    },
    Persona {
        given: "Isaiah",
        surname: "Langer",
        title: "Sales Rep",
        department: "Sales",
    },
    Persona {
        given: "Johanna",
        surname: "Lorenz",
        title: "Senior Engineer",
        department: "Engineering",
    },
    Persona {
        given: "Joni",
        surname: "Sherman",
        title: "Paralegal",
        department: "Legal",
    },
    Persona {
        given: "Lee",
        surname: "Gu",
        title: "Director",
        department: "Engineering",
    },
    Persona {
        given: "Lidia",
        surname: "Holloway",
        title: "Product Manager",
        department: "Engineering",
    },
    Persona {
        given: "Lynne",
        surname: "Robbins",
        title: "Planner",
        department: "Retail",
    },
    Persona {
        given: "Miriam",
        surname: "Graham",
        title: "Director",
        department: "Marketing",
    },
    Persona {
        given: "Nestor",
        surname: "Wilke",
        title: "Director",
        department: "Operations",
    },
    Persona {
        given: "Patti",
        surname: "Fernandez",
        title: "President",
        department: "Executive Management",
    },
    Persona {
        given: "Pradeep",
        surname: "Gupta",
        title: "Accountant",
        department: "Finance",
    },
    Persona {
        given: "Grady",
        surname: "Archie",
        title: "Designer",
        department: "R&D",
    },
    Persona {
        given: "Henrietta",
        surname: "Mueller",
        title: "Developer",
        department: "R&D",
    },
];

struct TeamSpec {
    name: &'static str,
    archived: bool,
    rpo_listed: bool,
    forbidden: bool,
    visibility: Visibility,
    /// Extra channels: (name, membership).
    channels: &'static [(&'static str, Membership)],
    /// FlashDuty version pinned in this team, if installed.
    flashduty: Option<&'static str>,
}

const fn t(name: &'static str) -> TeamSpec {
    TeamSpec {
        name,
        archived: false,
        rpo_listed: true,
        forbidden: false,
        visibility: Visibility::Public,
        channels: &[],
        flashduty: None,
    }
}

use Membership::{Private as Prv, Shared as Shr, Standard as Std};

const DEMO_TEAMS: &[TeamSpec] = &[
    TeamSpec {
        flashduty: Some("1.0.2"),
        channels: &[("Alerts", Std), ("Vendor Bridge", Shr)],
        ..t("Incident Response")
    },
    TeamSpec {
        flashduty: Some("1.0.2"),
        channels: &[("Pager Rotation", Std)],
        ..t("SRE On-Call")
    },
    TeamSpec {
        flashduty: Some("1.0.2"),
        channels: &[("Deployments", Std), ("Architecture", Std)],
        ..t("Platform Engineering")
    },
    TeamSpec {
        flashduty: Some("1.0.1"),
        visibility: Visibility::Private,
        channels: &[("Chargebacks", Prv)],
        ..t("Payments Team")
    },
    TeamSpec {
        flashduty: Some("1.0.0"),
        channels: &[("iOS", Std), ("Android", Std)],
        ..t("Mobile Apps")
    },
    TeamSpec {
        channels: &[("Releases", Std)],
        ..t("Web Frontend")
    },
    TeamSpec {
        flashduty: Some("1.0.2"),
        channels: &[("Pipelines", Std)],
        ..t("Data Platform")
    },
    TeamSpec {
        flashduty: Some("1.0.2"),
        visibility: Visibility::Private,
        channels: &[("Red Team", Prv), ("Threat Intel", Std)],
        ..t("Security Operations")
    },
    TeamSpec {
        channels: &[("Tickets", Std)],
        ..t("IT Helpdesk")
    },
    TeamSpec {
        channels: &[("Deals", Std)],
        ..t("Sales West")
    },
    t("Sales East"),
    TeamSpec {
        channels: &[("Campaigns", Std)],
        ..t("Marketing")
    },
    t("Retail Operations"),
    t("Customer Success"),
    TeamSpec {
        visibility: Visibility::Private,
        channels: &[("Budget Planning", Prv)],
        ..t("Finance")
    },
    TeamSpec {
        visibility: Visibility::Private,
        ..t("Human Resources")
    },
    TeamSpec {
        forbidden: true,
        visibility: Visibility::Private,
        ..t("Legal")
    },
    t("Mark 8 Project Team"),
    t("Digital Initiative Public Relations"),
    t("U.S. Sales"),
    t("Product Management"),
    t("Design Studio"),
    t("QA Guild"),
    TeamSpec {
        flashduty: Some("1.0.1"),
        channels: &[("Change Control", Std)],
        ..t("Network Operations")
    },
    TeamSpec {
        flashduty: Some("1.0.0"),
        ..t("Database Admins")
    },
    TeamSpec {
        flashduty: Some("1.0.2"),
        channels: &[("Cost Reviews", Std)],
        ..t("Cloud Infrastructure")
    },
    t("Release Management"),
    TeamSpec {
        flashduty: Some("1.0.2"),
        ..t("Observability")
    },
    t("Support Tier 2"),
    TeamSpec {
        channels: &[("Fabrikam Shared", Shr)],
        ..t("Partner Integrations")
    },
    t("Growth Experiments"),
    t("Contoso Europe"),
    t("Contoso APAC"),
    TeamSpec {
        rpo_listed: false,
        ..t("Facilities")
    },
    TeamSpec {
        rpo_listed: false,
        ..t("Procurement")
    },
    t("Training & Enablement"),
    TeamSpec {
        archived: true,
        flashduty: Some("1.0.0"),
        ..t("Hackathon 2023")
    },
    TeamSpec {
        archived: true,
        ..t("Legacy Intranet")
    },
    TeamSpec {
        rpo_listed: false,
        ..t("All Company")
    },
    t("Executive Staff"),
];

struct Gen {
    rng: ChaCha8Rng,
}

impl Gen {
    fn uuid(&mut self) -> Uuid {
        let mut b = [0u8; 16];
        self.rng.fill_bytes(&mut b);
        uuid::Builder::from_random_bytes(b).into_uuid()
    }
    fn hex32(&mut self) -> String {
        self.uuid().simple().to_string()
    }
    fn time(&mut self) -> i64 {
        EPOCH + self.rng.gen_range(0..(3 * 365 * 86_400))
    }
    fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs[self.rng.gen_range(0..xs.len())]
    }
    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p.clamp(0.0, 1.0))
    }
}

struct Sizes {
    users: usize,
    teams: usize,
    chats: usize,
    plain_groups: usize,
    extra_sps: usize,
}

pub fn build(seed: u64, size: TenantSize) -> Tenant {
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(seed ^ 0x5EED_7E4A_4E70_0001),
    };
    let sizes = match size {
        TenantSize::Tiny => Sizes {
            users: 8,
            teams: 6,
            chats: 4,
            plain_groups: 2,
            extra_sps: 0,
        },
        TenantSize::Demo => Sizes {
            users: 120,
            teams: DEMO_TEAMS.len(),
            chats: 15,
            plain_groups: 12,
            extra_sps: 6,
        },
        TenantSize::Large => Sizes {
            users: 50_000,
            teams: 10_000,
            chats: 2_000,
            plain_groups: 1_500,
            extra_sps: 300,
        },
    };
    let domain = "contoso.onmicrosoft.com".to_string();
    let mut tenant = Tenant {
        id: g.uuid(),
        domain: domain.clone(),
        display_name: "Contoso".into(),
        created: EPOCH - 86_400 * 400,
        users: Vec::with_capacity(sizes.users),
        user_index: HashMap::new(),
        groups: Vec::new(),
        group_index: HashMap::new(),
        chats: Vec::new(),
        chat_index: HashMap::new(),
        apps: Vec::new(),
        sps: Vec::new(),
        role_assignments: Vec::new(),
        grants: Vec::new(),
        roles: Vec::new(),
        registrations: registrations(),
        change_seq: 0,
        admin_user: 0,
    };

    seed_roles(&mut g, &mut tenant);
    seed_users(&mut g, &mut tenant, sizes.users);
    seed_catalog(&mut g, &mut tenant);
    seed_teams(&mut g, &mut tenant, size, sizes.teams, sizes.plain_groups);
    seed_chats(&mut g, &mut tenant, size, sizes.chats);
    seed_personal_installs(&mut g, &mut tenant, size);
    seed_service_principals(&mut g, &mut tenant, sizes.extra_sps);
    tenant.reindex();
    tenant
}

/// PagerDuty's published permissions (integration guide v1.2.0): delegated, then application
/// (the seven required first, then the two optional ones).
const PAGERDUTY_SCOPES: &[&str] = &[
    "Chat.ReadWrite",
    "offline_access",
    "OnlineMeetings.ReadWrite",
    "TeamsAppInstallation.ReadWriteForChat",
    "User.Read",
    "User.ReadBasic.All",
    "openid",
    "email",
    "profile",
];
const PAGERDUTY_ROLES: &[&str] = &[
    "Chat.Create",
    "ChatMember.ReadWrite.All",
    "OnlineMeetings.ReadWrite.All",
    "Organization.Read.All",
    "TeamsAppInstallation.ReadWriteSelfForChat",
    "User.Read.All",
    "User.ReadBasic.All",
    "Calendars.ReadWrite",
    "ChatMessage.Read.All",
];

fn registrations() -> Vec<AppRegistration> {
    let s = |v: &[&str]| v.iter().map(|x| (x.to_string(), false)).collect::<Vec<_>>();
    let r = |v: &[&str]| v.iter().map(|x| (x.to_string(), true)).collect::<Vec<_>>();
    let mut flash = s(FLASHDUTY_REQUIRED_SCOPES);
    flash.extend(r(FLASHDUTY_REQUIRED_ROLES));
    let mut mm = s(&[
        "Chat.Read",
        "ChatMessage.Read",
        "Files.Read.All",
        "offline_access",
        "User.Read",
    ]);
    mm.extend(r(&["Chat.Read.All", "Presence.Read.All"]));
    // PagerDuty's registration asks what its integration guide publishes (required + optional).
    let mut pd = s(PAGERDUTY_SCOPES);
    pd.extend(r(PAGERDUTY_ROLES));
    // OX publishes one list of nine delegated scopes for its registration; no roles, no RSC.
    let ox = s(&[
        "Channel.ReadBasic.All",
        "ChannelMessage.Send",
        "Chat.Create",
        "Chat.ReadWrite",
        "offline_access",
        "openid",
        "Team.ReadBasic.All",
        "User.Read",
        "User.Read.All",
    ]);
    vec![
        AppRegistration {
            app_id: BOTDECK_PUBLIC_CLIENT_ID.into(),
            display_name: "BotDeck".into(),
            publisher: "BotDeck".into(),
            public_client: true,
            redirect_uris: vec!["http://localhost".into(), "http://127.0.0.1".into()],
            secret: None,
            // What BotDeck itself needs, so `.default` sign-ins get a complete token.
            required: s(&[
                "User.Read",
                "offline_access",
                "openid",
                "profile",
                "User.Read.All",
                "Group.Read.All",
                "Team.ReadBasic.All",
                "Channel.ReadBasic.All",
                "TeamMember.Read.All",
                "Chat.ReadBasic",
                "AppCatalog.ReadWrite.All",
                "TeamsAppInstallation.ReadWriteAndConsentForTeam",
                "TeamsAppInstallation.ReadWriteAndConsentForChat",
                "TeamsAppInstallation.ReadWriteForUser",
                "Application.Read.All",
                "AppRoleAssignment.ReadWrite.All",
                "DelegatedPermissionGrant.ReadWrite.All",
                "Directory.Read.All",
                "Organization.Read.All",
            ]),
        },
        AppRegistration {
            app_id: DEMO_BOT_APP_ID.into(),
            display_name: "FlashDuty".into(),
            publisher: "FlashDuty Inc.".into(),
            public_client: false,
            redirect_uris: vec!["https://console.flashduty.example/teams/consent".into()],
            secret: Some(DEMO_BOT_CLIENT_SECRET.into()),
            required: flash,
        },
        AppRegistration {
            app_id: MATTERMOST_APP_ID.into(),
            display_name: "Mattermost for Teams".into(),
            publisher: "Mattermost".into(),
            public_client: false,
            redirect_uris: vec!["https://mattermost.example/plugins/msteams/oauth-redirect".into()],
            secret: Some("sim-secret-mattermost".into()),
            required: mm,
        },
        AppRegistration {
            app_id: PAGERDUTY_APP_ID.into(),
            display_name: "PagerDuty".into(),
            publisher: "PagerDuty, Inc.".into(),
            public_client: false,
            redirect_uris: vec!["https://app.pagerduty.example/teams/callback".into()],
            secret: Some("sim-secret-pagerduty".into()),
            required: pd,
        },
        AppRegistration {
            app_id: OX_SECURITY_APP_ID.into(),
            display_name: "OX Security".into(),
            publisher: "OX Security".into(),
            public_client: false,
            redirect_uris: vec!["https://app.ox.example/teams/consent".into()],
            secret: Some("sim-secret-ox".into()),
            required: ox,
        },
    ]
}

fn seed_roles(g: &mut Gen, t: &mut Tenant) {
    let defs: &[(&'static str, &'static str, &'static str)] = &[
        (ROLE_GLOBAL_ADMIN, "Global Administrator", "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities."),
        (ROLE_TEAMS_ADMIN, "Teams Administrator", "Can manage the Microsoft Teams service."),
        (ROLE_TEAMS_COMMS_SUPPORT_ENGINEER, "Teams Communications Support Engineer", "Can troubleshoot communications issues within Teams using advanced tools."),
        (ROLE_PRIVILEGED_ROLE_ADMIN, "Privileged Role Administrator", "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management."),
        (ROLE_GLOBAL_READER, "Global Reader", "Can read everything that a Global Administrator can, but not update anything."),
        (ROLE_CLOUD_APP_ADMIN, "Cloud Application Administrator", "Can create and manage all aspects of app registrations and enterprise apps except App Proxy."),
    ];
    for (template_id, display_name, description) in defs {
        t.roles.push(DirectoryRole {
            id: g.uuid(),
            template_id,
            display_name,
            description,
        });
    }
}

fn role_idx(t: &Tenant, template: &str) -> usize {
    t.roles
        .iter()
        .position(|r| r.template_id == template)
        .unwrap_or(0)
}

fn seed_users(g: &mut Gen, t: &mut Tenant, n: usize) {
    let domain = t.domain.clone();
    let mut taken: HashMap<String, u32> = HashMap::new();
    for i in 0..n {
        let (given, surname, title, dept) = if let Some(p) = PERSONAS.get(i) {
            (
                p.given.to_string(),
                p.surname.to_string(),
                p.title.to_string(),
                p.department.to_string(),
            )
        } else {
            (
                g.pick(FIRST).to_string(),
                g.pick(LAST).to_string(),
                g.pick(TITLES).to_string(),
                g.pick(DEPARTMENTS).to_string(),
            )
        };
        let base = format!(
            "{}.{}",
            given.to_ascii_lowercase(),
            surname.to_ascii_lowercase()
        );
        let count = taken.entry(base.clone()).or_insert(0);
        *count += 1;
        let local = if *count == 1 {
            base
        } else {
            format!("{base}{count}")
        };
        // Every 40th generated user is a guest and every 25th is disabled; the persona
        // list is kept clean so the demo admin is always usable.
        let generated = i >= PERSONAS.len().min(n);
        let guest = (generated && i % 40 == 7) || (i == n.saturating_sub(1) && n >= 4);
        let disabled = (generated && i % 25 == 3) || (i == n.saturating_sub(2) && n >= 4);
        let (upn, mail) = if guest {
            let ext = format!("{local}_fabrikam.com");
            (
                format!("{ext}#EXT#@{domain}"),
                Some(format!("{local}@fabrikam.com")),
            )
        } else {
            (
                format!("{local}@{domain}"),
                Some(format!("{local}@{domain}")),
            )
        };
        let created = g.time();
        let office = Some(g.pick(CITIES).to_string());
        t.users.push(User {
            id: g.uuid(),
            display_name: format!("{given} {surname}"),
            given_name: Some(given),
            surname: Some(surname),
            upn,
            mail,
            job_title: if guest { None } else { Some(title) },
            department: if guest { None } else { Some(dept) },
            office_location: if guest { None } else { office },
            account_enabled: !disabled,
            guest,
            created,
            roles: Vec::new(),
            installs: Vec::new(),
            change_seq: 0,
        });
    }
    for (i, u) in t.users.iter_mut().enumerate() {
        u.change_seq = i as u64 + 1;
    }
    t.change_seq = t.users.len() as u64;
    let ga = role_idx(t, ROLE_GLOBAL_ADMIN);
    let ta = role_idx(t, ROLE_TEAMS_ADMIN);
    let tcse = role_idx(t, ROLE_TEAMS_COMMS_SUPPORT_ENGINEER);
    let gr = role_idx(t, ROLE_GLOBAL_READER);
    if let Some(u) = t.users.get_mut(0) {
        u.roles = vec![ga, ta];
    }
    if let Some(u) = t.users.get_mut(1) {
        u.roles = vec![tcse];
    }
    if let Some(u) = t.users.get_mut(2) {
        u.roles = vec![gr];
    }
    t.admin_user = 0;
}

// A positional seed-table helper; a builder would only make the tables longer.
#[allow(clippy::too_many_arguments)]
fn def(
    app_id: &str,
    version: &str,
    name: &str,
    short: &str,
    state: PublishingState,
    when: i64,
    by: Option<Uuid>,
    bot: Option<&str>,
    client: Option<&str>,
    rsc: Vec<RscPerm>,
) -> AppDef {
    AppDef {
        id: definition_id(app_id, version, state),
        version: version.into(),
        display_name: name.into(),
        short_description: short.into(),
        description: format!("{name}: {short}"),
        state,
        last_modified: when,
        created_by: by,
        bot_id: bot.map(str::to_string),
        client_app_id: client.map(str::to_string),
        rsc,
    }
}

fn seed_catalog(g: &mut Gen, t: &mut Tenant) {
    let admin = t.users.first().map(|u| u.id);
    let flash_id = g.uuid().to_string();
    let mut flash = TeamsApp {
        id: flash_id.clone(),
        external_id: Some(DEMO_BOT_MANIFEST_ID.into()),
        display_name: "FlashDuty".into(),
        distribution: Distribution::Organization,
        definitions: Vec::new(),
    };
    for (k, v) in ["1.0.0", "1.0.1", "1.0.2"].iter().enumerate() {
        flash.definitions.push(def(
            &flash_id,
            v,
            "FlashDuty",
            "On-call alerting and incident response in Teams",
            PublishingState::Published,
            EPOCH + 86_400 * (400 + 60 * k as i64),
            admin,
            Some(DEMO_BOT_APP_ID),
            Some(DEMO_BOT_APP_ID),
            flashduty_rsc(v),
        ));
    }
    t.apps.push(flash);

    let org =
        |g: &mut Gen, name: &str, ext: Option<String>, version: &str, state, bot: Option<&str>| {
            let id = g.uuid().to_string();
            let when = g.time();
            TeamsApp {
                id: id.clone(),
                external_id: ext,
                display_name: name.into(),
                distribution: Distribution::Organization,
                definitions: vec![def(
                    &id,
                    version,
                    name,
                    "Line-of-business app",
                    state,
                    when,
                    admin,
                    bot,
                    None,
                    Vec::new(),
                )],
            }
        };
    let helpdesk_ext = Some(g.uuid().to_string());
    let a = org(
        g,
        "Contoso Helpdesk",
        helpdesk_ext,
        "2.1.0",
        PublishingState::Published,
        None,
    );
    t.apps.push(a);
    let expense_ext = Some(g.uuid().to_string());
    let a = org(
        g,
        "Expense Tracker",
        expense_ext,
        "0.9.0",
        PublishingState::Submitted,
        None,
    );
    t.apps.push(a);
    let ox_ext = Some(g.uuid().to_string());
    let a = org(
        g,
        "OX Security",
        ox_ext,
        "3.2.1",
        PublishingState::Published,
        Some(OX_SECURITY_APP_ID),
    );
    t.apps.push(a);
    let mm_ext = Some(g.uuid().to_string());
    let a = org(
        g,
        "Mattermost",
        mm_ext,
        "2.0.0",
        PublishingState::Published,
        Some(MATTERMOST_APP_ID),
    );
    t.apps.push(a);

    for name in [
        "PagerDuty",
        "Planner",
        "Polly",
        "Jira Cloud",
        "Trello",
        "ServiceNow",
        "Zoom",
        "Asana",
        "GitHub",
        "Forms",
    ] {
        let when = g.time();
        if name == "PagerDuty" {
            // The real store app id: for store apps the catalog id is the manifest id.
            let id = PAGERDUTY_STORE_APP_ID.to_string();
            t.apps.push(TeamsApp {
                id: id.clone(),
                external_id: None,
                display_name: name.into(),
                distribution: Distribution::Store,
                definitions: PAGERDUTY_VERSIONS
                    .iter()
                    .enumerate()
                    .map(|(k, v)| {
                        def(
                            &id,
                            v,
                            name,
                            "Incident response and on-call alerts in Teams",
                            PublishingState::Published,
                            when + k as i64 * 86_400,
                            None,
                            Some(PAGERDUTY_APP_ID),
                            Some(PAGERDUTY_APP_ID),
                            pagerduty_rsc(),
                        )
                    })
                    .collect(),
            });
            continue;
        }
        let id = g.uuid().to_string();
        t.apps.push(TeamsApp {
            id: id.clone(),
            external_id: None,
            display_name: name.into(),
            distribution: Distribution::Store,
            definitions: vec![def(
                &id,
                "1.0.0",
                name,
                "Microsoft Teams store app",
                PublishingState::Published,
                when,
                None,
                None,
                None,
                Vec::new(),
            )],
        });
    }
}

fn flash_install(t: &Tenant, version: &str) -> Option<Install> {
    let app = t.apps.first()?;
    let d = app.definitions.iter().find(|d| d.version == version)?;
    Some(Install {
        app_id: app.id.clone(),
        def_id: d.id.clone(),
        consented: (!d.rsc.is_empty()).then(|| d.rsc.clone()),
    })
}

fn pagerduty_install(t: &Tenant, version: &str) -> Option<Install> {
    let app = t.apps.iter().find(|a| a.id == PAGERDUTY_STORE_APP_ID)?;
    let d = app.definitions.iter().find(|d| d.version == version)?;
    Some(Install {
        app_id: app.id.clone(),
        def_id: d.id.clone(),
        consented: Some(d.rsc.clone()),
    })
}

fn store_install(t: &Tenant, name: &str) -> Option<Install> {
    let app = t.apps.iter().find(|a| a.display_name == name)?;
    let d = app.latest_published()?;
    Some(Install {
        app_id: app.id.clone(),
        def_id: d.id.clone(),
        consented: None,
    })
}

fn channel(g: &mut Gen, name: &str, membership: Membership, created: i64) -> Channel {
    Channel {
        id: format!("19:{}@thread.tacv2", g.hex32()),
        display_name: name.into(),
        description: None,
        membership,
        created,
    }
}

fn nickname(name: &str) -> String {
    name.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

fn seed_teams(g: &mut Gen, t: &mut Tenant, size: TenantSize, n_teams: usize, n_plain: usize) {
    let n_users = t.users.len();
    let versions = ["1.0.0", "1.0.1", "1.0.2"];
    for i in 0..n_teams {
        let spec: Option<&TeamSpec> = match size {
            TenantSize::Demo => DEMO_TEAMS.get(i),
            // The tiny tenant reuses the first demo teams that carry edge cases.
            TenantSize::Tiny => [0usize, 3, 7, 16, 33, 36]
                .get(i)
                .and_then(|&k| DEMO_TEAMS.get(k)),
            TenantSize::Large => None,
        };
        let created = g.time();
        let (name, archived, rpo, forbidden, vis, extra, flash) = match spec {
            Some(s) => (
                s.name.to_string(),
                s.archived,
                s.rpo_listed,
                s.forbidden,
                s.visibility,
                s.channels
                    .iter()
                    .map(|(n, m)| (n.to_string(), *m))
                    .collect::<Vec<_>>(),
                s.flashduty,
            ),
            None => {
                let name = format!("{} {} {}", g.pick(TEAM_WORDS), g.pick(TEAM_KINDS), i + 1);
                let mut extra = Vec::new();
                for _ in 0..g.rng.gen_range(0..4) {
                    let m = match g.rng.gen_range(0..10) {
                        0 => Membership::Private,
                        1 => Membership::Shared,
                        _ => Membership::Standard,
                    };
                    let cname = format!(
                        "{} {}",
                        g.pick(TEAM_WORDS),
                        g.pick(&["Updates", "Alerts", "Planning", "Chat", "Reviews"])
                    );
                    extra.push((cname, m));
                }
                let flash = if g.chance(0.35) {
                    Some(match g.rng.gen_range(0..10) {
                        0 => versions[0],
                        1 | 2 => versions[1],
                        _ => versions[2],
                    })
                } else {
                    None
                };
                let vis = if g.chance(0.3) {
                    Visibility::Private
                } else {
                    Visibility::Public
                };
                (
                    name,
                    i % 97 == 5,
                    i % 50 != 11,
                    i % 331 == 17,
                    vis,
                    extra,
                    flash,
                )
            }
        };
        let mut channels = vec![channel(g, "General", Membership::Standard, created)];
        for (cname, m) in extra {
            let c = channel(g, &cname, m, created + 3600);
            channels.push(c);
        }
        let mut installs = Vec::new();
        if let Some(v) = flash {
            installs.extend(flash_install(t, v));
        }
        if i % 3 == 0 {
            installs.extend(store_install(t, "Planner"));
        }
        if i % 5 == 1 {
            installs.extend(store_install(t, "Polly"));
        }
        // PagerDuty from the Teams store, with its RSC consented: most teams at the current
        // version, every third one still on the older.
        if i % 4 == 2 {
            let version = PAGERDUTY_VERSIONS[usize::from(i % 3 != 0)];
            installs.extend(pagerduty_install(t, version));
        }
        let members = if n_users > 0 {
            let mut m = vec![0usize];
            for _ in 0..3 {
                m.push(g.rng.gen_range(0..n_users));
            }
            m.sort_unstable();
            m.dedup();
            m
        } else {
            Vec::new()
        };
        let id = g.uuid();
        t.groups.push(Group {
            id,
            display_name: name.clone(),
            description: Some(format!("Team for {name}")),
            mail_nickname: nickname(&name),
            visibility: vis,
            unified: true,
            security_enabled: false,
            created,
            rpo_listed: rpo,
            team: Some(TeamData {
                is_archived: archived,
                installed_apps_forbidden: forbidden,
                channels,
                installs,
                internal_id: format!("19:{}@thread.tacv2", g.hex32()),
            }),
            members,
        });
    }
    for i in 0..n_plain {
        let unified = i % 2 == 0;
        let name = if unified {
            format!("{} Distribution {}", g.pick(TEAM_WORDS), i + 1)
        } else {
            format!("SG-{}-{}", g.pick(DEPARTMENTS), i + 1)
        };
        let created = g.time();
        t.groups.push(Group {
            id: g.uuid(),
            display_name: name.clone(),
            description: None,
            mail_nickname: nickname(&name),
            visibility: Visibility::Private,
            unified,
            security_enabled: !unified,
            created,
            rpo_listed: false,
            team: None,
            members: Vec::new(),
        });
    }
}

fn seed_chats(g: &mut Gen, t: &mut Tenant, size: TenantSize, n: usize) {
    let n_users = t.users.len();
    if n_users < 2 {
        return;
    }
    const DEMO_CHATS: &[(&str, ChatType, Option<&str>)] = &[
        ("On-call handoff", ChatType::Group, Some("1.0.2")),
        ("Launch war room", ChatType::Group, Some("1.0.2")),
        ("Payments incident 4711", ChatType::Group, Some("1.0.1")),
        ("", ChatType::OneOnOne, None),
        ("Design review", ChatType::Group, None),
        ("Quarterly planning", ChatType::Group, None),
        ("", ChatType::OneOnOne, None),
        ("Weekly ops review", ChatType::Meeting, None),
        ("Lunch crew", ChatType::Group, None),
        ("DB migration", ChatType::Group, None),
        ("Postmortem: API outage", ChatType::Meeting, None),
        ("", ChatType::OneOnOne, None),
        ("Release 24.3", ChatType::Group, None),
        ("Vendor escalation", ChatType::Group, None),
        ("Sprint demo", ChatType::Meeting, None),
    ];
    for i in 0..n {
        let (topic, kind, flash) = match size {
            TenantSize::Large => {
                let kind = match g.rng.gen_range(0..10) {
                    0..=3 => ChatType::OneOnOne,
                    4 => ChatType::Meeting,
                    _ => ChatType::Group,
                };
                let topic = format!("{} {} sync", g.pick(TEAM_WORDS), g.pick(TEAM_KINDS));
                let flash = (kind != ChatType::OneOnOne && g.chance(0.3)).then_some("1.0.2");
                (topic, kind, flash)
            }
            _ => {
                let (a, b, c) = DEMO_CHATS[i % DEMO_CHATS.len()];
                (a.to_string(), b, c)
            }
        };
        let created = g.time();
        let mut members = vec![0usize];
        let other = 1 + (i * 7 + g.rng.gen_range(0..n_users)) % (n_users - 1);
        members.push(other);
        if kind != ChatType::OneOnOne {
            for _ in 0..g.rng.gen_range(1..5) {
                members.push(g.rng.gen_range(0..n_users));
            }
        }
        members.sort_unstable();
        members.dedup();
        let id = match kind {
            ChatType::OneOnOne => {
                let a = t.users[members[0]].id;
                let b = t.users[*members.last().unwrap_or(&0)].id;
                format!("19:{a}_{b}@unq.gbl.spaces")
            }
            ChatType::Group => format!("19:{}@thread.v2", g.hex32()),
            ChatType::Meeting => format!("19:meeting_{}@thread.v2", g.hex32()),
        };
        let mut installs = Vec::new();
        if let Some(v) = flash {
            installs.extend(flash_install(t, v));
        }
        t.chats.push(Chat {
            id,
            topic: (kind != ChatType::OneOnOne).then_some(topic),
            chat_type: kind,
            created,
            last_updated: created + g.rng.gen_range(0..86_400 * 30),
            members,
            installs,
        });
    }
}

fn seed_personal_installs(g: &mut Gen, t: &mut Tenant, size: TenantSize) {
    let Some(inst) = flash_install(t, "1.0.2") else {
        return;
    };
    let chosen: Vec<usize> = match size {
        TenantSize::Large => (0..t.users.len()).filter(|_| g.chance(0.05)).collect(),
        _ => [
            "megan.bowen",
            "adele.vance",
            "diego.siciliani",
            "lee.gu",
            "nestor.wilke",
        ]
        .iter()
        .filter_map(|l| {
            t.users
                .iter()
                .position(|u| u.upn.starts_with(&format!("{l}@")))
        })
        .collect(),
    };
    for i in chosen {
        t.users[i].installs.push(inst.clone());
    }
}

fn add_role(g: &mut Gen, t: &mut Tenant, sp: usize, graph: usize, value: &str) {
    let Some(p) = permissions::by_value(value) else {
        return;
    };
    let Some(role_id) = p.application_id else {
        return;
    };
    let principal = t.sps[sp].id;
    let resource = t.sps[graph].id;
    let extra = g.uuid();
    t.role_assignments.push(AppRoleAssignment {
        id: directory_blob_id(&[principal, extra]),
        app_role_id: role_id.to_string(),
        principal_id: principal,
        principal_display_name: t.sps[sp].display_name.clone(),
        resource_id: resource,
        resource_display_name: t.sps[graph].display_name.clone(),
        created: g.time(),
    });
}

fn add_grant(t: &mut Tenant, sp: usize, graph: usize, principal: Option<Uuid>, scope: &str) {
    let client = t.sps[sp].id;
    let resource = t.sps[graph].id;
    let mut parts = vec![client, resource];
    parts.extend(principal);
    t.grants.push(OAuth2Grant {
        id: directory_blob_id(&parts),
        client_id: client,
        all_principals: principal.is_none(),
        principal_id: principal,
        resource_id: resource,
        scope: scope.into(),
    });
}

fn seed_service_principals(g: &mut Gen, t: &mut Tenant, extra: usize) {
    let ms_tenant = Uuid::parse_str("f8cdef31-a31e-4b4a-93e4-5f571e91255a").ok();
    let push = |g: &mut Gen,
                t: &mut Tenant,
                app_id: &str,
                name: &str,
                publisher: &str,
                owner: Option<Uuid>,
                reply: Vec<String>| {
        let created = g.time();
        t.sps.push(ServicePrincipal {
            id: g.uuid(),
            app_id: app_id.into(),
            display_name: name.into(),
            publisher: publisher.into(),
            app_owner_org: owner,
            tags: vec!["WindowsAzureActiveDirectoryIntegratedApp".into()],
            reply_urls: reply,
            created,
        });
        t.sps.len() - 1
    };
    let graph = push(
        g,
        t,
        GRAPH_APP_ID,
        "Microsoft Graph",
        "Microsoft Services",
        ms_tenant,
        Vec::new(),
    );
    let regs = t.registrations.clone();
    let mut idx = HashMap::new();
    for r in &regs {
        let vendor = Some(g.uuid());
        let i = push(
            g,
            t,
            &r.app_id,
            &r.display_name,
            &r.publisher,
            vendor,
            r.redirect_uris.clone(),
        );
        idx.insert(r.app_id.clone(), i);
    }
    for name in [
        "Microsoft Teams",
        "Office 365 Exchange Online",
        "Office 365 SharePoint Online",
    ] {
        let app_id = g.uuid().to_string();
        push(
            g,
            t,
            &app_id,
            name,
            "Microsoft Services",
            ms_tenant,
            Vec::new(),
        );
    }
    for k in 0..extra {
        let app_id = g.uuid().to_string();
        let name = format!(
            "{} {} Connector {}",
            g.pick(TEAM_WORDS),
            g.pick(TEAM_KINDS),
            k + 1
        );
        let owner = Some(g.uuid());
        push(g, t, &app_id, &name, "Contoso", owner, Vec::new());
    }

    // FlashDuty: every required role but one, plus one it should not have.
    if let Some(&fd) = idx.get(DEMO_BOT_APP_ID) {
        for role in FLASHDUTY_REQUIRED_ROLES
            .iter()
            .filter(|r| **r != FLASHDUTY_MISSING_ROLE)
        {
            add_role(g, t, fd, graph, role);
        }
        add_role(g, t, fd, graph, FLASHDUTY_EXCESS_ROLE);
        add_grant(
            t,
            fd,
            graph,
            None,
            "User.Read offline_access openid profile",
        );
        // A per-user consent that goes beyond what the bot declares.
        if let Some(u) = t.users.get(3).map(|u| u.id) {
            add_grant(t, fd, graph, Some(u), "User.Read Presence.Read.All");
        }
    }
    // Mattermost: admin consent granted before Files.Read.All / Presence.Read.All were added.
    if let Some(&mm) = idx.get(MATTERMOST_APP_ID) {
        add_grant(
            t,
            mm,
            graph,
            None,
            "Chat.Read ChatMessage.Read User.Read offline_access",
        );
        add_role(g, t, mm, graph, "Chat.Read.All");
    }
    // PagerDuty: consented before ChatMember.ReadWrite.All and the optional roles were asked
    // for, so its page shows "UPDATE AVAILABLE" until the admin consents again.
    if let Some(&pd) = idx.get(PAGERDUTY_APP_ID) {
        add_grant(t, pd, graph, None, &PAGERDUTY_SCOPES.join(" "));
        for role in PAGERDUTY_ROLES.iter().take(7) {
            if *role != "ChatMember.ReadWrite.All" {
                add_role(g, t, pd, graph, role);
            }
        }
    }
    if let Some(&ox) = idx.get(OX_SECURITY_APP_ID) {
        add_grant(
            t,
            ox,
            graph,
            None,
            "User.Read Team.ReadBasic.All Channel.ReadBasic.All ChannelMessage.Send offline_access openid",
        );
    }
}
