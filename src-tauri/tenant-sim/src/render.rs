//! Graph JSON representations, property for property as Graph v1.0 documents them.

use serde_json::{json, Value};

use crate::model::*;
use crate::permissions::{self, GRAPH_PERMISSIONS};
use crate::state::rfc3339_secs;

pub const USER_DEFAULT: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];
pub const USER_ALL: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
    "accountEnabled",
    "userType",
    "department",
    "createdDateTime",
    "usageLocation",
    "mailNickname",
    "deletedDateTime",
];

pub fn user(t: &Tenant, u: &User) -> Value {
    let nick = u.upn.split('@').next().unwrap_or_default();
    json!({
        "businessPhones": [],
        "displayName": u.display_name,
        "givenName": u.given_name,
        "jobTitle": u.job_title,
        "mail": u.mail,
        "mobilePhone": null,
        "officeLocation": u.office_location,
        "preferredLanguage": if u.guest { Value::Null } else { json!("en-US") },
        "surname": u.surname,
        "userPrincipalName": u.upn,
        "id": u.id.to_string(),
        "accountEnabled": u.account_enabled,
        "userType": if u.guest { "Guest" } else { "Member" },
        "department": u.department,
        "createdDateTime": rfc3339_secs(u.created.max(t.created)),
        "usageLocation": if u.guest { Value::Null } else { json!("US") },
        "mailNickname": nick,
        "deletedDateTime": null,
    })
}

pub fn user_default(t: &Tenant, u: &User) -> Value {
    crate::odata::project(
        &user(t, u),
        &USER_DEFAULT
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
    )
}

pub const GROUP_ALL: &[&str] = &[
    "id",
    "deletedDateTime",
    "classification",
    "createdDateTime",
    "description",
    "displayName",
    "groupTypes",
    "mail",
    "mailEnabled",
    "mailNickname",
    "resourceProvisioningOptions",
    "securityEnabled",
    "visibility",
    "isAssignableToRole",
    "proxyAddresses",
    "renewedDateTime",
    "securityIdentifier",
];

pub fn group(t: &Tenant, g: &Group) -> Value {
    let mail = g
        .unified
        .then(|| format!("{}@{}", g.mail_nickname, t.domain));
    let rpo: Vec<&str> = if g.team.is_some() && g.rpo_listed {
        vec!["Team"]
    } else {
        vec![]
    };
    json!({
        "id": g.id.to_string(),
        "deletedDateTime": null,
        "classification": null,
        "createdDateTime": rfc3339_secs(g.created),
        "description": g.description,
        "displayName": g.display_name,
        "groupTypes": if g.unified { vec!["Unified"] } else { vec![] },
        "isAssignableToRole": null,
        "mail": mail,
        "mailEnabled": g.unified,
        "mailNickname": g.mail_nickname,
        "proxyAddresses": mail.iter().map(|m| format!("SMTP:{m}")).collect::<Vec<_>>(),
        "renewedDateTime": rfc3339_secs(g.created),
        "resourceProvisioningOptions": rpo,
        "securityEnabled": g.security_enabled,
        "securityIdentifier": format!("S-1-12-1-{}", g.id.as_u128() % 4_000_000_000),
        "visibility": match g.visibility { Visibility::Public => "Public", Visibility::Private => "Private" },
    })
}

fn team_visibility(g: &Group) -> &'static str {
    match g.visibility {
        Visibility::Public => "public",
        Visibility::Private => "private",
    }
}

/// `GET /teams` answers a reduced shape: the rest of the properties come back null.
pub fn team_list_item(g: &Group) -> Value {
    json!({
        "id": g.id.to_string(),
        "createdDateTime": null,
        "displayName": g.display_name,
        "description": g.description,
        "internalId": null,
        "classification": null,
        "specialization": null,
        "visibility": team_visibility(g),
        "webUrl": null,
        "isArchived": g.team.as_ref().map(|d| d.is_archived),
        "tenantId": null,
    })
}

pub fn team(t: &Tenant, g: &Group) -> Value {
    let (archived, internal) = g
        .team
        .as_ref()
        .map(|d| (d.is_archived, d.internal_id.clone()))
        .unwrap_or_default();
    json!({
        "id": g.id.to_string(),
        "createdDateTime": rfc3339_secs(g.created),
        "displayName": g.display_name,
        "description": g.description,
        "internalId": internal,
        "classification": null,
        "specialization": "none",
        "visibility": team_visibility(g),
        "webUrl": format!("https://teams.microsoft.com/l/team/{}/conversations?groupId={}&tenantId={}", urlish(&internal), g.id, t.id),
        "isArchived": archived,
        "tenantId": t.id.to_string(),
        "memberSettings": {
            "allowCreateUpdateChannels": true, "allowDeleteChannels": true, "allowAddRemoveApps": true,
            "allowCreateUpdateRemoveTabs": true, "allowCreateUpdateRemoveConnectors": true,
            "allowCreatePrivateChannels": true
        },
        "guestSettings": {"allowCreateUpdateChannels": false, "allowDeleteChannels": false},
        "messagingSettings": {
            "allowUserEditMessages": true, "allowUserDeleteMessages": true, "allowOwnerDeleteMessages": true,
            "allowTeamMentions": true, "allowChannelMentions": true
        },
        "funSettings": {"allowGiphy": true, "giphyContentRating": "moderate", "allowStickersAndMemes": true, "allowCustomMemes": true},
        "summary": {"ownersCount": 1, "membersCount": g.members.len() as i32, "guestsCount": 0},
    })
}

