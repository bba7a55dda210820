//! What every resource handler works with: the request in context ([`Ctx`]), the permission
//! sets Graph checks, and the helpers for listing, paging and answering.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::graph::request::*;
use crate::identity::Principal;
use crate::model::*;
use crate::odata::{self, checked_filter, Cursor, Family, GraphError, Query};
use crate::permissions;
use crate::render;
use crate::state::Sim;

pub(super) struct Ctx<'a> {
    pub(super) sim: &'a Sim,
    pub(super) p: &'a Principal,
    pub(super) req: &'a GReq,
    pub(super) q: Query,
    pub(super) segs: Vec<String>,
}

// Permission sets, least privileged first (Graph lists them in its 403 messages).
pub(super) const TEAM_INST_READ_D: &[&str] = &[
    "TeamsAppInstallation.ReadForTeam",
    "TeamsAppInstallation.ReadWriteSelfForTeam",
    "TeamsAppInstallation.ReadWriteForTeam",
    "TeamsAppInstallation.ReadWriteAndConsentForTeam",
    "TeamsAppInstallation.ReadWriteAndConsentSelfForTeam",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(super) const TEAM_INST_WRITE_D: &[&str] = &[
    "TeamsAppInstallation.ReadWriteSelfForTeam",
    "TeamsAppInstallation.ReadWriteForTeam",
    "TeamsAppInstallation.ReadWriteAndConsentForTeam",
    "TeamsAppInstallation.ReadWriteAndConsentSelfForTeam",
    "Group.ReadWrite.All",
    "Directory.ReadWrite.All",
];
pub(super) const TEAM_CONSENT_D: &[&str] = &[
    "TeamsAppInstallation.ReadWriteAndConsentForTeam",
    "TeamsAppInstallation.ReadWriteAndConsentSelfForTeam",
];
pub(super) const CHAT_INST_READ_D: &[&str] = &[
    "TeamsAppInstallation.ReadForChat",
    "TeamsAppInstallation.ReadWriteSelfForChat",
    "TeamsAppInstallation.ReadWriteForChat",
    "TeamsAppInstallation.ReadWriteAndConsentForChat",
    "TeamsAppInstallation.ReadWriteAndConsentSelfForChat",
    "Chat.ReadWrite",
];
pub(super) const CHAT_INST_WRITE_D: &[&str] = &[
    "TeamsAppInstallation.ReadWriteSelfForChat",
    "TeamsAppInstallation.ReadWriteForChat",
    "TeamsAppInstallation.ReadWriteAndConsentForChat",
    "TeamsAppInstallation.ReadWriteAndConsentSelfForChat",
    "Chat.ReadWrite",
];
pub(super) const CHAT_CONSENT_D: &[&str] = &[
    "TeamsAppInstallation.ReadWriteAndConsentForChat",
    "TeamsAppInstallation.ReadWriteAndConsentSelfForChat",
];
pub(super) const USER_INST_READ_D: &[&str] = &[
    "TeamsAppInstallation.ReadForUser",
    "TeamsAppInstallation.ReadWriteSelfForUser",
    "TeamsAppInstallation.ReadWriteForUser",
];
pub(super) const USER_INST_WRITE_D: &[&str] = &[
    "TeamsAppInstallation.ReadWriteSelfForUser",
    "TeamsAppInstallation.ReadWriteForUser",
];
pub(super) const CATALOG_READ_D: &[&str] = &[
    "AppCatalog.Submit",
    "AppCatalog.Read.All",
    "AppCatalog.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(super) const CATALOG_READ_A: &[&str] = &["AppCatalog.Read.All", "AppCatalog.ReadWrite.All"];
pub(super) const CATALOG_SUBMIT_D: &[&str] = &[
    "AppCatalog.Submit",
    "AppCatalog.ReadWrite.All",
    "Directory.ReadWrite.All",
];
pub(super) const CATALOG_ADMIN_D: &[&str] =
    &["AppCatalog.ReadWrite.All", "Directory.ReadWrite.All"];
pub(super) const TEAMS_READ: &[&str] = &[
    "Team.ReadBasic.All",
    "TeamSettings.Read.All",
    "TeamSettings.ReadWrite.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(super) const GROUPS_READ: &[&str] = &[
    "GroupMember.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(super) const CHANNELS_READ: &[&str] = &[
    "Channel.ReadBasic.All",
    "ChannelSettings.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(super) const CHATS_D: &[&str] = &["Chat.ReadBasic", "Chat.Read", "Chat.ReadWrite"];
pub(super) const CHATS_A: &[&str] = &["Chat.ReadBasic.All", "Chat.Read.All", "Chat.ReadWrite.All"];
pub(super) const USERS_READ: &[&str] = &[
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(super) const MEMBER_OF_D: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "User.Read.All",
    "GroupMember.Read.All",
    "Group.Read.All",
    "RoleManagement.Read.Directory",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(super) const MEMBER_OF_A: &[&str] = &[
    "User.Read.All",
    "GroupMember.Read.All",
    "Group.Read.All",
    "RoleManagement.Read.Directory",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(super) const ORG_D: &[&str] = &[
    "User.Read",
    "Organization.Read.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(super) const ORG_A: &[&str] = &[
    "Organization.Read.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(super) const SP_READ: &[&str] = &[
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(super) const ARA_READ: &[&str] = &[
    "Application.Read.All",
    "AppRoleAssignment.ReadWrite.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(super) const ARA_WRITE: &[&str] = &["AppRoleAssignment.ReadWrite.All"];
pub(super) const GRANT_READ_D: &[&str] = &[
    "Directory.Read.All",
    "DelegatedPermissionGrant.ReadWrite.All",
    "Directory.ReadWrite.All",
];
pub(super) const GRANT_READ_A: &[&str] = &[
    "Directory.Read.All",
    "DelegatedPermissionGrant.Read.All",
    "DelegatedPermissionGrant.ReadWrite.All",
    "Directory.ReadWrite.All",
];
pub(super) const GRANT_WRITE: &[&str] = &["DelegatedPermissionGrant.ReadWrite.All"];
pub(super) const TEAM_RSC_GRANTS: &[&str] = &[
    "TeamsAppInstallation.ReadForTeam",
    "TeamMember.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(super) const CHAT_RSC_GRANTS_D: &[&str] = &[
    "ChatMember.Read",
    "Chat.ReadBasic",
    "Chat.Read",
    "Chat.ReadWrite",
    "TeamsAppInstallation.ReadForChat",
];
pub(super) const CHAT_RSC_GRANTS_A: &[&str] = &[
    "ChatMember.Read.All",
    "Chat.ReadBasic.All",
    "Chat.Read.All",
    "Chat.ReadWrite.All",
    "TeamsAppInstallation.ReadForChat.All",
];
pub(super) const ROLES_READ: &[&str] = &[
    "RoleManagement.Read.Directory",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];

/// Application permissions are the delegated names with `.All` where Teams adds it.
pub(super) fn app_variant(names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|n| {
            if n.starts_with("TeamsAppInstallation.") {
                format!("{n}.All")
            } else {
                n.to_string()
            }
        })
        .filter(|n| permissions::is_application(n))
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Team,
    Chat,
    User,
}

impl<'a> Ctx<'a> {
    pub(super) fn s(&self, i: usize) -> &str {
        self.segs.get(i).map(String::as_str).unwrap_or("")
    }

    pub(super) fn base(&self) -> String {
        self.sim.graph_base()
    }

    pub(super) fn context(&self, frag: &str) -> String {
        format!("{}/$metadata#{frag}", self.base())
    }

    pub(super) fn granted(&self) -> BTreeSet<String> {
        match self.p {
            Principal::Delegated { scopes, .. } => scopes.clone(),
            Principal::App { roles, .. } => roles.clone(),
        }
    }

    pub(super) fn has_any(&self, list: &[String]) -> Option<String> {
        let g = self.granted();
        list.iter()
            .find(|p| g.iter().any(|x| x.eq_ignore_ascii_case(p)))
            .cloned()
    }

    /// Checks the token carries one of the permissions; answers Graph's 403 otherwise.
    pub(super) fn require(
        &self,
        delegated: &[&str],
        application: &[String],
        family: Family,
    ) -> Result<String, GraphError> {
        let (list, kind): (Vec<String>, &str) = match self.p {
            Principal::Delegated { .. } => {
                (delegated.iter().map(|s| s.to_string()).collect(), "scope")
            }
            Principal::App { .. } => (application.to_vec(), "role"),
        };
        if let Some(hit) = self.has_any(&list) {
            return Ok(hit);
        }
        Err(match family {
            Family::Directory => GraphError::new(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            ),
            Family::Teams if list.is_empty() => GraphError::new(
                403,
                "Forbidden",
                "Requested API is not supported in application-only context",
            ),
            Family::Teams => {
                let have: Vec<String> = self.granted().into_iter().collect();
                let extra = if kind == "role" {
                    ". Resource specific consent grants on the request ''"
                } else {
                    ""
                };
                GraphError::new(
                    403,
                    "Forbidden",
                    format!(
                        "Missing {kind} permissions on the request. API requires one of '{}'. {}s on the request '{}'{extra}.",
                        list.join(", "),
                        if kind == "role" { "Roles" } else { "Scopes" },
                        have.join(", ")
                    ),
                )
            }
        })
    }

    pub(super) fn req_same(&self, names: &[&str], family: Family) -> Result<String, GraphError> {
        let app: Vec<String> = names
            .iter()
            .map(|s| s.to_string())
            .filter(|n| permissions::is_application(n))
            .collect();
        self.require(names, &app, family)
    }

    pub(super) fn user_has_role(&self, t: &Tenant, templates: &[&str]) -> bool {
        match self.p {
            Principal::Delegated { user, .. } => t.users[*user]
                .roles
                .iter()
                .any(|&r| templates.contains(&t.roles[r].template_id)),
            Principal::App { .. } => true,
        }
    }

    /// The signed-in user's object id (none for application tokens).
    pub(super) fn delegated_user_id(&self, t: &Tenant) -> Option<uuid::Uuid> {
        match self.p {
            Principal::Delegated { user, .. } => Some(t.users[*user].id),
            Principal::App { .. } => None,
        }
    }

    pub(super) fn no_options(&self) -> Result<(), GraphError> {
        if self.q.has_odata_options() {
            return Err(GraphError::bad_request(
                "OData query options are not supported on this resource.",
            ));
        }
        Ok(())
    }

    pub(super) fn json_body(&self) -> Result<Value, GraphError> {
        if self.req.body.is_empty() {
            return Ok(json!({}));
        }
        serde_json::from_slice(&self.req.body).map_err(|e| GraphError::bad_request(format!("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format. ({e})")))
    }

    pub(super) fn entity(&self, frag: &str, mut v: Value) -> R {
        if let Some(sel) = &self.q.select {
            v = odata::project(&v, sel);
        }
        let mut out = Map::new();
        out.insert("@odata.context".into(), json!(self.context(frag)));
        if let Value::Object(o) = v {
            out.extend(o);
        }
        Ok(GResp::json(200, Value::Object(out)))
    }

    pub(super) fn req_same_pair(
        &self,
        d: &[&str],
        a: &[&str],
        family: Family,
    ) -> Result<String, GraphError> {
        let app: Vec<String> = a.iter().map(|s| s.to_string()).collect();
        self.require(d, &app, family)
    }

    pub(super) fn no_route(&self) -> GraphError {
        GraphError::new(
            400,
            "BadRequest",
            format!(
                "Resource not found for the segment '{}'.",
                self.segs.last().cloned().unwrap_or_default()
            ),
        )
    }

    pub(super) fn select_all(&self, v: Vec<Value>) -> Result<Vec<Value>, GraphError> {
        Ok(match &self.q.select {
            Some(sel) => v.iter().map(|x| odata::project(x, sel)).collect(),
            None => v,
        })
    }

    // ---------------------------------------------------------------------------------
    // Generic paged listing

    pub(super) fn list(
        &self,
        spec: &ListSpec,
        n: usize,
        render_full: &dyn Fn(usize) -> Value,
        default_proj: Option<&[&str]>,
    ) -> R {
        let q = &self.q;
        if q.orderby.is_some() || q.search.is_some() || q.skip.is_some() {
            return Err(match spec.family {
                Family::Directory => GraphError::new(
                    400,
                    "Request_UnsupportedQuery",
                    "The query option is not supported for this resource.",
                ),
                Family::Teams => {
                    GraphError::bad_request("The query option is not supported for this resource.")
                }
            });
        }
        let filter = match &q.filter {
            Some(f) => Some(checked_filter(
                f,
                spec.filter_props,
                spec.family,
                spec.type_name,
            )?),
            None => None,
        };
        if let Some(any) = filter.as_ref().and_then(|f| f.uses_any()) {
            if !spec.any_props.iter().any(|p| p.eq_ignore_ascii_case(&any)) {
                return Err(GraphError::new(
                    400,
                    "Request_UnsupportedQuery",
                    format!("Unsupported query: lambda operator on '{any}'."),
                ));
            }
        }
        if let Some(sel) = &q.select {
            odata::check_select(sel, spec.select_props, spec.type_name)?;
        }
        let want_count = match q.count.as_deref() {
            None | Some("false") => false,
            Some("true") if spec.count_ok => {
                let eventual = self
                    .req
                    .headers
                    .get("ConsistencyLevel")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.eq_ignore_ascii_case("eventual"));
                if !eventual {
                    return Err(GraphError::new(400, "Request_BadRequest", "$count is not currently supported. Set the ConsistencyLevel header to 'eventual' to use $count."));
                }
                true
            }
            Some(_) => {
                return Err(GraphError::bad_request(
                    "$count is not supported on this resource.",
                ))
            }
        };
        let top = match &q.top {
            None => None,
            Some(raw) => {
                let Some(max) = spec.max_top else {
                    return Err(GraphError::bad_request("The query specified in the URI is not valid. Query option 'Top' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings."));
                };
                match raw.parse::<usize>() {
                    Ok(v) if v >= 1 && v <= max => Some(v),
                    _ => {
                        return Err(match spec.family {
                            Family::Directory => GraphError::new(400, "Request_UnsupportedQuery", format!("Invalid page size specified: '{raw}'. Must be between 1 and {max} inclusive.")),
                            Family::Teams => GraphError::bad_request(format!("Invalid page size specified: '{raw}'. Must be between 1 and {max} inclusive.")),
                        })
                    }
                }
            }
        };
        let candidates: Vec<usize> = match &filter {
            Some(f) => (0..n)
                .filter(|&i| odata::eval(f, &render_full(i)))
                .collect(),
            None => (0..n).collect(),
        };
        let qhash = odata::hash_str(&format!(
            "{}?{}",
            self.req.path,
            Query::without_paging(self.req.query.as_deref())
        ));
        let key = self.sim.config.seed ^ 0x5C1B_70CE;
        let cursor = match &q.skiptoken {
            Some(tok) => {
                let c = odata::decode_cursor(key, tok).filter(|c| c.query_hash == qhash);
                match c {
                    Some(c) => c,
                    None => {
                        return Err(match spec.family {
                            Family::Directory => GraphError::new(400, "Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request."),
                            Family::Teams => GraphError::bad_request("The skip token is invalid or has expired."),
                        })
                    }
                }
            }
            None => Cursor {
                offset: 0,
                page_size: top.unwrap_or(spec.default_page),
                served_empty: false,
                query_hash: qhash,
            },
        };
        let total = candidates.len();
        let page = cursor.page_size.max(1);
        let rate = self.sim.settings().empty_page_rate;
        let roll = (odata::hash_str(&format!(
            "{}|{}|{}",
            self.sim.config.seed, qhash, cursor.offset
        )) % 10_000) as f64
            / 10_000.0;
        let (items, next): (Vec<Value>, Option<Cursor>) =
            if cursor.offset > 0 && cursor.offset < total && !cursor.served_empty && roll < rate {
                (
                    Vec::new(),
                    Some(Cursor {
                        served_empty: true,
                        ..cursor
                    }),
                )
            } else {
                let end = (cursor.offset + page).min(total);
                let items = candidates[cursor.offset.min(total)..end]
                    .iter()
                    .map(|&i| {
                        let v = render_full(i);
                        match (&q.select, default_proj) {
                            (Some(sel), _) => odata::project(&v, sel),
                            (None, Some(d)) => odata::project(
                                &v,
                                &d.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                            ),
                            (None, None) => v,
                        }
                    })
                    .collect();
                let next = (end < total).then_some(Cursor {
                    offset: end,
                    page_size: page,
                    served_empty: false,
                    query_hash: qhash,
                });
                (items, next)
            };
        let mut frag = spec.context.clone();
        if let Some(sel) = &q.select {
            frag = format!("{frag}({})", sel.join(","));
        }
        let mut body = Map::new();
        body.insert("@odata.context".into(), json!(self.context(&frag)));
        if want_count {
            body.insert("@odata.count".into(), json!(total));
        }
        if let Some(c) = next {
            body.insert(
                "@odata.nextLink".into(),
                json!(self.next_link(&odata::encode_cursor(key, &c), "$skiptoken")),
            );
        }
        body.insert("value".into(), Value::Array(items));
        Ok(GResp::json(200, Value::Object(body)))
    }

    pub(super) fn next_link(&self, token: &str, param: &str) -> String {
        let rest = Query::without_paging(self.req.query.as_deref());
        let mut ser = form_urlencoded::Serializer::new(rest);
        ser.append_pair(param, token);
        format!("{}{}?{}", self.base(), self.req.path, ser.finish())
    }

    // ---------------------------------------------------------------------------------
    // Users
}

pub(super) struct ListSpec<'a> {
    pub(super) family: Family,
    pub(super) type_name: &'a str,
    pub(super) context: String,
    pub(super) default_page: usize,
    pub(super) max_top: Option<usize>,
    pub(super) filter_props: &'a [&'a str],
    pub(super) any_props: &'a [&'a str],
    pub(super) select_props: &'a [&'a str],
    pub(super) count_ok: bool,
}

pub(super) fn chat_spec(context: String) -> ListSpec<'static> {
    ListSpec {
        family: Family::Teams,
        type_name: "chat",
        context,
        default_page: 20,
        max_top: Some(50),
        filter_props: &["chatType", "topic", "id"],
        any_props: &[],
        select_props: &[
            "id",
            "topic",
            "createdDateTime",
            "lastUpdatedDateTime",
            "chatType",
            "webUrl",
            "tenantId",
            "isHiddenForAllMembers",
            "onlineMeetingInfo",
        ],
        count_ok: false,
    }
}

