//! BotDeck's Microsoft Graph client: one paced HTTP client ([`GraphClient`]), `$batch`
//! execution ([`Executor`]), client-side pacing to Microsoft's documented limits ([`Pacer`]),
//! and typed Graph resources ([`resources`]).
//!
//! Every request to a tenant — single calls, `$batch` members, per-team reads — draws from one
//! [`Pacer`] at one [`RouteLimits`], and `Retry-After` is honoured on each of them. This crate
//! knows nothing of SQLite, the keyring or the window: tokens come in through [`TokenSource`]
//! or as a [`Sensitive`] string.

pub mod batch;
pub mod client;
pub mod ids;
pub mod pacing;
pub mod resources;
pub mod secret;
pub mod token;

pub use batch::{encode_query_value, ExecStats, Executor, SubRequest, SubResponse};
pub use client::{
    request_timeout, retry_after, GraphClient, GraphError, GraphResponse, RawResponse,
    ENV_REQUEST_TIMEOUT, MAX_ATTEMPTS, MAX_RETRY_AFTER, REQUEST_TIMEOUT,
};
pub use ids::{CatalogAppId, EntraAppId, IdError, ManifestId};
pub use pacing::{Limit, Pacer, RouteLimits, MAX_BATCH};
pub use resources::{Page, ResourceError};
pub use secret::Sensitive;
pub use token::{TokenError, TokenFuture, TokenSource};
