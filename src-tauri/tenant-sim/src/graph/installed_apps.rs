//! `.../installedApps` of teams, chats and users: list, install, upgrade, remove.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::graph::context::*;
use crate::graph::request::*;
use crate::model::*;
use crate::odata::{self, Family, GraphError};
use crate::render;
use crate::state::lock;

impl<'a> Ctx<'a> {
    pub(super) fn installed_apps(&self, kind: Kind, idx: usize, at: usize) -> R {
        let (read_d, write_d, consent_d) = match kind {
            Kind::Team => (TEAM_INST_READ_D, TEAM_INST_WRITE_D, TEAM_CONSENT_D),
            Kind::Chat => (CHAT_INST_READ_D, CHAT_INST_WRITE_D, CHAT_CONSENT_D),
            Kind::User => (USER_INST_READ_D, USER_INST_WRITE_D, &[][..]),
        };
        let m = self.req.method.as_str();
        let rest: Vec<&str> = self.segs[at..].iter().map(String::as_str).collect();
        let mut t = lock(&self.sim.tenant);
        let target_id = match kind {
            Kind::Team => t.groups[idx].id.to_string(),
            Kind::Chat => t.chats[idx].id.clone(),
            Kind::User => t.users[idx].id.to_string(),
        };
        if kind == Kind::Team {
            let data = t.groups[idx].team.as_ref();
            if data.is_some_and(|d| d.installed_apps_forbidden) {
                self.require(read_d, &app_variant(read_d), Family::Teams)?;
                return Err(GraphError::new(
                    403,
                    "Forbidden",
                    "Access to the apps installed in this team is denied by policy.",
                ));
            }
        }
        let ctx_frag = match kind {
            Kind::Team => format!("teams('{target_id}')/installedApps"),
            Kind::Chat => format!("chats('{target_id}')/installedApps"),
            Kind::User => format!("users('{target_id}')/teamwork/installedApps"),
        };
        match (m, rest.as_slice()) {
            ("GET", []) => {
                self.require(read_d, &app_variant(read_d), Family::Teams)?;
                let expand = self.install_expand()?;
                let installs = installs_of(&t, kind, idx).clone();
                let rows: Vec<Value> = installs
                    .iter()
                    .filter_map(|inst| {
                        t.apps
                            .iter()
                            .find(|a| a.id == inst.app_id)
                            .map(|a| render::installation(&target_id, inst, a, kind == Kind::User))
                    })
                    .collect();
                let spec = ListSpec {
                    family: Family::Teams,
                    type_name: "teamsAppInstallation",
                    context: ctx_frag,
                    default_page: 1000,
                    max_top: None,
                    filter_props: &[
                        "teamsApp/id",
                        "teamsApp/externalId",
                        "teamsApp/displayName",
                        "teamsApp/distributionMethod",
                        "teamsAppDefinition/version",
                        "id",
                    ],
                    any_props: &[],
                    select_props: &[
                        "id",
                        "consentedPermissionSet",
                        "teamsApp",
                        "teamsAppDefinition",
                    ],
                    count_ok: false,
                };
                let strip = |v: &Value| strip_unexpanded(v, &expand);
                self.list(&spec, rows.len(), &|i| rows[i].clone(), None)
                    .map(|mut r| {
                        if let Some(Value::Array(items)) =
                            r.body.as_mut().and_then(|b| b.get_mut("value"))
                        {
                            for it in items.iter_mut() {
                                *it = strip(it);
                            }
                        }
                        r
                    })
            }
            ("GET", [iid]) => {
                self.require(read_d, &app_variant(read_d), Family::Teams)?;
                let expand = self.install_expand()?;
                let inst = installs_of(&t, kind, idx)
                    .iter()
                    .find(|i| installation_id(&target_id, &i.app_id) == *iid)
                    .cloned()
                    .ok_or_else(|| GraphError::not_found("The app installation was not found."))?;
                let app = t
                    .apps
                    .iter()
                    .find(|a| a.id == inst.app_id)
                    .ok_or_else(|| GraphError::not_found("The app was not found."))?;
                let v = strip_unexpanded(
                    &render::installation(&target_id, &inst, app, kind == Kind::User),
                    &expand,
                );
                self.entity(&format!("{ctx_frag}/$entity"), v)
            }
            ("GET", [iid, "chat"]) if kind == Kind::User => {
                self.require(read_d, &app_variant(read_d), Family::Teams)?;
                let inst = installs_of(&t, kind, idx)
                    .iter()
                    .find(|i| installation_id(&target_id, &i.app_id) == *iid)
                    .cloned()
                    .ok_or_else(|| GraphError::not_found("The app installation was not found."))?;
                let bot_id = t
                    .apps
                    .iter()
                    .find(|a| a.id == inst.app_id)
                    .and_then(|a| a.definition(&inst.def_id))
                    .and_then(|d| d.bot_id.clone())
                    .ok_or_else(|| {
                        GraphError::not_found("The app has no bot: there is no chat.")
                    })?;
                let id = crate::conversations::personal_chat_id(&target_id, &bot_id);
                let v = json!({
                    "id": id,
                    "topic": null,
                    "createdDateTime": crate::state::rfc3339_secs(t.users[idx].created),
                    "lastUpdatedDateTime": crate::state::rfc3339_secs(t.users[idx].created),
                    "chatType": "oneOnOne",
                    "webUrl": format!("https://teams.microsoft.com/l/chat/{}/0?tenantId={}", id, t.id),
                    "tenantId": t.id.to_string(),
                    "isHiddenForAllMembers": false,
                    "onlineMeetingInfo": null,
                });
                self.entity("chats/$entity", v)
            }
            ("POST", []) => {
                let hit = self.require(write_d, &app_variant(write_d), Family::Teams)?;
                let body = self.json_body()?;
                let bind = body
                    .get("teamsApp@odata.bind")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        GraphError::bad_request(
                            "Required property 'teamsApp@odata.bind' is missing.",
                        )
                    })?;
                let app_id = bind_target(bind).ok_or_else(|| {
                    GraphError::bad_request(format!("Invalid odata.bind value '{bind}'."))
                })?;
                let a = t.find_app(&app_id).ok_or_else(|| {
                    GraphError::not_found(format!(
                        "App with id {app_id} was not found in the catalog."
                    ))
                })?;
                if kind == Kind::Team && t.groups[idx].team.as_ref().is_some_and(|d| d.is_archived)
                {
                    return Err(GraphError::new(
                        403,
                        "Forbidden",
                        "The team is archived; apps cannot be installed in an archived team.",
                    ));
                }
                if installs_of(&t, kind, idx)
                    .iter()
                    .any(|i| i.app_id == t.apps[a].id)
                {
                    return Err(GraphError::new(
                        409,
                        "Conflict",
                        "App is already installed in this scope.",
                    ));
                }
                let def = t.apps[a].latest_published().cloned().ok_or_else(|| {
                    GraphError::not_found(
                        "The app has no published definition (it may be pending review).",
                    )
                })?;
                self.check_self(&hit, &def)?;
                let consented = self.check_consent(&body, &scoped(&def, kind), consent_d, None)?;
                let app_catalog_id = t.apps[a].id.clone();
                installs_of_mut(&mut t, kind, idx).push(Install {
                    app_id: app_catalog_id,
                    def_id: def.id.clone(),
                    consented,
                });
                Ok(GResp::empty(201))
            }
            ("POST", [iid, "upgrade"]) => {
                let hit = self.require(write_d, &app_variant(write_d), Family::Teams)?;
                let body = self.json_body()?;
                let pos = installs_of(&t, kind, idx)
                    .iter()
                    .position(|i| installation_id(&target_id, &i.app_id) == *iid)
                    .ok_or_else(|| GraphError::not_found("The app installation was not found."))?;
                let inst = installs_of(&t, kind, idx)[pos].clone();
                let app = t
                    .apps
                    .iter()
                    .find(|a| a.id == inst.app_id)
                    .ok_or_else(|| GraphError::not_found("The app was not found."))?;
                let def = app
                    .latest_published()
                    .cloned()
                    .ok_or_else(|| GraphError::not_found("The app has no published definition."))?;
                self.check_self(&hit, &def)?;
                let consented = self.check_consent(
                    &body,
                    &scoped(&def, kind),
                    consent_d,
                    inst.consented.as_deref(),
                )?;
                let slot = &mut installs_of_mut(&mut t, kind, idx)[pos];
                slot.def_id = def.id.clone();
                slot.consented = consented;
                Ok(GResp::empty(204))
            }
            ("DELETE", [iid]) => {
                let hit = self.require(write_d, &app_variant(write_d), Family::Teams)?;
                let pos = installs_of(&t, kind, idx)
                    .iter()
                    .position(|i| installation_id(&target_id, &i.app_id) == *iid)
                    .ok_or_else(|| GraphError::not_found("The app installation was not found."))?;
                let inst = installs_of(&t, kind, idx)[pos].clone();
                if let Some(def) = t
                    .apps
                    .iter()
                    .find(|a| a.id == inst.app_id)
                    .and_then(|a| a.definition(&inst.def_id))
                    .cloned()
                {
                    self.check_self(&hit, &def)?;
                }
                installs_of_mut(&mut t, kind, idx).remove(pos);
                Ok(GResp::empty(204))
            }
            _ => Err(self.no_route()),
        }
    }

    pub(super) fn install_expand(&self) -> Result<Vec<String>, GraphError> {
        let mut out = Vec::new();
        if let Some(e) = &self.q.expand {
            for (nav, nested) in odata::parse_expand(e) {
                let ok = match nav.as_str() {
                    "teamsApp" => nested.is_empty(),
                    "teamsAppDefinition" => {
                        nested.is_empty() || nested.eq_ignore_ascii_case("$expand=bot")
                    }
                    _ => false,
                };
                if !ok {
                    return Err(GraphError::bad_request(format!("Parsing OData Select and Expand failed: Could not find a property named '{nav}' on type 'microsoft.graph.teamsAppInstallation'.")));
                }
                out.push(if nested.is_empty() {
                    nav
                } else {
                    format!("{nav}+bot")
                });
            }
        }
        Ok(out)
    }

    /// `...Self...` permissions only cover the calling app's own installations.
    pub(super) fn check_self(&self, hit: &str, def: &AppDef) -> Result<(), GraphError> {
        if !hit.contains("Self") {
            return Ok(());
        }
        let caller = self.p.client_id();
        let own = def
            .bot_id
            .as_deref()
            .is_some_and(|b| b.eq_ignore_ascii_case(caller))
            || def
                .client_app_id
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(caller));
        if own {
            Ok(())
        } else {
            Err(GraphError::new(
                403,
                "Forbidden",
                format!("Permission '{hit}' only allows an app to manage its own installations."),
            ))
        }
    }

    /// RSC apps need an `...AndConsent...` permission and a consented set equal to what
    /// the definition requires; other apps must not carry one.
    pub(super) fn check_consent(
        &self,
        body: &Value,
        def: &AppDef,
        consent_d: &[&str],
        existing: Option<&[RscPerm]>,
    ) -> Result<Option<Vec<RscPerm>>, GraphError> {
        let given: Option<Vec<RscPerm>> = match body.get("consentedPermissionSet") {
            None | Some(Value::Null) => None,
            Some(v) => Some(parse_permission_set(v)?),
        };
        if def.rsc.is_empty() {
            if given.as_ref().is_some_and(|g| !g.is_empty()) {
                return Err(GraphError::bad_request(
                    "The consented permission set contains permissions the app does not require.",
                )
                .with_inner("ResourceSpecificPermissionsMismatch"));
            }
            return Ok(None);
        }
        let norm = |v: &[RscPerm]| -> BTreeSet<(String, String)> {
            v.iter()
                .map(|p| (p.value.to_ascii_lowercase(), p.kind.to_ascii_lowercase()))
                .collect()
        };
        let want = norm(&def.rsc);
        let candidate = match (&given, existing) {
            (Some(g), _) => norm(g),
            (None, Some(e)) => norm(e),
            (None, None) => BTreeSet::new(),
        };
        if given.is_some() || existing.is_none() || candidate != want {
            self.require(consent_d, &app_variant(consent_d), Family::Teams)
                .map_err(|mut e| {
                    e.message = format!(
                        "The app requires consent to resource-specific permissions. {}",
                        e.message
                    );
                    e
                })?;
        }
        if candidate != want {
            return Err(GraphError::bad_request(format!(
                "The consented permission set does not match the resource-specific permissions required by the app definition (version {}).",
                def.version
            ))
            .with_inner("ResourceSpecificPermissionsMismatch"));
        }
        Ok(Some(def.rsc.clone()))
    }

    // ---------------------------------------------------------------------------------
    // App catalog
}