pub(super) fn grant_spec() -> ListSpec<'static> {
    ListSpec {
        family: Family::Directory,
        type_name: "OAuth2PermissionGrant",
        context: "oauth2PermissionGrants".into(),
        default_page: 100,
        max_top: Some(999),
        filter_props: &["clientId", "resourceId", "consentType", "principalId", "id"],
        any_props: &[],
        select_props: &[
            "id",
            "clientId",
            "consentType",
            "principalId",
            "resourceId",
            "scope",
        ],
        count_ok: false,
    }
}

pub(super) fn rsc_grants(
    t: &Tenant,
    target: &str,
    installs: &[Install],
    suffix: &str,
) -> Vec<Value> {
    let mut out = Vec::new();
    for inst in installs {
        let Some(consented) = &inst.consented else {
            continue;
        };
        let Some(app) = t.apps.iter().find(|a| a.id == inst.app_id) else {
            continue;
        };
        let Some(def) = app.definition(&inst.def_id) else {
            continue;
        };
        let client = def
            .client_app_id
            .clone()
            .or_else(|| def.bot_id.clone())
            .unwrap_or_default();
        for p in consented.iter().filter(|p| p.value.ends_with(suffix)) {
            out.push(render::rsc_grant(target, &client, p));
        }
    }
    out
}
