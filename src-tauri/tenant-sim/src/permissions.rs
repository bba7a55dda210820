//! Microsoft Graph permission catalogue as published on Graph's own service principal
//! (appId 00000003-0000-0000-c000-000000000000). The ids are the real, tenant-independent
//! ids from Microsoft's permissions reference, so a client that maps `appRoleId` to a name
//! against the sim behaves exactly as it would against a real tenant.

/// One Graph permission: delegated (`oauth2PermissionScopes`) and/or application (`appRoles`).
#[derive(Debug, Clone, Copy)]
pub struct GraphPermission {
    pub value: &'static str,
    pub delegated_id: Option<&'static str>,
    pub application_id: Option<&'static str>,
    /// Delegated scope a non-admin user may consent to (`type: "User"`); otherwise `Admin`.
    pub user_consent: bool,
    /// Short object phrase used to build display names ("all teams' names and descriptions").
    pub what: &'static str,
}

const fn p(
    value: &'static str,
    delegated_id: Option<&'static str>,
    application_id: Option<&'static str>,
    user_consent: bool,
    what: &'static str,
) -> GraphPermission {
    GraphPermission {
        value,
        delegated_id,
        application_id,
        user_consent,
        what,
    }
}

#[rustfmt::skip]
pub const GRAPH_PERMISSIONS: &[GraphPermission] = &[
    p("AppCatalog.Read.All", Some("88e58d74-d3df-44f3-ad47-e89edf4472e4"), Some("e12dae10-5a57-4817-b79d-dfbec5348930"), false, "all app catalogs"),
    p("AppCatalog.ReadWrite.All", Some("1ca167d5-1655-44a1-8adf-1414072e1ef9"), Some("dc149144-f292-421e-b185-5953f2e98d7f"), false, "all app catalogs (read and write)"),
    p("AppCatalog.Submit", Some("3db89e36-7fa6-4012-b281-85f3d9d9fd2e"), None, false, "app submissions to the app catalog"),
    p("Application.Read.All", Some("c79f8feb-a9db-4090-85f9-90d820caa0eb"), Some("9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30"), false, "all applications"),
    p("Application.ReadWrite.All", Some("bdfbf15f-ee85-4955-8675-146e8e5296b5"), Some("1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9"), false, "all applications (read and write)"),
    p("AppRoleAssignment.ReadWrite.All", Some("84bccea3-f856-4a8a-967b-dbe0a3d53a64"), Some("06b708a9-e830-4db3-a914-8e69da51d44f"), false, "all app role assignments"),
    p("Calendars.ReadWrite", Some("1ec239c2-d7c9-4623-a91a-a9775856bb36"), Some("ef54d2bf-783f-4e0f-bca1-3210c0444d99"), false, "calendars in all mailboxes (read and write)"),
    p("Calls.AccessMedia.All", None, Some("a7a681dc-756e-4909-b988-f160edc6655f"), false, "media streams in a call"),
    p("Calls.Initiate.All", None, Some("284383ee-7f6e-4e40-a2a8-e85dcb029101"), false, "outgoing 1:1 calls"),
    p("Calls.InitiateGroupCall.All", None, Some("4c277553-8a09-487b-8023-29ee378d8324"), false, "outgoing group calls"),
    p("Calls.JoinGroupCall.All", None, Some("f6b49018-60ab-4f81-83bd-22caeabfed2d"), false, "group calls and meetings"),
    p("Calls.JoinGroupCallAsGuest.All", None, Some("fd7ccf6b-3d28-418b-9701-cd10f5cd2fd4"), false, "group calls and meetings as a guest"),
    p("Channel.ReadBasic.All", Some("9d8982ae-4365-4f57-95e9-d6032a4c0b87"), Some("59a6b24b-4225-4393-8165-ebaec5f55d7a"), true, "the names and descriptions of all channels"),
    p("ChannelMember.Read.All", Some("2eadaff8-0bce-4198-a6b9-2cfc35a30075"), Some("3b55498e-47ec-484f-8136-9013221c06a9"), false, "the members of all channels"),
    p("ChannelMessage.Read.All", Some("767156cb-16ae-4d10-8f8b-41b657c8c8c8"), Some("7b2449af-6ccd-4f4d-9f78-e550c193f0d1"), false, "all channel messages"),
    p("ChannelMessage.Send", Some("ebf0f66e-9fb1-49e4-a278-222f76911cf4"), None, true, "channel messages (send)"),
    p("ChannelSettings.Read.All", Some("233e0cf1-dd62-48bc-b65b-b38fe87fcf8e"), Some("c97b873f-f59f-49aa-8a0e-52b32d762124"), false, "the names, descriptions, and settings of all channels"),
    p("Chat.Create", Some("38826093-1258-4dea-98f0-00003be2b8d0"), Some("d9c48af6-9ad9-47ad-82c3-63757137b9af"), false, "chats (create)"),
    p("Chat.Read", Some("f501c180-9344-439a-bca0-6cbf209fd270"), None, true, "the user's chat messages"),
    p("Chat.Read.All", None, Some("6b7d71aa-70aa-4810-a8d9-5d9fb2830017"), false, "all chat messages"),
    p("Chat.ReadBasic", Some("9547fcb5-d03f-419d-9948-5928bbf71b0f"), None, true, "the names and members of the user's chats"),
    p("Chat.ReadBasic.All", None, Some("b2e060da-3baf-4687-9611-f4ebc0f0cbde"), false, "the names and members of all chats"),
    p("Chat.ReadWrite", Some("9ff7295e-131b-4d94-90e1-69fde507ac11"), None, true, "the user's chat messages (read and write)"),
    p("Chat.ReadWrite.All", None, Some("294ce7c9-31ba-490a-ad7d-97a7d075e4ed"), false, "all chat messages (read and write)"),
    p("ChatMember.Read", Some("c5a9e2b1-faf6-41d4-8875-d381aa549b24"), None, true, "the members of the user's chats"),
    p("ChatMember.Read.All", None, Some("a3410be2-8e48-4f32-8454-c29a7465209d"), false, "the members of all chats"),
    p("ChatMember.ReadWrite.All", None, Some("57257249-34ce-4810-a8a2-a03adf0c5693"), false, "the members of all chats (add and remove)"),
    p("ChatMessage.Read", Some("cdcdac3a-fd45-410d-83ef-554db620e5c7"), None, true, "the user's chat messages"),
    p("ChatMessage.Read.All", None, Some("b9bb2381-47a4-46cd-aafb-00cb12f68504"), false, "all chat messages"),
    p("ChatMessage.Send", Some("116b7235-7cc6-461e-b163-8e55691d839e"), None, true, "chat messages (send)"),
    p("DelegatedPermissionGrant.Read.All", None, Some("81b4724a-58aa-41c1-8a55-84ef97466587"), false, "all delegated permission grants"),
    p("DelegatedPermissionGrant.ReadWrite.All", Some("41ce6ca6-6826-4807-84f1-1c82854f7ee5"), Some("8e8e4742-1d95-4f68-9d56-6ee75648c72a"), false, "all delegated permission grants (read and write)"),
    p("Directory.AccessAsUser.All", Some("0e263e50-5827-48a4-b97c-d940288653c7"), None, false, "the directory as the signed-in user"),
    p("Directory.Read.All", Some("06da0dbc-49e2-44d2-8312-53f166ab848a"), Some("7ab1d382-f21e-4acd-a863-ba3e13f7da61"), false, "directory data"),
    p("Directory.ReadWrite.All", Some("c5366453-9fb0-48a5-a156-24f0c49a4b84"), Some("19dbc75e-c2e2-444c-a770-ec69d8559fc7"), false, "directory data (read and write)"),
    p("email", Some("64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0"), None, true, "the user's email address"),
    p("Files.Read.All", Some("df85f4d6-205c-4ac5-a5ea-6bf408dba283"), Some("01d4889c-1287-42c6-ac1f-5d1e02578ef6"), true, "all files the user can access"),
    p("Group.Read.All", Some("5f8c59db-677d-491f-a6b8-5f174b11ec1d"), Some("5b567255-7703-4780-807c-7be8301ae99b"), false, "all groups"),
    p("Group.ReadWrite.All", Some("4e46008b-f24c-477d-8fff-7bb4ec7aafe0"), Some("62a82d76-70ea-41e2-9197-370581804d09"), false, "all groups (read and write)"),
    p("GroupMember.Read.All", Some("bc024368-1153-4739-b217-4326f2e966d0"), Some("98830695-27a2-44f7-8c18-0c3ebc9698f6"), false, "all group memberships"),
    p("offline_access", Some("7427e0e9-2fba-42fe-b0c0-848c9e6a8182"), None, true, "access to data you have given it access to"),
    p("OnlineMeetings.Read", Some("9be106e1-f4e3-4df5-bdff-e4bc531cbe43"), None, true, "the user's online meetings"),
    p("OnlineMeetings.Read.All", None, Some("c1684f21-1984-47fa-9d61-2dc8c296bb70"), false, "all online meeting details"),
    p("OnlineMeetings.ReadWrite", Some("a65f2972-a4f8-4f5e-afd7-69ccb046d5dc"), None, true, "the user's online meetings (read and create)"),
    p("OnlineMeetings.ReadWrite.All", None, Some("b8bb2037-6e08-44ac-a4ea-4674e010e2a4"), false, "all online meetings (read and create)"),
    p("openid", Some("37f7f235-527c-4136-accd-4a02d197296e"), None, true, "sign-in"),
    p("Organization.Read.All", Some("4908d5b9-3fb2-4b1e-9336-1888b7937185"), Some("498476ce-e0fe-48b0-b801-37ba7e2685c6"), false, "organization information"),
    p("Presence.Read", Some("76bc735e-aecd-4a1d-8b4c-2b915deabb79"), None, true, "the user's presence information"),
    p("Presence.Read.All", Some("9c7a330d-35b3-4aa1-963d-cb2b9f927841"), Some("a70e0c2d-e793-494c-94c4-118fa0a67f42"), true, "presence information of all users"),
    p("profile", Some("14dad69e-099b-42c9-810b-d002981feec1"), None, true, "the user's basic profile"),
    p("RoleManagement.Read.Directory", Some("741c54c3-0c1e-44a1-818b-3f97ab4e8c83"), Some("483bed4a-2ad3-4361-a73b-c83ccdbdc53c"), false, "all directory RBAC settings"),
    p("Team.ReadBasic.All", Some("485be79e-c497-4b35-9400-0e3fa7f2a5d4"), Some("2280dda6-0bfd-44ee-a2f4-cb867cfc4c1e"), true, "the names and descriptions of all teams"),
    p("TeamMember.Read.All", Some("2497278c-d82d-46a2-b1ce-39d4cdde5570"), Some("660b7406-55f1-41ca-a0ed-0b035e182f3e"), false, "the members of all teams"),
    p("TeamsActivity.Send", Some("7ab1d787-bae7-4d5d-8db6-37ea32df9186"), Some("a267235f-af13-44dc-8385-c1dc93023186"), true, "activity feed notifications (send)"),
    p("TeamsAppInstallation.ReadForChat", Some("bf3fbf03-f35f-4e93-963e-47e4d874c37a"), Some("cc7e7635-2586-41d6-adaa-a8d3bcad5ee5"), false, "installed Teams apps in chats"),
    p("TeamsAppInstallation.ReadForTeam", Some("5248dcb1-f83b-4ec3-9f4d-a4428a961a72"), Some("1f615aea-6bf9-4b05-84bd-46388e138537"), false, "installed Teams apps in teams"),
    p("TeamsAppInstallation.ReadForUser", Some("c395395c-ff9a-4dba-bc1f-8372ba9dca84"), Some("9ce09611-f4f7-4abd-a629-a05450422a97"), true, "users' installed Teams apps"),
    p("TeamsAppInstallation.ReadWriteAndConsentForChat", Some("e1408a66-8f82-451b-a2f3-3c3e38f7413f"), Some("6e74eff9-4a21-45d6-bc03-3a20f61f8281"), false, "installation and permission grants of Teams apps in chats"),
    p("TeamsAppInstallation.ReadWriteAndConsentForTeam", Some("946349d5-2a9d-4535-abc0-7beeacaedd1d"), Some("b0c13be0-8e20-4bc5-8c55-963c23a39ce9"), false, "installation and permission grants of Teams apps in teams"),
    p("TeamsAppInstallation.ReadWriteAndConsentSelfForChat", Some("a0e0e18b-8fb2-458f-8130-da2d7cab9c75"), Some("ba1ba90b-2d8f-487e-9f16-80728d85bb5c"), false, "installation and permission grants of this app in chats"),
    p("TeamsAppInstallation.ReadWriteAndConsentSelfForTeam", Some("4a6bbf29-a0e1-4a4d-a7d1-cef17f772975"), Some("1e4be56c-312e-42b8-a2c9-009600d732c0"), false, "installation and permission grants of this app in teams"),
    p("TeamsAppInstallation.ReadWriteForChat", Some("aa85bf13-d771-4d5d-a9e6-bca04ce44edf"), Some("9e19bae1-2623-4c4f-ab6e-2664615ff9a0"), false, "installed Teams apps in chats (manage)"),
    p("TeamsAppInstallation.ReadWriteForTeam", Some("2e25a044-2580-450d-8859-42eeb6e996c0"), Some("5dad17ba-f6cc-4954-a5a2-a0dcc95154f0"), false, "installed Teams apps in teams (manage)"),
    p("TeamsAppInstallation.ReadWriteForUser", Some("093f8818-d05f-49b8-95bc-9d2a73e9a43c"), Some("74ef0291-ca83-4d02-8c7e-d2391e6a444f"), true, "users' installed Teams apps (manage)"),
    p("TeamsAppInstallation.ReadWriteSelfForChat", Some("0ce33576-30e8-43b7-99e5-62f8569a4002"), Some("73a45059-f39c-4baf-9182-4954ac0e55cf"), false, "this app's installations in chats"),
    p("TeamsAppInstallation.ReadWriteSelfForTeam", Some("0f4595f7-64b1-4e13-81bc-11a249df07a9"), Some("9f67436c-5415-4e7f-8ac1-3014a7132630"), false, "this app's installations in teams"),
    p("TeamsAppInstallation.ReadWriteSelfForUser", Some("207e0cb1-3ce7-4922-b991-5a760c346ebc"), Some("908de74d-f8b2-4d6b-a9ed-2a17b3b78179"), true, "this app's installations for users"),
    p("TeamSettings.Read.All", Some("48638b3c-ad68-4383-8ac4-e6880ee6ca57"), Some("242607bd-1d2c-432c-82eb-bdb27baa23ab"), false, "all teams' settings"),
    p("TeamSettings.ReadWrite.All", Some("39d65650-9d3e-4223-80db-a335590d027e"), Some("bdd80a03-d9bc-451d-b7c4-ce7c63fe3c8f"), false, "all teams' settings (read and change)"),
    p("User.Read", Some("e1fe6dd8-ba31-4d61-89e7-88639da4683d"), None, true, "the signed-in user's profile"),
    p("User.Read.All", Some("a154be20-db9c-4678-8ab7-66f6cc099a59"), Some("df021288-bdef-4463-88db-98f22de89214"), false, "all users' full profiles"),
    p("User.ReadBasic.All", Some("b340eb25-3456-403f-be2f-af7a0d370277"), Some("97235f07-e226-4f63-ace3-39588e11d3a1"), true, "all users' basic profiles"),
    p("User.ReadWrite.All", Some("204e0828-b5ca-4ad8-b9f3-f32a958e7cc4"), Some("741f803b-c850-494e-b5df-cde7c675a1ca"), false, "all users' full profiles (read and write)"),
];

