//! `/appCatalogs/teamsApps`: the org catalog, publishing, review and updates.

use serde_json::{json, Value};

use crate::graph::context::*;
use crate::graph::request::*;
use crate::identity::Principal;
use crate::model::*;
use crate::odata::{self, Family, GraphError};
use crate::render;
use crate::state::lock;

impl<'a> Ctx<'a> {
    pub(super) fn catalog(&self) -> R {
        let m = self.req.method.as_str();
        let rest: Vec<String> = self.segs[2..].to_vec();
        let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
        match (m, rest.as_slice()) {
            ("GET", []) => {
                self.req_same_pair(CATALOG_READ_D, CATALOG_READ_A, Family::Teams)?;
                let bot = self.catalog_expand()?;
                let t = lock(&self.sim.tenant);
                let spec = ListSpec {
                    family: Family::Teams,
                    type_name: "teamsApp",
                    context: "appCatalogs/teamsApps".into(),
                    default_page: 100,
                    max_top: None,
                    filter_props: &["id", "externalId", "displayName", "distributionMethod"],
                    any_props: &[],
                    select_props: &[
                        "id",
                        "externalId",
                        "displayName",
                        "distributionMethod",
                        "appDefinitions",
                    ],
                    count_ok: false,
                };
                self.list(
                    &spec,
                    t.apps.len(),
                    &|i| render::teams_app(&t.apps[i], bot),
                    None,
                )
            }
            ("POST", []) => self.publish(),
            ("GET", [id]) => {
                self.req_same_pair(CATALOG_READ_D, CATALOG_READ_A, Family::Teams)?;
                let bot = self.catalog_expand()?;
                let t = lock(&self.sim.tenant);
                let a = t.find_app(id).ok_or_else(|| {
                    GraphError::not_found(format!("App with id {id} was not found."))
                })?;
                self.entity(
                    "appCatalogs/teamsApps/$entity",
                    render::teams_app(&t.apps[a], bot),
                )
            }
            ("DELETE", [id]) => {
                self.require(CATALOG_ADMIN_D, &[], Family::Teams)?;
                let mut t = lock(&self.sim.tenant);
                if !self.user_has_role(&t, &[ROLE_GLOBAL_ADMIN, ROLE_TEAMS_ADMIN]) {
                    return Err(GraphError::new(403, "Forbidden", "Only Teams service administrators can delete apps from the organization's catalog."));
                }
                let a = t.find_app(id).ok_or_else(|| {
                    GraphError::not_found(format!("App with id {id} was not found."))
                })?;
                if t.apps[a].distribution == Distribution::Store {
                    return Err(GraphError::new(
                        403,
                        "Forbidden",
                        "Store apps cannot be deleted from the catalog.",
                    ));
                }
                let app_id = t.apps.remove(a).id;
                for g in t.groups.iter_mut() {
                    if let Some(d) = g.team.as_mut() {
                        d.installs.retain(|i| i.app_id != app_id);
                    }
                }
                for c in t.chats.iter_mut() {
                    c.installs.retain(|i| i.app_id != app_id);
                }
                for u in t.users.iter_mut() {
                    u.installs.retain(|i| i.app_id != app_id);
                }
                Ok(GResp::empty(204))
            }
            ("GET", [id, "appDefinitions"]) => {
                self.req_same_pair(CATALOG_READ_D, CATALOG_READ_A, Family::Teams)?;
                let t = lock(&self.sim.tenant);
                let a = t.find_app(id).ok_or_else(|| {
                    GraphError::not_found(format!("App with id {id} was not found."))
                })?;
                let bot = self
                    .q
                    .expand
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case("bot"));
                let v: Vec<Value> = t.apps[a]
                    .visible_definitions()
                    .into_iter()
                    .map(|d| render::definition(&t.apps[a], d, bot))
                    .collect();
                Ok(GResp::json(
                    200,
                    json!({"@odata.context": self.context(&format!("appCatalogs/teamsApps('{id}')/appDefinitions")), "value": self.select_all(v)?}),
                ))
            }
            ("POST", [id, "appDefinitions"]) => self.update_app(id),
            ("GET", [id, "appDefinitions", did]) | ("GET", [id, "appDefinitions", did, "bot"]) => {
                self.req_same_pair(CATALOG_READ_D, CATALOG_READ_A, Family::Teams)?;
                let t = lock(&self.sim.tenant);
                let a = t.find_app(id).ok_or_else(|| {
                    GraphError::not_found(format!("App with id {id} was not found."))
                })?;
                let d = t.apps[a]
                    .definition(did)
                    .ok_or_else(|| GraphError::not_found("App definition not found."))?;
                if rest.len() == 4 {
                    let bot = d
                        .bot_id
                        .clone()
                        .ok_or_else(|| GraphError::not_found("This app definition has no bot."))?;
                    return self.entity(
                        &format!(
                            "appCatalogs/teamsApps('{id}')/appDefinitions('{did}')/bot/$entity"
                        ),
                        json!({"id": bot}),
                    );
                }
                let bot = self
                    .q
                    .expand
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case("bot"));
                self.entity(
                    &format!("appCatalogs/teamsApps('{id}')/appDefinitions/$entity"),
                    render::definition(&t.apps[a], d, bot),
                )
            }
            ("PATCH", [id, "appDefinitions", did]) => {
                self.require(CATALOG_ADMIN_D, &[], Family::Teams)?;
                let body = self.json_body()?;
                let state = body
                    .get("publishingState")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        GraphError::bad_request("Required property 'publishingState' is missing.")
                    })?;
                let new_state = match state {
                    "published" => PublishingState::Published,
                    "rejected" => PublishingState::Rejected,
                    other => {
                        return Err(GraphError::bad_request(format!(
                            "Invalid publishingState '{other}'."
                        )))
                    }
                };
                let now = self.sim.clock.now_ms() / 1000;
                let mut t = lock(&self.sim.tenant);
                if !self.user_has_role(&t, &[ROLE_GLOBAL_ADMIN, ROLE_TEAMS_ADMIN]) {
                    return Err(GraphError::new(
                        403,
                        "Forbidden",
                        "Only Teams service administrators can review app submissions.",
                    ));
                }
                let a = t.find_app(id).ok_or_else(|| {
                    GraphError::not_found(format!("App with id {id} was not found."))
                })?;
                let d = t.apps[a]
                    .definitions
                    .iter_mut()
                    .find(|d| d.id == *did)
                    .ok_or_else(|| GraphError::not_found("App definition not found."))?;
                if d.state != PublishingState::Submitted {
                    return Err(GraphError::bad_request(
                        "Only a definition in the 'submitted' state can be published or rejected.",
                    ));
                }
                d.state = new_state;
                d.last_modified = now;
                Ok(GResp::empty(204))
            }
            // Withdraws a submission that is still under review (Graph's "remove a submitted
            // app from the review process"); published or rejected definitions stay.
            ("DELETE", [id, "appDefinitions", did]) => {
                self.require(CATALOG_SUBMIT_D, &[], Family::Teams)?;
                let mut t = lock(&self.sim.tenant);
                let admin = self.user_has_role(&t, &[ROLE_GLOBAL_ADMIN, ROLE_TEAMS_ADMIN]);
                let caller = self.delegated_user_id(&t);
                let a = t.find_app(id).ok_or_else(|| {
                    GraphError::not_found(format!("App with id {id} was not found."))
                })?;
                let app = &mut t.apps[a];
                let d = app
                    .definitions
                    .iter()
                    .position(|d| d.id == *did)
                    .ok_or_else(|| GraphError::not_found("App definition not found."))?;
                if app.definitions[d].state != PublishingState::Submitted {
                    return Err(GraphError::bad_request(
                        "Only an app definition that is submitted and not yet reviewed can be deleted.",
                    ));
                }
                if !admin && app.definitions[d].created_by != caller {
                    return Err(GraphError::new(
                        403,
                        "Forbidden",
                        "Only the submitter or a Teams service administrator can withdraw this submission.",
                    ));
                }
                app.definitions.remove(d);
                if app.definitions.is_empty() {
                    t.apps.remove(a);
                }
                Ok(GResp::empty(204))
            }
            _ => Err(self.no_route()),
        }
    }

    pub(super) fn catalog_expand(&self) -> Result<Option<bool>, GraphError> {
        let Some(e) = &self.q.expand else {
            return Ok(None);
        };
        let mut out = None;
        for (nav, nested) in odata::parse_expand(e) {
            if nav != "appDefinitions" {
                return Err(GraphError::bad_request(format!("Parsing OData Select and Expand failed: Could not find a property named '{nav}' on type 'microsoft.graph.teamsApp'.")));
            }
            let bot = nested.eq_ignore_ascii_case("$expand=bot");
            if !nested.is_empty() && !bot {
                return Err(GraphError::bad_request(format!(
                    "Unsupported nested expand '{nested}'."
                )));
            }
            out = Some(bot);
        }
        Ok(out)
    }

    pub(super) fn requires_review(&self) -> bool {
        self.q.other.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("requiresReview") && v.eq_ignore_ascii_case("true")
        })
    }

    pub(super) fn read_package(&self) -> Result<crate::manifest::Manifest, GraphError> {
        let ct = self
            .req
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ct.to_ascii_lowercase().starts_with("application/zip") {
            return Err(GraphError::new(
                415,
                "UnsupportedMediaType",
                "The request must carry the app package with Content-Type 'application/zip'.",
            ));
        }
        crate::manifest::read(&self.req.body).map_err(|details| {
            let mut e = GraphError::bad_request("Manifest validation failed. See details.")
                .with_inner("UnableToParseTeamsAppManifest");
            e.details = Some(Box::new(Value::Array(
                details
                    .into_iter()
                    .map(|d| json!({"code": d.code, "message": d.message, "target": d.target}))
                    .collect(),
            )));
            if self.sim.settings().manifest_error_status_200 {
                e.status = 200;
            }
            e
        })
    }

    pub(super) fn publish(&self) -> R {
        self.require(CATALOG_SUBMIT_D, &[], Family::Teams)?;
        let review = self.requires_review();
        {
            let t = lock(&self.sim.tenant);
            if !review && !self.user_has_role(&t, &[ROLE_GLOBAL_ADMIN, ROLE_TEAMS_ADMIN]) {
                return Err(GraphError::new(403, "Forbidden", "Only Teams service administrators can publish apps directly to the organization's catalog; submit with requiresReview=true."));
            }
            if !review
                && self.has_any(&["AppCatalog.Submit".to_string()]).is_some()
                && self
                    .has_any(&[
                        "AppCatalog.ReadWrite.All".to_string(),
                        "Directory.ReadWrite.All".to_string(),
                    ])
                    .is_none()
            {
                return Err(GraphError::new(403, "Forbidden", "AppCatalog.Submit only allows submitting apps for review (requiresReview=true)."));
            }
        }
        let man = self.read_package()?;
        let now = self.sim.clock.now_ms() / 1000;
        let new_id = self.sim.new_uuid().to_string();
        let mut t = lock(&self.sim.tenant);
        if t.apps.iter().any(|a| {
            a.external_id
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(&man.id))
        }) {
            return Err(GraphError::new(
                409,
                "Conflict",
                format!(
                    "App with same id '{}' already exists in the tenant.",
                    man.id
                ),
            ));
        }
        let by = match self.p {
            Principal::Delegated { user, .. } => Some(t.users[*user].id),
            _ => None,
        };
        let state = if review {
            PublishingState::Submitted
        } else {
            PublishingState::Published
        };
        let app = TeamsApp {
            id: new_id.clone(),
            external_id: Some(man.id.clone()),
            display_name: man.name.clone(),
            distribution: Distribution::Organization,
            definitions: vec![man.definition(&new_id, state, now, by)],
        };
        let v = render::teams_app(&app, None);
        t.apps.push(app);
        let mut r = GResp::json(201, v);
        r.headers.push((
            "Location".into(),
            format!("{}/appCatalogs/teamsApps/{new_id}", self.base()),
        ));
        Ok(r)
    }

    pub(super) fn update_app(&self, id: &str) -> R {
        self.require(CATALOG_SUBMIT_D, &[], Family::Teams)?;
        let review = self.requires_review();
        {
            let t = lock(&self.sim.tenant);
            if !review && !self.user_has_role(&t, &[ROLE_GLOBAL_ADMIN, ROLE_TEAMS_ADMIN]) {
                return Err(GraphError::new(403, "Forbidden", "Only Teams service administrators can update apps directly; submit with requiresReview=true."));
            }
        }
        let man = self.read_package()?;
        let now = self.sim.clock.now_ms() / 1000;
        let mut t = lock(&self.sim.tenant);
        let by = match self.p {
            Principal::Delegated { user, .. } => Some(t.users[*user].id),
            _ => None,
        };
        let a = t
            .find_app(id)
            .ok_or_else(|| GraphError::not_found(format!("App with id {id} was not found.")))?;
        let app = &t.apps[a];
        if app.distribution != Distribution::Organization {
            return Err(GraphError::new(
                403,
                "Forbidden",
                "Only apps published to the organization's catalog can be updated.",
            ));
        }
        if !app
            .external_id
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(&man.id))
        {
            return Err(GraphError::bad_request(format!(
                "The manifest id '{}' does not match the id of the app being updated ('{}').",
                man.id,
                app.external_id.clone().unwrap_or_default()
            ))
            .with_inner("ManifestIdMismatch"));
        }
        let current = app
            .definitions
            .iter()
            .filter(|d| d.state != PublishingState::Rejected)
            .filter_map(|d| parse_version(&d.version))
            .max();
        if let (Some(cur), Some(new)) = (current, parse_version(&man.version)) {
            if new <= cur {
                return Err(GraphError::bad_request(format!(
                    "The app version '{}' must be greater than the current version '{}.{}.{}'.",
                    man.version, cur.0, cur.1, cur.2
                ))
                .with_inner("AppVersionNotIncremented"));
            }
        }
        let app_id = app.id.clone();
        let state = if review {
            PublishingState::Submitted
        } else {
            PublishingState::Published
        };
        let def = man.definition(&app_id, state, now, by);
        let rendered = render::definition(&t.apps[a], &def, false);
        t.apps[a].display_name = man.name.clone();
        t.apps[a].definitions.push(def);
        if review {
            let mut body = rendered;
            if let Value::Object(o) = &mut body {
                o.insert(
                    "@odata.context".into(),
                    json!(self.context(&format!(
                        "appCatalogs/teamsApps('{app_id}')/appDefinitions/$entity"
                    ))),
                );
            }
            return Ok(GResp::json(201, body));
        }
        Ok(GResp::empty(204))
    }

    // ---------------------------------------------------------------------------------
    // Service principals, app role assignments, delegated grants
}