/// The definition as one scope sees it: team (`.Group`) and chat (`.Chat`) resource-specific
/// permissions do not apply to a personal-scope install, which consents only to `.User` ones.
pub(super) fn scoped(def: &AppDef, kind: Kind) -> AppDef {
    let mut d = def.clone();
    if kind == Kind::User {
        d.rsc.retain(|p| p.value.ends_with(".User"));
    }
    d
}

pub(super) fn installs_of(t: &Tenant, kind: Kind, idx: usize) -> &Vec<Install> {
    static EMPTY: Vec<Install> = Vec::new();
    match kind {
        Kind::Team => t.groups[idx]
            .team
            .as_ref()
            .map(|d| &d.installs)
            .unwrap_or(&EMPTY),
        Kind::Chat => &t.chats[idx].installs,
        Kind::User => &t.users[idx].installs,
    }
}

pub(super) fn installs_of_mut(t: &mut Tenant, kind: Kind, idx: usize) -> &mut Vec<Install> {
    match kind {
        Kind::Team => {
            let g = &mut t.groups[idx];
            &mut g
                .team
                .get_or_insert_with(|| TeamData {
                    is_archived: false,
                    installed_apps_forbidden: false,
                    channels: Vec::new(),
                    installs: Vec::new(),
                    internal_id: String::new(),
                })
                .installs
        }
        Kind::Chat => &mut t.chats[idx].installs,
        Kind::User => &mut t.users[idx].installs,
    }
}

