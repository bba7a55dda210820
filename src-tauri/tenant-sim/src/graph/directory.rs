//! `/groups` and their members.

use serde_json::json;

use crate::graph::context::*;
use crate::graph::request::*;
use crate::odata::{self, Family, GraphError};
use crate::render;
use crate::state::lock;

impl<'a> Ctx<'a> {
    pub(super) fn groups(&self) -> R {
        if self.req.method != "GET" {
            return Err(self.no_route());
        }
        if self.segs.len() == 3 && self.s(2) == "members" {
            return self.group_members();
        }
        self.req_same(GROUPS_READ, Family::Directory)?;
        let t = lock(&self.sim.tenant);
        match self.segs.len() {
            1 => {
                let spec = ListSpec {
                    family: Family::Directory,
                    type_name: "Group",
                    context: "groups".into(),
                    default_page: 100,
                    max_top: Some(999),
                    filter_props: &[
                        "id",
                        "displayName",
                        "resourceProvisioningOptions",
                        "groupTypes",
                        "mailEnabled",
                        "securityEnabled",
                        "mailNickname",
                        "mail",
                    ],
                    any_props: &["resourceProvisioningOptions", "groupTypes"],
                    select_props: render::GROUP_ALL,
                    count_ok: true,
                };
                self.list(
                    &spec,
                    t.groups.len(),
                    &|i| render::group(&t, &t.groups[i]),
                    None,
                )
            }
            2 => {
                let g = t
                    .find_group(self.s(1))
                    .ok_or_else(|| GraphError::directory_not_found(self.s(1)))?;
                if let Some(sel) = &self.q.select {
                    odata::check_select(sel, render::GROUP_ALL, "group")?;
                }
                self.entity("groups/$entity", render::group(&t, &t.groups[g]))
            }
            _ => Err(self.no_route()),
        }
    }

    /// `GET /groups/{id}/members`: users (and other directory objects) in a group or team.
    pub(super) fn group_members(&self) -> R {
        self.req_same(
            &[
                "GroupMember.Read.All",
                "Group.Read.All",
                "Group.ReadWrite.All",
                "Directory.Read.All",
                "Directory.ReadWrite.All",
            ],
            Family::Directory,
        )?;
        let t = lock(&self.sim.tenant);
        let g = t
            .find_group(self.s(1))
            .ok_or_else(|| GraphError::directory_not_found(self.s(1)))?;
        let members = t.groups[g].members.clone();
        let spec = ListSpec {
            family: Family::Directory,
            type_name: "DirectoryObject",
            context: "directoryObjects".into(),
            default_page: 100,
            max_top: Some(999),
            filter_props: &["id", "displayName", "accountEnabled"],
            any_props: &[],
            select_props: render::USER_ALL,
            count_ok: true,
        };
        self.list(
            &spec,
            members.len(),
            &|i| {
                let mut v = render::user(&t, &t.users[members[i]]);
                v["@odata.type"] = json!("#microsoft.graph.user");
                v
            },
            Some(render::USER_DEFAULT),
        )
    }
}
