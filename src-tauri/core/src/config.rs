//! Where BotDeck keeps its files, and which Microsoft cloud a profile talks to.
//!
//! Authorities and Graph base URLs are configuration, never constants sprinkled through the
//! code: the same client talks to the global cloud, the sovereign clouds, and tenant-sim.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Environment overrides, so tests and the e2e harness can isolate every run.
pub const ENV_DATA_DIR: &str = "BOTDECK_DATA_DIR";
pub const ENV_LOG_DIR: &str = "BOTDECK_LOG_DIR";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot determine the home directory for this user; set {ENV_DATA_DIR} to a writable folder")]
    NoHomeDirectory,
    #[error("{url:?} is not a usable {what}: {reason}")]
    InvalidUrl {
        what: &'static str,
        url: String,
        reason: String,
    },
    #[error("unknown cloud {0:?}; expected one of: global, usgov-high, usgov-dod, china, custom")]
    UnknownCloud(String),
}

/// The files BotDeck owns on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataPaths {
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
}

impl DataPaths {
    /// OS conventions (XDG on Linux, ~/Library on macOS, %APPDATA% on Windows), unless the
    /// `BOTDECK_DATA_DIR` / `BOTDECK_LOG_DIR` environment variables say otherwise.
    pub fn resolve() -> Result<Self, ConfigError> {
        let env_data = std::env::var_os(ENV_DATA_DIR).map(PathBuf::from);
        let env_log = std::env::var_os(ENV_LOG_DIR).map(PathBuf::from);
        Self::resolve_with(env_data, env_log)
    }

    pub fn resolve_with(
        data_dir: Option<PathBuf>,
        log_dir: Option<PathBuf>,
    ) -> Result<Self, ConfigError> {
        let dirs = || directories::ProjectDirs::from("io", "BotDeck", "BotDeck");
        let data_dir = match data_dir {
            Some(dir) => dir,
            None => dirs()
                .ok_or(ConfigError::NoHomeDirectory)?
                .data_local_dir()
                .to_path_buf(),
        };
        let log_dir = match log_dir {
            Some(dir) => dir,
            // An explicitly relocated data dir takes its logs along, so an isolated run
            // (tests, e2e) never writes into the user's real log folder.
            None if std::env::var_os(ENV_DATA_DIR).is_some() => data_dir.join("logs"),
            None => {
                let project = dirs().ok_or(ConfigError::NoHomeDirectory)?;
                project
                    .state_dir()
                    .map(|state| state.join("logs"))
                    .unwrap_or_else(|| project.data_local_dir().join("logs"))
            }
        };
        Ok(Self { data_dir, log_dir })
    }

    /// Paths rooted in one folder; what tests use.
    pub fn under(root: &Path) -> Self {
        Self {
            data_dir: root.join("data"),
            log_dir: root.join("logs"),
        }
    }

    /// Profiles, settings, audit log, bulk journals: what the tenant cannot give back.
    pub fn state_file(&self) -> PathBuf {
        self.data_dir.join(crate::store::STATE_FILE)
    }

    /// The mirror of the tenant; may be deleted at any time.
    pub fn cache_file(&self) -> PathBuf {
        self.data_dir.join(crate::store::CACHE_FILE)
    }
}

/// A Microsoft cloud: where to sign in and where Graph lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
pub enum Cloud {
    Global,
    UsGovHigh,
    UsGovDod,
    China,
    /// Any other pair of endpoints: how tests and the demo tenant point at tenant-sim.
    Custom {
        authority_host: String,
        graph_base_url: String,
    },
}

/// Resolved endpoints for a cloud; URLs without trailing slash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CloudEndpoints {
    /// e.g. `https://login.microsoftonline.com`; the authority is `{host}/{tenant}`.
    pub authority_host: String,
    /// e.g. `https://graph.microsoft.com/v1.0`.
    pub graph_base_url: String,
}

