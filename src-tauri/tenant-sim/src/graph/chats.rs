//! `/chats` and their members.

use serde_json::json;

use crate::graph::context::*;
use crate::graph::request::*;
use crate::identity::Principal;
use crate::odata::{Family, GraphError};
use crate::render;
use crate::state::lock;

impl<'a> Ctx<'a> {
    pub(super) fn chats(&self) -> R {
        let m = self.req.method.as_str();
        let n = self.segs.len();
        let t = lock(&self.sim.tenant);
        if m == "GET" && n == 1 {
            let Principal::Delegated { user, .. } = self.p else {
                return Err(GraphError::new(
                    403,
                    "Forbidden",
                    "Requested API is not supported in application-only context",
                ));
            };
            self.req_same_pair(CHATS_D, &[], Family::Teams)?;
            let u = *user;
            let chats: Vec<usize> = t
                .chats
                .iter()
                .enumerate()
                .filter(|(_, c)| c.members.contains(&u))
                .map(|(i, _)| i)
                .collect();
            return self.list(
                &chat_spec("chats".into()),
                chats.len(),
                &|i| render::chat(&t, &t.chats[chats[i]]),
                None,
            );
        }
        if let Some((user_id, _)) = crate::conversations::parse_personal_chat(self.s(1)) {
            // The chat between a user and a bot: only that user may read it (delegated).
            let caller = self.delegated_user_id(&t).map(|u| u.to_string());
            if caller.as_deref() != Some(user_id.as_str()) {
                return Err(GraphError::new(
                    403,
                    "Forbidden",
                    "User is not a member of this chat.",
                ));
            }
            if m == "GET" && n == 3 && self.s(2) == "messages" {
                let key = crate::conversations::ConvKey::Chat(self.s(1).to_string());
                drop(t);
                return self.messages(key, 3, false);
            }
            return Err(self.no_route());
        }
        let Some(c) = t.find_chat(self.s(1)) else {
            return Err(GraphError::not_found(format!(
                "Chat {} not found",
                self.s(1)
            )));
        };
        if let Principal::Delegated { user, .. } = self.p {
            if !t.chats[c].members.contains(user) && self.s(2) != "installedApps" {
                return Err(GraphError::new(
                    403,
                    "Forbidden",
                    "User is not a member of this chat.",
                ));
            }
        }
        match (m, n, self.s(2)) {
            ("GET", 2, _) => {
                self.req_same_pair(CHATS_D, CHATS_A, Family::Teams)?;
                self.entity("chats/$entity", render::chat(&t, &t.chats[c]))
            }
            ("GET", 3, "permissionGrants") => {
                self.req_same_pair(CHAT_RSC_GRANTS_D, CHAT_RSC_GRANTS_A, Family::Teams)?;
                self.no_options()?;
                let id = t.chats[c].id.clone();
                let v = rsc_grants(&t, &id, &t.chats[c].installs, ".Chat");
                Ok(GResp::json(
                    200,
                    json!({"@odata.context": self.context(&format!("chats('{id}')/permissionGrants")), "value": v}),
                ))
            }
            (_, _, "installedApps") => {
                drop(t);
                self.installed_apps(Kind::Chat, c, 3)
            }
            (_, _, "messages") => {
                let key = crate::conversations::ConvKey::Chat(t.chats[c].id.clone());
                drop(t);
                self.messages(key, 3, false)
            }
            _ => Err(self.no_route()),
        }
    }

    // ---------------------------------------------------------------------------------
    // Channel and chat messages (see `conversations`)
}
