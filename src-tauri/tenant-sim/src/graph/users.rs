//! `/users`, `/users/delta`, `/me` and memberships.

use serde_json::{json, Map, Value};

use crate::graph::context::*;
use crate::graph::request::*;
use crate::identity::Principal;
use crate::odata::{self, Cursor, Family, GraphError};
use crate::render;
use crate::state::lock;

impl<'a> Ctx<'a> {
    pub(super) fn users(&self) -> R {
        let m = self.req.method.as_str();
        let n = self.segs.len();
        if m == "GET" && n == 1 {
            self.req_same(USERS_READ, Family::Directory)?;
            let t = lock(&self.sim.tenant);
            let spec = ListSpec {
                family: Family::Directory,
                type_name: "User",
                context: "users".into(),
                default_page: 100,
                max_top: Some(999),
                filter_props: &[
                    "id",
                    "userPrincipalName",
                    "displayName",
                    "mail",
                    "accountEnabled",
                    "userType",
                    "givenName",
                    "surname",
                    "department",
                    "jobTitle",
                    "mailNickname",
                ],
                any_props: &[],
                select_props: render::USER_ALL,
                count_ok: true,
            };
            return self.list(
                &spec,
                t.users.len(),
                &|i| render::user(&t, &t.users[i]),
                Some(render::USER_DEFAULT),
            );
        }
        if m == "GET" && n == 2 && self.s(1) == "delta" {
            self.req_same(
                &[
                    "User.Read.All",
                    "User.ReadWrite.All",
                    "Directory.Read.All",
                    "Directory.ReadWrite.All",
                ],
                Family::Directory,
            )?;
            return self.users_delta();
        }
        let t = lock(&self.sim.tenant);
        let Some(u) = t.find_user(self.s(1)) else {
            return Err(GraphError::directory_not_found(self.s(1)));
        };
        let is_self = matches!(self.p, Principal::Delegated { user, .. } if *user == u);
        match (m, n, self.s(2)) {
            ("GET", 2, _) => {
                if is_self {
                    let mut d = USERS_READ.to_vec();
                    d.extend(["User.Read", "User.ReadWrite"]);
                    self.req_same_pair(&d, USERS_READ, Family::Directory)?;
                } else {
                    self.req_same(USERS_READ, Family::Directory)?;
                }
                if let Some(sel) = &self.q.select {
                    odata::check_select(sel, render::USER_ALL, "user")?;
                    let v = render::user(&t, &t.users[u]);
                    return self.entity("users/$entity", v);
                }
                self.entity("users/$entity", render::user_default(&t, &t.users[u]))
            }
            ("GET", 3, "memberOf" | "transitiveMemberOf")
            | ("GET", 4, "memberOf" | "transitiveMemberOf") => {
                if is_self {
                    self.req_same_pair(MEMBER_OF_D, MEMBER_OF_A, Family::Directory)?;
                } else {
                    self.req_same_pair(&MEMBER_OF_D[1..], MEMBER_OF_A, Family::Directory)?;
                }
                // Documented (List a user's direct memberships): "OData cast is also enabled;
                // for example, you can cast to get just the directoryRoles the user is a member
                // of", and "ConsistencyLevel: eventual ... and $count are required when using
                // the $search, $filter, $orderby, or OData cast query parameters".
                let cast = if n == 4 {
                    let cast = match self.s(3) {
                        "microsoft.graph.directoryRole" => MemberCast::Roles,
                        "microsoft.graph.group" => MemberCast::Groups,
                        other => {
                            return Err(GraphError::new(
                                400,
                                "Request_UnsupportedQuery",
                                format!("Unsupported OData cast '{other}' on memberOf."),
                            ))
                        }
                    };
                    let eventual = self
                        .req
                        .headers
                        .get("ConsistencyLevel")
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.eq_ignore_ascii_case("eventual"));
                    if !eventual || self.q.count.as_deref() != Some("true") {
                        return Err(GraphError::new(
                            400,
                            "Request_UnsupportedQuery",
                            "OData cast on memberOf is an advanced query: set the ConsistencyLevel header to 'eventual' and add $count=true.",
                        ));
                    }
                    Some(cast)
                } else {
                    None
                };
                let uid = u;
                let mut objs: Vec<Value> = Vec::new();
                if cast != Some(MemberCast::Groups) {
                    objs.extend(
                        t.users[uid]
                            .roles
                            .iter()
                            .map(|&r| render::directory_role(&t.roles[r])),
                    );
                }
                if cast != Some(MemberCast::Roles) {
                    objs.extend(
                        t.groups
                            .iter()
                            .filter(|g| g.members.contains(&uid))
                            .map(|g| render::group_member_of(&t, g)),
                    );
                }
                let spec = ListSpec {
                    family: Family::Directory,
                    type_name: "DirectoryObject",
                    context: match cast {
                        Some(MemberCast::Roles) => "directoryRoles".into(),
                        Some(MemberCast::Groups) => "groups".into(),
                        None => "directoryObjects".into(),
                    },
                    default_page: 100,
                    max_top: Some(999),
                    filter_props: &["id", "displayName"],
                    any_props: &[],
                    select_props: &[
                        "id",
                        "displayName",
                        "roleTemplateId",
                        "description",
                        "deletedDateTime",
                    ],
                    count_ok: true,
                };
                self.list(&spec, objs.len(), &|i| objs[i].clone(), None)
            }
            ("GET", 3, "chats") => {
                match self.p {
                    Principal::Delegated { .. } if !is_self => {
                        return Err(GraphError::new(403, "Forbidden", "Requested user is not the signed-in user; delegated access to another user's chats is not supported."))
                    }
                    _ => {}
                }
                self.req_same_pair(CHATS_D, CHATS_A, Family::Teams)?;
                let chats: Vec<usize> = t
                    .chats
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.members.contains(&u))
                    .map(|(i, _)| i)
                    .collect();
                let spec = chat_spec(format!("users('{}')/chats", t.users[u].id));
                self.list(
                    &spec,
                    chats.len(),
                    &|i| render::chat(&t, &t.chats[chats[i]]),
                    None,
                )
            }
            (_, _, "teamwork") if self.s(3) == "installedApps" => {
                drop(t);
                self.installed_apps(Kind::User, u, 4)
            }
            _ => Err(self.no_route()),
        }
    }

    pub(super) fn users_delta(&self) -> R {
        let key = self.sim.config.seed ^ 0xDE17_A000;
        let now = self.sim.clock.now_ms();
        let t = lock(&self.sim.tenant);
        // Delta state rides in a cursor: offset = position, page_size = "since" sequence,
        // query_hash = issue time (seconds) used for the 7-day token lifetime.
        let gone = || {
            GraphError::new(410, "syncStateNotFound", "The sync state generation is not found. The delta token is expired or invalid; restart the synchronization from scratch.")
        };
        let (since, offset) = if let Some(tok) = &self.q.deltatoken {
            let c = odata::decode_cursor(key, tok).ok_or_else(gone)?;
            if now / 1000 - c.query_hash as i64 > 7 * 86_400 {
                return Err(gone());
            }
            (c.offset as u64, 0usize)
        } else if let Some(tok) = &self.q.skiptoken {
            let c = odata::decode_cursor(key, tok).ok_or_else(gone)?;
            (c.page_size as u64, c.offset)
        } else {
            (0, 0)
        };
        let changed: Vec<usize> = (0..t.users.len())
            .filter(|&i| t.users[i].change_seq > since)
            .collect();
        let page = 200;
        let end = (offset + page).min(changed.len());
        let sel = self.q.select.clone();
        let items: Vec<Value> = changed[offset.min(end)..end]
            .iter()
            .map(|&i| match &sel {
                Some(s) => odata::project(&render::user(&t, &t.users[i]), s),
                None => render::user_default(&t, &t.users[i]),
            })
            .collect();
        let mut body = Map::new();
        body.insert("@odata.context".into(), json!(self.context("users")));
        let issued = (now / 1000) as u32;
        if end < changed.len() {
            let c = Cursor {
                offset: end,
                page_size: since as usize,
                served_empty: false,
                query_hash: issued,
            };
            body.insert(
                "@odata.nextLink".into(),
                json!(self.delta_link(&odata::encode_cursor(key, &c), "$skiptoken")),
            );
        } else {
            let c = Cursor {
                offset: t.change_seq as usize,
                page_size: 0,
                served_empty: false,
                query_hash: issued,
            };
            body.insert(
                "@odata.deltaLink".into(),
                json!(self.delta_link(&odata::encode_cursor(key, &c), "$deltatoken")),
            );
        }
        body.insert("value".into(), Value::Array(items));
        Ok(GResp::json(200, Value::Object(body)))
    }

    pub(super) fn delta_link(&self, token: &str, param: &str) -> String {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        if let Some(sel) = &self.q.select {
            ser.append_pair("$select", &sel.join(","));
        }
        ser.append_pair(param, token);
        format!("{}/users/delta?{}", self.base(), ser.finish())
    }

    // ---------------------------------------------------------------------------------
    // Groups and teams
}

/// The OData casts `memberOf` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MemberCast {
    Roles,
    Groups,
}
