//! installs: see the issue that owns it. Its SQLite tables are declared in `SCHEMA`, registered
//! as a migration step in `store.rs`.

/// Forward-only schema of this module (one migration step). Replace, don't append, until the
/// first release; after that, add a new step instead.
pub const SCHEMA: &str = "CREATE TABLE installs_placeholder (id INTEGER PRIMARY KEY) STRICT;";
