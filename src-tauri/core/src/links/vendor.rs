//! A vendor's link language: which targets it links, with which command, where, whether it
//! can unlink, and what its bot's reply says on success or failure. FlashDuty and PagerDuty
//! ship built in (`core/links/*.toml`); an admin can add a custom profile (file or form)
//! with the same fields.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{LinkTargetKind, LinksError};

const BUILT_IN: &[(&str, &str)] = &[
    ("flashduty", include_str!("../../links/flashduty.toml")),
    ("pagerduty", include_str!("../../links/pagerduty.toml")),
];

/// Placeholders a command may use.
pub const PLACEHOLDERS: &[&str] = &[
    "bot",
    "id",
    "name",
    "account",
    "chatName",
    "teamName",
    "channelName",
    "userName",
];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VendorCommands {
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub chat: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
}

impl VendorCommands {
    pub fn for_kind(&self, kind: LinkTargetKind) -> Option<&str> {
        match kind {
            LinkTargetKind::Team => self.team.as_deref(),
            LinkTargetKind::Channel => self.channel.as_deref(),
            LinkTargetKind::Chat => self.chat.as_deref(),
            LinkTargetKind::User => self.user.as_deref(),
        }
    }

    fn all(&self) -> Vec<(&'static str, &str)> {
        [
            ("team", self.team.as_deref()),
            ("channel", self.channel.as_deref()),
            ("chat", self.chat.as_deref()),
            ("user", self.user.as_deref()),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VendorReplyPatterns {
    /// Text in the bot's reply (or card) that means the link worked.
    pub success: Vec<String>,
    /// Text that means it failed; checked before success.
    pub failure: Vec<String>,
    /// Text that means the bot waits for a person (a card button such as "Associate Now").
    #[serde(default)]
    pub pending: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VendorProfile {
    /// Short, stable: `flashduty`, `pagerduty`, `acme-oncall`.
    pub id: String,
    pub name: String,
    /// The name people @mention in Teams (the bot's display name).
    pub bot_name: String,
    /// What the vendor calls the id a command carries ("Integration ID", "Service URL").
    pub integration_label: String,
    /// Target kinds the vendor links.
    pub targets: Vec<LinkTargetKind>,
    /// Channel kinds a channel link may use (`standard`, `private`, `shared`); empty when the
    /// vendor has no channel links.
    #[serde(default)]
    pub channel_kinds: Vec<String>,
    pub commands: VendorCommands,
    /// The vendor's own unlink commands: per kind, and `team` for a whole-team disconnect.
    #[serde(default)]
    pub unlink: VendorCommands,
    /// Said when the vendor has no unlink command.
    #[serde(default)]
    pub unlink_note: String,
    pub replies: VendorReplyPatterns,
    #[serde(default)]
    #[ts(skip)]
    pub built_in: bool,
}

impl VendorProfile {
    pub fn parse(text: &str) -> Result<Self, LinksError> {
        let p: VendorProfile = toml::from_str(text)
            .map_err(|e| LinksError::Invalid(format!("the vendor profile is not valid: {e}")))?;
        p.validate()?;
        Ok(p)
    }

    pub fn validate(&self) -> Result<(), LinksError> {
        let bad = |m: String| Err(LinksError::Invalid(m));
        if self.id.is_empty()
            || self.id.len() > 40
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return bad(format!(
                "vendor id {:?}: use 1 to 40 lowercase letters, digits and dashes",
                self.id
            ));
        }
        if self.name.trim().is_empty() || self.bot_name.trim().is_empty() {
            return bad("a vendor profile needs a name and the bot's name".into());
        }
        if self.targets.is_empty() {
            return bad("a vendor profile must link at least one kind of target".into());
        }
        for kind in &self.targets {
            if self.commands.for_kind(*kind).is_none() {
                return bad(format!(
                    "{} links {} targets but has no command for them (commands.{})",
                    self.name,
                    kind.as_str(),
                    kind.as_str()
                ));
            }
        }
        for (kind, cmd) in self.commands.all().into_iter().chain(self.unlink.all()) {
            if cmd.trim().is_empty() {
                return bad(format!("the {kind} command is empty"));
            }
            for name in placeholders(cmd)? {
                if !PLACEHOLDERS.contains(&name.as_str()) {
                    return bad(format!(
                        "the {kind} command uses {{{name}}}; known placeholders: {}",
                        PLACEHOLDERS
                            .iter()
                            .map(|p| format!("{{{p}}}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
        for kind in &self.channel_kinds {
            if !matches!(kind.as_str(), "standard" | "private" | "shared") {
                return bad(format!(
                    "channel kind {kind:?}: expected standard, private or shared"
                ));
            }
        }
        if self.targets.contains(&LinkTargetKind::Channel) && self.channel_kinds.is_empty() {
            return bad(
                "a vendor that links channels must say which channel kinds (channelKinds)".into(),
            );
        }
        if self.replies.success.iter().all(|s| s.trim().is_empty()) {
            return bad("say what the bot's reply contains on success (replies.success)".into());
        }
        if self.replies.failure.iter().all(|s| s.trim().is_empty()) {
            return bad("say what the bot's reply contains on failure (replies.failure)".into());
        }
        Ok(())
    }

    /// True when the vendor has its own command to unlink this kind.
    pub fn unlink_command(&self, kind: LinkTargetKind) -> Option<&str> {
        self.unlink.for_kind(kind)
    }

    /// What the bot's reply means.
    pub fn classify(&self, text: &str) -> LinkReplyVerdict {
        let lower = text.to_lowercase();
        let has = |list: &[String]| {
            list.iter()
                .any(|p| !p.trim().is_empty() && lower.contains(&p.to_lowercase()))
        };
        if has(&self.replies.failure) {
            LinkReplyVerdict::Failure
        } else if has(&self.replies.success) {
            LinkReplyVerdict::Success
        } else if has(&self.replies.pending) {
            LinkReplyVerdict::Pending
        } else {
            LinkReplyVerdict::Unknown
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LinkReplyVerdict {
    Success,
    Failure,
    /// The bot waits for a button press.
    Pending,
    Unknown,
}

/// `{name}` placeholders of a command, or why the braces don't balance.
fn placeholders(cmd: &str) -> Result<Vec<String>, LinksError> {
    let mut out = Vec::new();
    let mut rest = cmd;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let end = after.find('}').ok_or_else(|| {
            LinksError::Invalid(format!("the command {cmd:?} has a {{ without a }}"))
        })?;
        out.push(after[..end].to_string());
        rest = &after[end + 1..];
    }
    if rest.contains('}') {
        return Err(LinksError::Invalid(format!(
            "the command {cmd:?} has a }} without a {{"
        )));
    }
    Ok(out)
}

/// Fills a command's placeholders. Values are the admin's and the tenant's own words.
pub fn fill(cmd: &str, values: &[(&str, &str)]) -> String {
    let mut out = cmd.to_string();
    for (k, v) in values {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

pub fn built_in() -> Vec<VendorProfile> {
    BUILT_IN
        .iter()
        .filter_map(|(id, text)| match VendorProfile::parse(text) {
            Ok(mut p) => {
                p.built_in = true;
                Some(p)
            }
            Err(err) => {
                // A test parses every built-in profile; this is never reached in a release.
                tracing::error!(vendor = id, %err, "built-in vendor profile does not parse");
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_profiles_parse_and_say_what_the_vendors_say() {
        let all = built_in();
        assert_eq!(all.len(), BUILT_IN.len());
        let fd = all.iter().find(|p| p.id == "flashduty").expect("flashduty");
        assert_eq!(
            fd.commands.for_kind(LinkTargetKind::Team),
            Some("@{bot} linkTeam {id}")
        );
        assert!(!fd.targets.contains(&LinkTargetKind::Channel));
        assert!(fd.unlink_command(LinkTargetKind::Team).is_none());
        assert!(fd.unlink_note.contains("Currently not supported"));
        let pd = all.iter().find(|p| p.id == "pagerduty").expect("pagerduty");
        assert_eq!(pd.channel_kinds, ["standard"]);
        assert_eq!(pd.unlink_command(LinkTargetKind::User), Some("unlinkUser"));
        assert_eq!(
            pd.unlink_command(LinkTargetKind::Team),
            Some("@{bot} disconnect")
        );
    }

    #[test]
    fn replies_are_classified_failure_first() {
        let fd = built_in().remove(0);
        assert_eq!(
            fd.classify("Associated successfully: this team ..."),
            LinkReplyVerdict::Success
        );
        assert_eq!(
            fd.classify("Failed: integration X was not found."),
            LinkReplyVerdict::Failure
        );
        assert_eq!(
            fd.classify("Associate team Ops with ...? Associate Now"),
            LinkReplyVerdict::Pending
        );
        assert_eq!(fd.classify("hello"), LinkReplyVerdict::Unknown);
    }

    #[test]
    fn custom_profiles_are_checked() {
        let good = r#"
            id = "acme"
            name = "Acme On-Call"
            botName = "Acme"
            integrationLabel = "Route"
            targets = ["team"]
            [commands]
            team = "@{bot} subscribe {id} {teamName}"
            [replies]
            success = ["subscribed"]
            failure = ["error"]
        "#;
        let p = VendorProfile::parse(good).expect("valid");
        assert_eq!(
            fill(
                p.commands.team.as_deref().unwrap_or(""),
                &[("bot", "Acme"), ("id", "R1"), ("teamName", "Ops")]
            ),
            "@Acme subscribe R1 Ops"
        );
        for (broken, why) in [
            (good.replace("{teamName}", "{team}"), "{team}"),
            (good.replace("{teamName}", "{teamName"), "without a }"),
            (
                good.replace("targets = [\"team\"]", "targets = [\"chat\"]"),
                "no command",
            ),
            (
                good.replace("id = \"acme\"", "id = \"Acme Inc\""),
                "lowercase",
            ),
            (
                good.replace("success = [\"subscribed\"]", "success = []"),
                "success",
            ),
            (
                good.replace(
                    "targets = [\"team\"]",
                    "targets = [\"channel\"]\n            [commands.x]",
                ),
                "not valid",
            ),
            (
                good.replace(
                    "targets = [\"team\"]",
                    "targets = [\"team\"]\n            channelKinds = [\"secret\"]",
                ),
                "channel kind",
            ),
        ] {
            let err = VendorProfile::parse(&broken).expect_err(why).to_string();
            assert!(err.contains(why), "{why}: {err}");
        }
    }
}