fn urlish(s: &str) -> String {
    s.replace(':', "%3a").replace('@', "%40")
}

pub fn channel(t: &Tenant, g: &Group, c: &Channel) -> Value {
    json!({
        "id": c.id,
        "createdDateTime": rfc3339_secs(c.created),
        "displayName": c.display_name,
        "description": c.description,
        "isFavoriteByDefault": null,
        "email": if c.membership == Membership::Standard { json!(format!("{}@{}", g.mail_nickname, t.domain)) } else { json!("") },
        "webUrl": format!("https://teams.microsoft.com/l/channel/{}/{}?groupId={}&tenantId={}", urlish(&c.id), urlish(&c.display_name), g.id, t.id),
        "membershipType": c.membership.as_str(),
        "tenantId": t.id.to_string(),
        "isArchived": g.team.as_ref().map(|d| d.is_archived).unwrap_or(false),
    })
}

pub fn chat(t: &Tenant, c: &Chat) -> Value {
    json!({
        "id": c.id,
        "topic": c.topic,
        "createdDateTime": rfc3339_secs(c.created),
        "lastUpdatedDateTime": rfc3339_secs(c.last_updated),
        "chatType": c.chat_type.as_str(),
        "webUrl": format!("https://teams.microsoft.com/l/chat/{}/0?tenantId={}", urlish(&c.id), t.id),
        "tenantId": t.id.to_string(),
        "isHiddenForAllMembers": false,
        "onlineMeetingInfo": null,
    })
}

fn rsc_json(perms: &[RscPerm]) -> Value {
    json!({
        "resourceSpecificPermissions": perms.iter().map(|p| json!({
            "permissionValue": p.value,
            "permissionType": p.kind,
        })).collect::<Vec<_>>()
    })
}

pub fn definition(app: &TeamsApp, d: &AppDef, with_bot: bool) -> Value {
    let mut v = json!({
        "id": d.id,
        "teamsAppId": app.id,
        "displayName": d.display_name,
        "version": d.version,
        "publishingState": d.state.as_str(),
        "shortDescription": d.short_description,
        "description": d.description,
        "lastModifiedDateTime": crate::state::rfc3339_ms(d.last_modified * 1000),
        "createdBy": d.created_by.map(|u| json!({
            "application": null,
            "device": null,
            "user": {
                "@odata.type": "#microsoft.graph.teamworkUserIdentity",
                "id": u.to_string(),
                "displayName": null,
                "userIdentityType": "aadUser"
            }
        })),
        "authorization": {
            "clientAppId": d.client_app_id,
            "requiredPermissionSet": rsc_json(&d.rsc),
        },
    });
    if with_bot {
        v["bot"] = match &d.bot_id {
            Some(id) => json!({"id": id}),
            None => Value::Null,
        };
    }
    v
}

/// `defs`: None = not expanded; Some(with_bot) = expand appDefinitions.
pub fn teams_app(app: &TeamsApp, defs: Option<bool>) -> Value {
    let mut v = json!({
        "id": app.id,
        "externalId": app.external_id,
        "displayName": app.display_name,
        "distributionMethod": app.distribution.as_str(),
    });
    if let Some(bot) = defs {
        v["appDefinitions"] = Value::Array(
            app.visible_definitions()
                .into_iter()
                .map(|d| definition(app, d, bot))
                .collect(),
        );
    }
    v
}

pub fn installation(target_id: &str, inst: &Install, app: &TeamsApp, user_scope: bool) -> Value {
    let def = app
        .definition(&inst.def_id)
        .or_else(|| app.latest_published());
    json!({
        "@odata.type": if user_scope { "#microsoft.graph.userScopeTeamsAppInstallation" } else { "#microsoft.graph.teamsAppInstallation" },
        "id": installation_id(target_id, &app.id),
        "consentedPermissionSet": inst.consented.as_ref().map(|c| rsc_json(c)),
        "teamsApp": teams_app(app, None),
        "teamsAppDefinition": def.map(|d| definition(app, d, false)),
    })
}

