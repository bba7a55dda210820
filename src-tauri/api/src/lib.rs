//! `botdeck-api`: the one boundary the desktop window and the `botdeck` command both call.
//!
//! A front-end parses what the admin gave (an IPC payload, command-line flags), opens a
//! [`Context`] once, calls one operation function here and presents what comes back. Sign-in,
//! token refresh, the audit actor, the one-job lease, cache refreshes and error mapping happen
//! here, once, so the window and the command line cannot drift apart. Nothing here knows Tauri
//! or clap.

pub mod catalog;
pub mod context;
pub mod error;
pub mod installations;
pub mod links;
pub mod package;
pub mod permissions;
pub mod profiles;
pub mod progress;
pub mod settings;
pub mod tenant;
pub mod views;

pub use context::{Context, Job, JobKind, OpenOptions};
pub use error::{ApiError, ErrorCode};
pub use progress::{Phase, ProgressThrottle, RunProgress};
pub use tenant::Tenant;