impl Cloud {
    pub fn parse(name: &str) -> Result<Self, ConfigError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "global" | "public" | "commercial" => Ok(Self::Global),
            "usgov-high" | "gcch" | "gcc-high" | "usgovhigh" => Ok(Self::UsGovHigh),
            "usgov-dod" | "dod" | "usgovdod" => Ok(Self::UsGovDod),
            "china" | "21vianet" => Ok(Self::China),
            other => Err(ConfigError::UnknownCloud(other.to_string())),
        }
    }

    /// A custom cloud; both URLs are validated so a typo fails here, not at sign-in.
    pub fn custom(authority_host: &str, graph_base_url: &str) -> Result<Self, ConfigError> {
        Ok(Self::Custom {
            authority_host: normalise_base_url("authority host", authority_host)?,
            graph_base_url: normalise_base_url("Graph base URL", graph_base_url)?,
        })
    }

    pub fn endpoints(&self) -> CloudEndpoints {
        let (authority, graph) = match self {
            // Values from Microsoft's "national cloud deployments" documentation.
            Self::Global => (
                "https://login.microsoftonline.com",
                "https://graph.microsoft.com/v1.0",
            ),
            Self::UsGovHigh => (
                "https://login.microsoftonline.us",
                "https://graph.microsoft.us/v1.0",
            ),
            Self::UsGovDod => (
                "https://login.microsoftonline.us",
                "https://dod-graph.microsoft.us/v1.0",
            ),
            Self::China => (
                "https://login.chinacloudapi.cn",
                "https://microsoftgraph.chinacloudapi.cn/v1.0",
            ),
            Self::Custom {
                authority_host,
                graph_base_url,
            } => (authority_host.as_str(), graph_base_url.as_str()),
        };
        CloudEndpoints {
            authority_host: authority.to_string(),
            graph_base_url: graph.to_string(),
        }
    }

    pub fn display_name(&self) -> &'static str {
        match self {
            Self::Global => "Global",
            Self::UsGovHigh => "US Government GCC High",
            Self::UsGovDod => "US Government DoD",
            Self::China => "China (21Vianet)",
            Self::Custom { .. } => "Custom endpoints",
        }
    }
}

fn normalise_base_url(what: &'static str, url: &str) -> Result<String, ConfigError> {
    let invalid = |reason: &str| ConfigError::InvalidUrl {
        what,
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let trimmed = url.trim().trim_end_matches('/');
    let rest = if let Some(rest) = trimmed.strip_prefix("https://") {
        rest
    } else if let Some(rest) = trimmed.strip_prefix("http://") {
        // Plain http only for loopback: tenant-sim and local tests. Tokens never travel in
        // clear text to anything else.
        let host = rest.split(['/', ':']).next().unwrap_or_default();
        if !matches!(host, "127.0.0.1" | "localhost") && !rest.starts_with("[::1]") {
            return Err(invalid("http is only allowed for loopback; use https"));
        }
        rest
    } else {
        return Err(invalid("must start with https://"));
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err(invalid("has no host"));
    }
    if trimmed.contains(char::is_whitespace) || trimmed.contains(['?', '#']) {
        return Err(invalid("must not contain spaces, a query or a fragment"));
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_clouds_have_distinct_graph_endpoints() {
        let clouds = [
            Cloud::Global,
            Cloud::UsGovHigh,
            Cloud::UsGovDod,
            Cloud::China,
        ];
        let mut graphs: Vec<_> = clouds
            .iter()
            .map(|c| c.endpoints().graph_base_url)
            .collect();
        graphs.sort();
        graphs.dedup();
        assert_eq!(graphs.len(), 4);
        assert_eq!(
            Cloud::UsGovDod.endpoints().authority_host,
            "https://login.microsoftonline.us"
        );
    }

    #[test]
    fn parse_accepts_aliases_and_rejects_unknown() {
        assert_eq!(Cloud::parse("GCC-High").ok(), Some(Cloud::UsGovHigh));
        assert_eq!(Cloud::parse(" global ").ok(), Some(Cloud::Global));
        let err = Cloud::parse("mars").err().map(|e| e.to_string());
        assert!(err.is_some_and(|m| m.contains("mars") && m.contains("usgov-high")));
    }

    #[test]
    fn custom_urls_are_normalised_and_checked() {
        let cloud = Cloud::custom("http://127.0.0.1:4000/", "http://127.0.0.1:4000/v1.0/");
        let endpoints = cloud.map(|c| c.endpoints()).ok();
        assert_eq!(
            endpoints.map(|e| (e.authority_host, e.graph_base_url)),
            Some((
                "http://127.0.0.1:4000".to_string(),
                "http://127.0.0.1:4000/v1.0".to_string()
            ))
        );
        for bad in [
            "",
            "ftp://x",
            "https://",
            "http://example.com",
            "https://a b",
            "https://x/?q=1",
        ] {
            assert!(
                matches!(
                    Cloud::custom(bad, "https://graph.example"),
                    Err(ConfigError::InvalidUrl { .. })
                ),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn explicit_dirs_win() {
        let paths =
            DataPaths::resolve_with(Some("/tmp/bd-data".into()), Some("/tmp/bd-logs".into()));
        assert_eq!(
            paths.ok(),
            Some(DataPaths {
                data_dir: "/tmp/bd-data".into(),
                log_dir: "/tmp/bd-logs".into()
            })
        );
    }
}
