//! `/servicePrincipals` and their app role assignments.

use serde_json::{json, Map, Value};

use crate::graph::context::*;
use crate::graph::request::*;
use crate::model::*;
use crate::odata::{self, Family, GraphError};
use crate::permissions;
use crate::render;
use crate::state::lock;

impl<'a> Ctx<'a> {
    pub(super) fn service_principals(&self) -> R {
        let m = self.req.method.as_str();
        let s0 = self.s(0).to_string();
        let t_guard = lock(&self.sim.tenant);
        // `servicePrincipals(appId='...')` addresses by appId.
        let by_key: Option<usize> = if let Some(inner) = s0
            .strip_prefix("servicePrincipals(")
            .and_then(|r| r.strip_suffix(')'))
        {
            let app_id = inner.trim_start_matches("appId=").trim_matches('\'');
            Some(
                t_guard
                    .find_sp_by_app_id(app_id)
                    .ok_or_else(|| GraphError::directory_not_found(&format!("appId '{app_id}'")))?,
            )
        } else if s0 != "servicePrincipals" {
            return Err(self.no_route());
        } else {
            None
        };
        drop(t_guard);
        let (sp, rest_at) = match by_key {
            Some(i) => (Some(i), 1),
            None if self.segs.len() >= 2 => {
                let t = lock(&self.sim.tenant);
                (
                    Some(
                        t.find_sp(self.s(1))
                            .ok_or_else(|| GraphError::directory_not_found(self.s(1)))?,
                    ),
                    2,
                )
            }
            None => (None, 1),
        };
        let rest: Vec<String> = self.segs[rest_at.min(self.segs.len())..].to_vec();
        let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
        let sp_select: &[&str] = &[
            "id",
            "deletedDateTime",
            "accountEnabled",
            "alternativeNames",
            "appDisplayName",
            "appDescription",
            "appId",
            "applicationTemplateId",
            "appOwnerOrganizationId",
            "appRoleAssignmentRequired",
            "description",
            "displayName",
            "homepage",
            "loginUrl",
            "logoutUrl",
            "notes",
            "notificationEmailAddresses",
            "preferredSingleSignOnMode",
            "replyUrls",
            "servicePrincipalNames",
            "servicePrincipalType",
            "signInAudience",
            "tags",
            "appRoles",
            "oauth2PermissionScopes",
            "info",
            "keyCredentials",
            "passwordCredentials",
            "resourceSpecificApplicationPermissions",
            "verifiedPublisher",
        ];
        match (m, sp, rest.as_slice()) {
            ("GET", None, []) => {
                self.req_same(SP_READ, Family::Directory)?;
                let t = lock(&self.sim.tenant);
                let spec = ListSpec {
                    family: Family::Directory,
                    type_name: "ServicePrincipal",
                    context: "servicePrincipals".into(),
                    default_page: 100,
                    max_top: Some(999),
                    filter_props: &[
                        "id",
                        "appId",
                        "displayName",
                        "servicePrincipalType",
                        "appOwnerOrganizationId",
                        "servicePrincipalNames",
                        "tags",
                    ],
                    any_props: &["servicePrincipalNames", "tags"],
                    select_props: sp_select,
                    count_ok: true,
                };
                self.list(
                    &spec,
                    t.sps.len(),
                    &|i| render::service_principal(&t, &t.sps[i]),
                    None,
                )
            }
            ("GET", Some(i), []) => {
                self.req_same(SP_READ, Family::Directory)?;
                if let Some(sel) = &self.q.select {
                    odata::check_select(sel, sp_select, "servicePrincipal")?;
                }
                let t = lock(&self.sim.tenant);
                self.entity(
                    "servicePrincipals/$entity",
                    render::service_principal(&t, &t.sps[i]),
                )
            }
            ("GET", Some(i), ["appRoleAssignments"]) | ("GET", Some(i), ["appRoleAssignedTo"]) => {
                self.req_same(ARA_READ, Family::Directory)?;
                let t = lock(&self.sim.tenant);
                let sp_id = t.sps[i].id;
                let to = rest[0] == "appRoleAssignedTo";
                let rows: Vec<usize> = (0..t.role_assignments.len())
                    .filter(|&k| {
                        if to {
                            t.role_assignments[k].resource_id == sp_id
                        } else {
                            t.role_assignments[k].principal_id == sp_id
                        }
                    })
                    .collect();
                let spec = ListSpec {
                    family: Family::Directory,
                    type_name: "AppRoleAssignment",
                    context: format!("servicePrincipals('{sp_id}')/{}", rest[0]),
                    default_page: 100,
                    max_top: Some(999),
                    filter_props: &["resourceId", "principalId", "appRoleId"],
                    any_props: &[],
                    select_props: &[
                        "id",
                        "deletedDateTime",
                        "appRoleId",
                        "createdDateTime",
                        "principalDisplayName",
                        "principalId",
                        "principalType",
                        "resourceDisplayName",
                        "resourceId",
                    ],
                    count_ok: true,
                };
                self.list(
                    &spec,
                    rows.len(),
                    &|k| render::app_role_assignment(&t.role_assignments[rows[k]]),
                    None,
                )
            }
            ("POST", Some(i), ["appRoleAssignments"])
            | ("POST", Some(i), ["appRoleAssignedTo"]) => {
                self.req_same(ARA_WRITE, Family::Directory)?;
                let body = self.json_body()?;
                let now = self.sim.clock.now_ms() / 1000;
                let new_id_seed = self.sim.new_uuid();
                let mut t = lock(&self.sim.tenant);
                if !self.user_has_role(
                    &t,
                    &[
                        ROLE_GLOBAL_ADMIN,
                        crate::model::ROLE_PRIVILEGED_ROLE_ADMIN,
                        crate::model::ROLE_CLOUD_APP_ADMIN,
                    ],
                ) {
                    return Err(GraphError::new(
                        403,
                        "Authorization_RequestDenied",
                        "Insufficient privileges to complete the operation.",
                    ));
                }
                let field = |k: &str| {
                    body.get(k)
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .ok_or_else(|| {
                            GraphError::new(
                                400,
                                "Request_BadRequest",
                                format!("Property '{k}' is required."),
                            )
                        })
                };
                let principal = field("principalId")?;
                let resource = field("resourceId")?;
                let role = field("appRoleId")?;
                let p = t.find_sp(&principal).ok_or_else(|| {
                    GraphError::new(
                        400,
                        "Request_BadRequest",
                        format!("Principal '{principal}' does not exist."),
                    )
                })?;
                let r = t.find_sp(&resource).ok_or_else(|| {
                    GraphError::new(
                        400,
                        "Request_BadRequest",
                        format!("Resource '{resource}' does not exist."),
                    )
                })?;
                let anchor = if rest[0] == "appRoleAssignments" {
                    p
                } else {
                    r
                };
                if anchor != i {
                    return Err(GraphError::new(400, "Request_BadRequest", "The service principal in the URL must match the principalId (appRoleAssignments) or resourceId (appRoleAssignedTo) of the body."));
                }
                let valid =
                    t.sps[r].app_id == GRAPH_APP_ID && permissions::by_app_role_id(&role).is_some();
                if !valid {
                    return Err(GraphError::new(
                        400,
                        "Request_BadRequest",
                        "Permission being assigned was not found on application",
                    ));
                }
                if t.role_assignments.iter().any(|a| {
                    a.principal_id == t.sps[p].id
                        && a.resource_id == t.sps[r].id
                        && a.app_role_id.eq_ignore_ascii_case(&role)
                }) {
                    return Err(GraphError::new(
                        400,
                        "Request_BadRequest",
                        "Permission being assigned already exists on the object",
                    ));
                }
                let a = AppRoleAssignment {
                    id: directory_blob_id(&[t.sps[p].id, new_id_seed]),
                    app_role_id: role.to_ascii_lowercase(),
                    principal_id: t.sps[p].id,
                    principal_display_name: t.sps[p].display_name.clone(),
                    resource_id: t.sps[r].id,
                    resource_display_name: t.sps[r].display_name.clone(),
                    created: now,
                };
                let v = render::app_role_assignment(&a);
                t.role_assignments.push(a);
                let sp_id = t.sps[i].id;
                let mut out = Map::new();
                out.insert(
                    "@odata.context".into(),
                    json!(
                        self.context(&format!("servicePrincipals('{sp_id}')/{}/$entity", rest[0]))
                    ),
                );
                if let Value::Object(o) = v {
                    out.extend(o);
                }
                Ok(GResp::json(201, Value::Object(out)))
            }
            ("GET", Some(i), [coll @ ("appRoleAssignments" | "appRoleAssignedTo"), aid])
            | ("DELETE", Some(i), [coll @ ("appRoleAssignments" | "appRoleAssignedTo"), aid]) => {
                let deleting = m == "DELETE";
                if deleting {
                    self.req_same(ARA_WRITE, Family::Directory)?;
                } else {
                    self.req_same(ARA_READ, Family::Directory)?;
                }
                let mut t = lock(&self.sim.tenant);
                let sp_id = t.sps[i].id;
                let pos = t
                    .role_assignments
                    .iter()
                    .position(|a| {
                        a.id == *aid
                            && (if *coll == "appRoleAssignments" {
                                a.principal_id
                            } else {
                                a.resource_id
                            }) == sp_id
                    })
                    .ok_or_else(|| GraphError::directory_not_found(aid))?;
                if deleting {
                    if !self.user_has_role(
                        &t,
                        &[
                            ROLE_GLOBAL_ADMIN,
                            crate::model::ROLE_PRIVILEGED_ROLE_ADMIN,
                            crate::model::ROLE_CLOUD_APP_ADMIN,
                        ],
                    ) {
                        return Err(GraphError::new(
                            403,
                            "Authorization_RequestDenied",
                            "Insufficient privileges to complete the operation.",
                        ));
                    }
                    t.role_assignments.remove(pos);
                    return Ok(GResp::empty(204));
                }
                self.entity(
                    &format!("servicePrincipals('{sp_id}')/{coll}/$entity"),
                    render::app_role_assignment(&t.role_assignments[pos]),
                )
            }
            ("GET", Some(i), ["oauth2PermissionGrants"]) => {
                self.req_same_pair(GRANT_READ_D, GRANT_READ_A, Family::Directory)?;
                let t = lock(&self.sim.tenant);
                let sp_id = t.sps[i].id;
                let rows: Vec<usize> = (0..t.grants.len())
                    .filter(|&k| t.grants[k].client_id == sp_id)
                    .collect();
                let spec = grant_spec();
                self.list(
                    &spec,
                    rows.len(),
                    &|k| render::grant(&t.grants[rows[k]]),
                    None,
                )
            }
            _ => Err(self.no_route()),
        }
    }
}