/// OpenID Connect scopes: consented like Graph scopes but never carried in `scp`.
pub const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

pub fn by_value(value: &str) -> Option<&'static GraphPermission> {
    GRAPH_PERMISSIONS
        .iter()
        .find(|p| p.value.eq_ignore_ascii_case(value))
}

pub fn by_app_role_id(id: &str) -> Option<&'static GraphPermission> {
    GRAPH_PERMISSIONS
        .iter()
        .find(|p| p.application_id.is_some_and(|a| a.eq_ignore_ascii_case(id)))
}

pub fn is_delegated(value: &str) -> bool {
    by_value(value).is_some_and(|p| p.delegated_id.is_some())
}

pub fn is_application(value: &str) -> bool {
    by_value(value).is_some_and(|p| p.application_id.is_some())
}

/// Canonical spelling of a permission value (Graph compares case-insensitively).
pub fn canonical(value: &str) -> Option<&'static str> {
    by_value(value).map(|p| p.value)
}

fn verb(value: &str) -> &'static str {
    if value.contains("ReadWrite") || value.contains("Send") || value.contains("Submit") {
        "Manage"
    } else {
        "Read"
    }
}

pub fn app_role_json(p: &GraphPermission) -> Option<serde_json::Value> {
    let id = p.application_id?;
    Some(serde_json::json!({
        "allowedMemberTypes": ["Application"],
        "description": format!("Allows the app to {} {}, without a signed-in user.", verb(p.value).to_lowercase(), p.what),
        "displayName": format!("{} {}", verb(p.value), p.what),
        "id": id,
        "isEnabled": true,
        "origin": "Application",
        "value": p.value,
    }))
}

pub fn permission_scope_json(p: &GraphPermission) -> Option<serde_json::Value> {
    let id = p.delegated_id?;
    Some(serde_json::json!({
        "adminConsentDescription": format!("Allows the app to {} {} on behalf of the signed-in user.", verb(p.value).to_lowercase(), p.what),
        "adminConsentDisplayName": format!("{} {}", verb(p.value), p.what),
        "id": id,
        "isEnabled": true,
        "type": if p.user_consent { "User" } else { "Admin" },
        "userConsentDescription": format!("Allows the app to {} {} on your behalf.", verb(p.value).to_lowercase(), p.what),
        "userConsentDisplayName": format!("{} {}", verb(p.value), p.what),
        "value": p.value,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_guids() {
        let mut seen = std::collections::HashSet::new();
        for p in GRAPH_PERMISSIONS {
            for id in [p.delegated_id, p.application_id].into_iter().flatten() {
                assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
                assert!(seen.insert(id), "duplicate id {id}");
            }
        }
    }

    #[test]
    fn lookups_are_case_insensitive() {
        assert_eq!(canonical("user.read"), Some("User.Read"));
        assert!(is_application("Chat.Read.All"));
        assert!(!is_delegated("Chat.Read.All"));
    }
}
