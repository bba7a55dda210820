//! Channel and chat messages and replies (the Links feature reads the bot's replies).

use serde_json::{json, Map, Value};

use crate::graph::context::*;
use crate::graph::request::*;
use crate::identity::Principal;
use crate::odata::{Family, GraphError};
use crate::state::lock;

impl<'a> Ctx<'a> {
    /// `.../messages`, `.../messages/{id}`, `.../messages/{id}/replies` below `at`.
    pub(super) fn messages(
        &self,
        key: crate::conversations::ConvKey,
        at: usize,
        archived: bool,
    ) -> R {
        use crate::conversations::{post_via_graph, render as render_msg, ConvKey};
        let m = self.req.method.as_str();
        let rest: Vec<&str> = self.segs[at..].iter().map(String::as_str).collect();
        let is_channel = matches!(key, ConvKey::Channel { .. });
        let (read, send): (&[&str], &[&str]) = if is_channel {
            (
                &[
                    "ChannelMessage.Read.All",
                    "Group.Read.All",
                    "Group.ReadWrite.All",
                ],
                &["ChannelMessage.Send", "Group.ReadWrite.All"],
            )
        } else {
            (
                &["Chat.Read", "Chat.ReadWrite"],
                &["ChatMessage.Send", "Chat.ReadWrite"],
            )
        };
        let ctx = match &key {
            ConvKey::Channel { team, channel } => {
                format!("teams('{team}')/channels('{channel}')/messages")
            }
            ConvKey::Chat(id) => format!("chats('{id}')/messages"),
        };
        match (m, rest.as_slice()) {
            ("GET", [] | [_, "replies"]) => {
                let read_a: Vec<String> = if is_channel {
                    vec!["ChannelMessage.Read.All".into()]
                } else {
                    vec!["Chat.Read.All".into()]
                };
                self.require(read, &read_a, Family::Teams)?;
                let q = &self.q;
                if q.filter.is_some() && is_channel
                    || q.select.is_some()
                    || q.search.is_some()
                    || q.skip.is_some()
                    || q.count.is_some()
                {
                    return Err(GraphError::bad_request(
                        "The query option is not supported for this resource.",
                    ));
                }
                let top = match &q.top {
                    None => 20,
                    Some(raw) => match raw.parse::<usize>() {
                        Ok(v) if (1..=50).contains(&v) => v,
                        _ => {
                            return Err(GraphError::bad_request(format!(
                                "Invalid page size specified: '{raw}'. Must be between 1 and 50 inclusive."
                            )))
                        }
                    },
                };
                let replies_of = match rest.as_slice() {
                    [parent, "replies"] => Some(parent.to_string()),
                    _ => None,
                };
                let expand_replies = match q.expand.as_deref() {
                    None => false,
                    Some("replies") if replies_of.is_none() && is_channel => true,
                    Some(other) => {
                        return Err(GraphError::bad_request(format!(
                            "Could not find a property named '{other}' to expand."
                        )))
                    }
                };
                // Chats: $orderby desc on lastModifiedDateTime / createdDateTime; a $filter
                // applies only with an $orderby on the same property (else it is ignored).
                let mut by_created = false;
                let mut bound: Option<(bool, bool, i64)> = None; // (created?, greater?, ms)
                if let Some(ob) = &q.orderby {
                    if is_channel {
                        return Err(GraphError::bad_request(
                            "The query option is not supported for this resource.",
                        ));
                    }
                    let mut parts = ob.split_whitespace();
                    let prop = parts.next().unwrap_or("");
                    let dir = parts.next().unwrap_or("desc");
                    if dir != "desc" {
                        return Err(GraphError::bad_request(
                            "Only descending order is supported for $orderby.",
                        ));
                    }
                    by_created = match prop {
                        "createdDateTime" => true,
                        "lastModifiedDateTime" => false,
                        other => {
                            return Err(GraphError::bad_request(format!(
                                "$orderby on '{other}' is not supported."
                            )))
                        }
                    };
                    if let Some(f) = &q.filter {
                        let mut it = f.split_whitespace();
                        let (p, op, v) = (
                            it.next().unwrap_or(""),
                            it.next().unwrap_or(""),
                            it.next().unwrap_or(""),
                        );
                        let same = (p == "createdDateTime") == by_created
                            && (p == "createdDateTime" || p == "lastModifiedDateTime");
                        if same {
                            let ms = chrono::DateTime::parse_from_rfc3339(v)
                                .map(|d| d.timestamp_millis())
                                .map_err(|_| {
                                    GraphError::bad_request(format!(
                                        "Invalid date '{v}' in $filter."
                                    ))
                                })?;
                            let greater = match op {
                                "gt" if !by_created => true,
                                "lt" => false,
                                _ => {
                                    return Err(GraphError::bad_request(format!(
                                        "Operator '{op}' is not supported on '{p}'."
                                    )))
                                }
                            };
                            bound = Some((by_created, greater, ms));
                        }
                    }
                }
                let t = lock(&self.sim.tenant);
                let conv = lock(&self.sim.conversations);
                let all = conv.list(&key);
                let mut items: Vec<&crate::conversations::Message> = match &replies_of {
                    Some(parent) => {
                        if !all.iter().any(|x| &x.id == parent) {
                            return Err(GraphError::not_found(format!(
                                "Message {parent} not found"
                            )));
                        }
                        all.iter()
                            .filter(|x| x.reply_to.as_deref() == Some(parent))
                            .collect()
                    }
                    None if is_channel => all.iter().filter(|x| x.reply_to.is_none()).collect(),
                    None => all.iter().collect(),
                };
                if let Some((created, greater, ms)) = bound {
                    items.retain(|x| {
                        let v = if created { x.created_ms } else { x.modified_ms };
                        if greater {
                            v > ms
                        } else {
                            v < ms
                        }
                    });
                }
                // Newest first.
                items.sort_by_key(|x| {
                    std::cmp::Reverse(if by_created {
                        x.created_ms
                    } else {
                        x.modified_ms
                    })
                });
                let offset = match &q.skiptoken {
                    Some(tok) => tok.parse::<usize>().map_err(|_| {
                        GraphError::bad_request("The skip token is invalid or has expired.")
                    })?,
                    None => 0,
                };
                let end = (offset + top).min(items.len());
                let page: Vec<Value> = items[offset.min(end)..end]
                    .iter()
                    .map(|x| {
                        let replies: Vec<crate::conversations::Message> = if expand_replies {
                            all.iter()
                                .filter(|r| r.reply_to.as_deref() == Some(x.id.as_str()))
                                .cloned()
                                .collect()
                        } else {
                            Vec::new()
                        };
                        render_msg(&t, &key, x, expand_replies.then_some(replies.as_slice()))
                    })
                    .collect();
                let mut body = Map::new();
                body.insert("@odata.context".into(), json!(self.context(&ctx)));
                if end < items.len() {
                    body.insert(
                        "@odata.nextLink".into(),
                        json!(self.next_link(&end.to_string(), "$skiptoken")),
                    );
                }
                body.insert("value".into(), Value::Array(page));
                Ok(GResp::json(200, Value::Object(body)))
            }
            ("GET", [id]) => {
                let read_a: Vec<String> = vec![];
                self.require(read, &read_a, Family::Teams)?;
                let t = lock(&self.sim.tenant);
                let conv = lock(&self.sim.conversations);
                let msg = conv
                    .list(&key)
                    .iter()
                    .find(|x| x.id == *id)
                    .ok_or_else(|| GraphError::not_found(format!("Message {id} not found")))?;
                let v = render_msg(&t, &key, msg, None);
                self.entity(&format!("{ctx}/$entity"), v)
            }
            ("POST", [] | [_, "replies"]) => {
                self.require(send, &[], Family::Teams)?;
                if archived {
                    return Err(GraphError::new(
                        403,
                        "Forbidden",
                        "The team is archived; it is read-only.",
                    ));
                }
                let user = {
                    let t = lock(&self.sim.tenant);
                    match self.p {
                        Principal::Delegated { user, .. } => *user,
                        Principal::App { .. } => {
                            drop(t);
                            return Err(GraphError::new(
                                403,
                                "Forbidden",
                                "Requested API is not supported in application-only context",
                            ));
                        }
                    }
                };
                let body = self.json_body()?;
                let reply_to = match rest.as_slice() {
                    [parent, "replies"] => Some(parent.to_string()),
                    _ => None,
                };
                match post_via_graph(&self.sim.teams(), key, reply_to, user, &body) {
                    Ok(v) => {
                        let mut out = Map::new();
                        out.insert(
                            "@odata.context".into(),
                            json!(self.context(&format!("{ctx}/$entity"))),
                        );
                        if let Value::Object(o) = v {
                            out.extend(o);
                        }
                        Ok(GResp::json(201, Value::Object(out)))
                    }
                    Err(e @ crate::conversations::PostError::ParentNotFound(_)) => {
                        Err(GraphError::not_found(e.to_string()))
                    }
                    Err(e) => Err(GraphError::bad_request(e.to_string())),
                }
            }
            _ => Err(self.no_route()),
        }
    }

    // ---------------------------------------------------------------------------------
    // installedApps for teams, chats and users
}
