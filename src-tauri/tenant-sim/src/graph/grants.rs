//! `/oauth2PermissionGrants`: delegated permission grants.

use serde_json::{json, Value};

use crate::graph::context::*;
use crate::graph::request::*;
use crate::model::*;
use crate::odata::{Family, GraphError};
use crate::permissions;
use crate::render;
use crate::state::lock;

impl<'a> Ctx<'a> {
    pub(super) fn grants(&self) -> R {
        let m = self.req.method.as_str();
        match (m, self.segs.len()) {
            ("GET", 1) => {
                self.req_same_pair(GRANT_READ_D, GRANT_READ_A, Family::Directory)?;
                let t = lock(&self.sim.tenant);
                self.list(
                    &grant_spec(),
                    t.grants.len(),
                    &|k| render::grant(&t.grants[k]),
                    None,
                )
            }
            ("POST", 1) => {
                self.req_same(GRANT_WRITE, Family::Directory)?;
                let body = self.json_body()?;
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
                let field = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
                let client = field("clientId").ok_or_else(|| {
                    GraphError::new(
                        400,
                        "Request_BadRequest",
                        "Property 'clientId' is required.",
                    )
                })?;
                let resource = field("resourceId").ok_or_else(|| {
                    GraphError::new(
                        400,
                        "Request_BadRequest",
                        "Property 'resourceId' is required.",
                    )
                })?;
                let consent = field("consentType").unwrap_or_else(|| "AllPrincipals".into());
                let principal = field("principalId");
                let scope = field("scope").unwrap_or_default();
                let c = t.find_sp(&client).ok_or_else(|| {
                    GraphError::new(400, "Request_BadRequest", "Invalid clientId.")
                })?;
                let r = t.find_sp(&resource).ok_or_else(|| {
                    GraphError::new(400, "Request_BadRequest", "Invalid resourceId.")
                })?;
                let all = match consent.as_str() {
                    "AllPrincipals" => true,
                    "Principal" => false,
                    _ => {
                        return Err(GraphError::new(
                            400,
                            "Request_BadRequest",
                            "consentType must be 'AllPrincipals' or 'Principal'.",
                        ))
                    }
                };
                let pid = match (&principal, all) {
                    (Some(p), false) => Some(
                        t.users[t.find_user(p).ok_or_else(|| {
                            GraphError::new(400, "Request_BadRequest", "Invalid principalId.")
                        })?]
                        .id,
                    ),
                    (None, false) => {
                        return Err(GraphError::new(
                            400,
                            "Request_BadRequest",
                            "principalId is required when consentType is 'Principal'.",
                        ))
                    }
                    _ => None,
                };
                for s in scope.split_whitespace() {
                    if !permissions::is_delegated(s) {
                        return Err(GraphError::new(400, "Request_BadRequest", format!("Invalid value specified for property 'scope' of resource 'OAuth2PermissionGrant': '{s}'.")));
                    }
                }
                let (cid, rid) = (t.sps[c].id, t.sps[r].id);
                if t.grants
                    .iter()
                    .any(|g| g.client_id == cid && g.resource_id == rid && g.principal_id == pid)
                {
                    return Err(GraphError::new(
                        409,
                        "Request_MultipleObjectsWithSameKeyValue",
                        "Permission entry already exists.",
                    ));
                }
                let mut parts = vec![cid, rid];
                parts.extend(pid);
                let g = OAuth2Grant {
                    id: directory_blob_id(&parts),
                    client_id: cid,
                    all_principals: all,
                    principal_id: pid,
                    resource_id: rid,
                    scope,
                };
                let mut v = render::grant(&g);
                t.grants.push(g);
                if let Value::Object(o) = &mut v {
                    o.insert(
                        "@odata.context".into(),
                        json!(self.context("oauth2PermissionGrants/$entity")),
                    );
                }
                Ok(GResp::json(201, v))
            }
            (_, 2) => {
                let id = self.s(1).to_string();
                match m {
                    "GET" => {
                        self.req_same_pair(GRANT_READ_D, GRANT_READ_A, Family::Directory)?;
                        let t = lock(&self.sim.tenant);
                        let g = t
                            .grants
                            .iter()
                            .find(|g| g.id == id)
                            .ok_or_else(|| GraphError::directory_not_found(&id))?;
                        self.entity("oauth2PermissionGrants/$entity", render::grant(g))
                    }
                    "PATCH" | "DELETE" => {
                        self.req_same(GRANT_WRITE, Family::Directory)?;
                        let body = if m == "PATCH" {
                            self.json_body()?
                        } else {
                            json!({})
                        };
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
                        let pos = t
                            .grants
                            .iter()
                            .position(|g| g.id == id)
                            .ok_or_else(|| GraphError::directory_not_found(&id))?;
                        if m == "DELETE" {
                            t.grants.remove(pos);
                            return Ok(GResp::empty(204));
                        }
                        let scope = body.get("scope").and_then(Value::as_str).ok_or_else(|| {
                            GraphError::new(
                                400,
                                "Request_BadRequest",
                                "Only 'scope' can be updated.",
                            )
                        })?;
                        for s in scope.split_whitespace() {
                            if !permissions::is_delegated(s) {
                                return Err(GraphError::new(400, "Request_BadRequest", format!("Invalid value specified for property 'scope' of resource 'OAuth2PermissionGrant': '{s}'.")));
                            }
                        }
                        t.grants[pos].scope = scope.to_string();
                        Ok(GResp::empty(204))
                    }
                    _ => Err(self.no_route()),
                }
            }
            _ => Err(self.no_route()),
        }
    }
}
