//! BotDeck core. Everything the desktop app and the CLI do lives here; both are thin
//! front-ends. This crate must never depend on tauri or a webview.

pub mod audit;
pub mod auth;
pub mod bindings;
pub mod catalog;
pub mod config;
pub mod doctor;
/// The three ids of a Teams bot (catalog, manifest, Entra), defined once in the Graph crate.
pub use botdeck_graph::ids;
pub use botdeck_graph::ids::{CatalogAppId, EntraAppId, IdError, ManifestId};
pub mod installs;
pub mod lease;
pub mod links;
pub mod logging;
pub mod notice;
pub mod package;
pub mod permissions;
pub mod private;
pub mod profiles;
pub mod progress;
pub mod schema;
pub mod secrets;
pub mod store;
