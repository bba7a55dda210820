//! `/teams`, their channels and the primary channel.

use serde_json::json;

use crate::graph::context::*;
use crate::graph::request::*;
use crate::odata::{Family, GraphError};
use crate::render;
use crate::state::lock;

impl<'a> Ctx<'a> {
    pub(super) fn teams(&self) -> R {
        let m = self.req.method.as_str();
        let n = self.segs.len();
        if m == "GET" && n == 1 {
            self.req_same(
                &[
                    "Team.ReadBasic.All",
                    "TeamSettings.Read.All",
                    "TeamSettings.ReadWrite.All",
                    "Directory.Read.All",
                    "Directory.ReadWrite.All",
                ],
                Family::Teams,
            )?;
            let t = lock(&self.sim.tenant);
            let teams: Vec<usize> = t
                .groups
                .iter()
                .enumerate()
                .filter(|(_, g)| g.team.is_some())
                .map(|(i, _)| i)
                .collect();
            let spec = ListSpec {
                family: Family::Teams,
                type_name: "team",
                context: "teams".into(),
                default_page: 100,
                max_top: Some(999),
                filter_props: &["displayName", "id", "visibility", "isArchived"],
                any_props: &[],
                select_props: &[
                    "id",
                    "createdDateTime",
                    "displayName",
                    "description",
                    "internalId",
                    "classification",
                    "specialization",
                    "visibility",
                    "webUrl",
                    "isArchived",
                    "tenantId",
                ],
                count_ok: false,
            };
            return self.list(
                &spec,
                teams.len(),
                &|i| render::team_list_item(&t.groups[teams[i]]),
                None,
            );
        }
        let t = lock(&self.sim.tenant);
        let Some(g) = t.find_team(self.s(1)) else {
            return Err(GraphError::not_found(format!(
                "No team found with Group Id {}",
                self.s(1)
            )));
        };
        let tid = t.groups[g].id.to_string();
        match (m, n, self.s(2)) {
            ("GET", 2, _) => {
                self.req_same(TEAMS_READ, Family::Teams)?;
                self.entity("teams/$entity", render::team(&t, &t.groups[g]))
            }
            ("GET", 3, "primaryChannel") => {
                self.req_same(CHANNELS_READ, Family::Teams)?;
                let Some(data) = &t.groups[g].team else {
                    return Err(self.no_route());
                };
                let c = data
                    .channels
                    .first()
                    .ok_or_else(|| GraphError::not_found("Primary channel not found"))?;
                self.entity(
                    &format!("teams('{tid}')/primaryChannel/$entity"),
                    render::channel(&t, &t.groups[g], c),
                )
            }
            ("GET", 3, "channels") => {
                self.req_same(CHANNELS_READ, Family::Teams)?;
                let Some(data) = &t.groups[g].team else {
                    return Err(self.no_route());
                };
                let spec = ListSpec {
                    family: Family::Teams,
                    type_name: "channel",
                    context: format!("teams('{tid}')/channels"),
                    default_page: 1000,
                    max_top: None,
                    filter_props: &["membershipType", "displayName", "id"],
                    any_props: &[],
                    select_props: &[
                        "id",
                        "createdDateTime",
                        "displayName",
                        "description",
                        "isFavoriteByDefault",
                        "email",
                        "webUrl",
                        "membershipType",
                        "tenantId",
                        "isArchived",
                    ],
                    count_ok: false,
                };
                self.list(
                    &spec,
                    data.channels.len(),
                    &|i| render::channel(&t, &t.groups[g], &data.channels[i]),
                    None,
                )
            }
            (_, n, "channels") if n >= 5 && self.s(4) == "messages" => {
                let Some(data) = &t.groups[g].team else {
                    return Err(self.no_route());
                };
                if !data.channels.iter().any(|c| c.id == self.s(3)) {
                    return Err(GraphError::not_found("Channel not found"));
                }
                let archived = data.is_archived;
                let key = crate::conversations::ConvKey::Channel {
                    team: tid.clone(),
                    channel: self.s(3).to_string(),
                };
                drop(t);
                self.messages(key, 5, archived)
            }
            ("GET", 4, "channels") => {
                self.req_same(CHANNELS_READ, Family::Teams)?;
                let Some(data) = &t.groups[g].team else {
                    return Err(self.no_route());
                };
                let c = data
                    .channels
                    .iter()
                    .find(|c| c.id == self.s(3))
                    .ok_or_else(|| GraphError::not_found("Channel not found"))?;
                self.entity(
                    &format!("teams('{tid}')/channels/$entity"),
                    render::channel(&t, &t.groups[g], c),
                )
            }
            ("GET", 3, "permissionGrants") => {
                self.require(
                    TEAM_RSC_GRANTS,
                    &app_variant(TEAM_RSC_GRANTS),
                    Family::Teams,
                )?;
                self.no_options()?;
                let Some(data) = &t.groups[g].team else {
                    return Err(self.no_route());
                };
                let v = rsc_grants(&t, &tid, &data.installs, ".Group");
                Ok(GResp::json(
                    200,
                    json!({"@odata.context": self.context(&format!("teams('{tid}')/permissionGrants")), "value": v}),
                ))
            }
            (_, _, "installedApps") => {
                drop(t);
                self.installed_apps(Kind::Team, g, 3)
            }
            _ => Err(self.no_route()),
        }
    }
}