pub(super) fn strip_unexpanded(v: &Value, expand: &[String]) -> Value {
    let mut v = v.clone();
    if let Value::Object(o) = &mut v {
        if !expand.iter().any(|e| e == "teamsApp") {
            o.remove("teamsApp");
        }
        if !expand.iter().any(|e| e.starts_with("teamsAppDefinition")) {
            o.remove("teamsAppDefinition");
        }
    }
    v
}

/// Accepts `.../appCatalogs/teamsApps/{id}` and `.../teamsApps('{id}')`.
pub(super) fn bind_target(bind: &str) -> Option<String> {
    let i = bind.find("teamsApps")?;
    let rest = &bind[i + "teamsApps".len()..];
    let id = rest
        .trim_start_matches('/')
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim_matches('\'')
        .trim_end_matches('/');
    (!id.is_empty() && !id.contains('/')).then(|| id.to_string())
}

pub(super) fn parse_permission_set(v: &Value) -> Result<Vec<RscPerm>, GraphError> {
    let arr = v
        .get("resourceSpecificPermissions")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            GraphError::bad_request(
                "consentedPermissionSet.resourceSpecificPermissions must be an array.",
            )
        })?;
    arr.iter()
        .map(|p| {
            let value = p
                .get("permissionValue")
                .and_then(Value::as_str)
                .ok_or_else(|| GraphError::bad_request("permissionValue is required."))?;
            let kind = p
                .get("permissionType")
                .and_then(Value::as_str)
                .ok_or_else(|| GraphError::bad_request("permissionType is required."))?;
            if !kind.eq_ignore_ascii_case("application") && !kind.eq_ignore_ascii_case("delegated")
            {
                return Err(GraphError::bad_request(format!(
                    "Invalid permissionType '{kind}'."
                )));
            }
            Ok(RscPerm {
                value: value.to_string(),
                kind: kind.to_ascii_lowercase(),
            })
        })
        .collect()
}