pub fn service_principal(t: &Tenant, sp: &ServicePrincipal) -> Value {
    let is_graph = sp.app_id == GRAPH_APP_ID;
    let app_roles: Vec<Value> = if is_graph {
        GRAPH_PERMISSIONS
            .iter()
            .filter_map(permissions::app_role_json)
            .collect()
    } else {
        Vec::new()
    };
    let scopes: Vec<Value> = if is_graph {
        GRAPH_PERMISSIONS
            .iter()
            .filter_map(permissions::permission_scope_json)
            .collect()
    } else {
        Vec::new()
    };
    let mut names = vec![sp.app_id.clone()];
    if is_graph {
        names.extend([
            "https://graph.microsoft.com/".to_string(),
            "https://graph.microsoft.com".to_string(),
            "https://canary.graph.microsoft.com".to_string(),
        ]);
    }
    let _ = t;
    json!({
        "id": sp.id.to_string(),
        "deletedDateTime": null,
        "accountEnabled": true,
        "alternativeNames": [],
        "appDisplayName": sp.display_name,
        "appDescription": null,
        "appId": sp.app_id,
        "applicationTemplateId": null,
        "appOwnerOrganizationId": sp.app_owner_org.map(|u| u.to_string()),
        "appRoleAssignmentRequired": false,
        "description": null,
        "displayName": sp.display_name,
        "homepage": null,
        "loginUrl": null,
        "logoutUrl": null,
        "notes": null,
        "notificationEmailAddresses": [],
        "preferredSingleSignOnMode": null,
        "replyUrls": sp.reply_urls,
        "servicePrincipalNames": names,
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMultipleOrgs",
        "tags": sp.tags,
        "appRoles": app_roles,
        "oauth2PermissionScopes": scopes,
        "info": {"logoUrl": null, "marketingUrl": null, "privacyStatementUrl": null, "supportUrl": null, "termsOfServiceUrl": null},
        "keyCredentials": [],
        "passwordCredentials": [],
        "resourceSpecificApplicationPermissions": [],
        "verifiedPublisher": {"displayName": null, "verifiedPublisherId": null, "addedDateTime": null},
    })
}

pub fn app_role_assignment(a: &AppRoleAssignment) -> Value {
    json!({
        "id": a.id,
        "deletedDateTime": null,
        "appRoleId": a.app_role_id,
        "createdDateTime": crate::state::rfc3339_ms(a.created * 1000),
        "principalDisplayName": a.principal_display_name,
        "principalId": a.principal_id.to_string(),
        "principalType": "ServicePrincipal",
        "resourceDisplayName": a.resource_display_name,
        "resourceId": a.resource_id.to_string(),
    })
}

pub fn grant(g: &OAuth2Grant) -> Value {
    json!({
        "clientId": g.client_id.to_string(),
        "consentType": if g.all_principals { "AllPrincipals" } else { "Principal" },
        "id": g.id,
        "principalId": g.principal_id.map(|p| p.to_string()),
        "resourceId": g.resource_id.to_string(),
        "scope": g.scope,
    })
}

pub fn rsc_grant(target: &str, client_app_id: &str, p: &RscPerm) -> Value {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{target}|{client_app_id}|{}", p.value).as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    let id = crate::model::directory_blob_id(&[uuid::Builder::from_random_bytes(b).into_uuid()]);
    json!({
        "@odata.type": "#microsoft.graph.resourceSpecificPermissionGrant",
        "id": id,
        "deletedDateTime": null,
        "clientId": client_app_id,
        "clientAppId": client_app_id,
        "resourceAppId": GRAPH_APP_ID,
        "permissionType": if p.kind.eq_ignore_ascii_case("delegated") { "Delegated" } else { "Application" },
        "permission": p.value,
    })
}

pub fn organization(t: &Tenant) -> Value {
    json!({
        "id": t.id.to_string(),
        "deletedDateTime": null,
        "businessPhones": ["+1 425 555 0100"],
        "city": "Redmond",
        "country": null,
        "countryLetterCode": "US",
        "createdDateTime": rfc3339_secs(t.created),
        "defaultUsageLocation": null,
        "displayName": t.display_name,
        "marketingNotificationEmails": [],
        "onPremisesLastSyncDateTime": null,
        "onPremisesSyncEnabled": null,
        "postalCode": "98052",
        "preferredLanguage": "en",
        "securityComplianceNotificationMails": [],
        "securityComplianceNotificationPhones": [],
        "state": "WA",
        "street": "One Microsoft Way",
        "technicalNotificationMails": [format!("admin@{}", t.domain)],
        "tenantType": "AAD",
        "assignedPlans": [],
        "provisionedPlans": [],
        "privacyProfile": null,
        "verifiedDomains": [{
            "capabilities": "Email, OfficeCommunicationsOnline",
            "isDefault": true,
            "isInitial": true,
            "name": t.domain,
            "type": "Managed"
        }],
    })
}

pub fn directory_role(r: &DirectoryRole) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.directoryRole",
        "id": r.id.to_string(),
        "deletedDateTime": null,
        "description": r.description,
        "displayName": r.display_name,
        "roleTemplateId": r.template_id,
    })
}

pub fn group_member_of(t: &Tenant, g: &Group) -> Value {
    let mut v = group(t, g);
    v["@odata.type"] = json!("#microsoft.graph.group");
    v
}
