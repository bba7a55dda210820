//! Every table BotDeck keeps, as forward-only migration steps per file. Listed here, above the
//! features that own the tables, and handed to the store, so that the store (the lowest floor)
//! depends on no feature and no feature on another's table.

use std::path::Path;

use rusqlite_migration::M;

use crate::store::{CacheCheck, OpenReport, Schema, Store, StoreError};

/// State database steps. Forward-only; step N leaves `user_version` = N. Never edit a released
/// step: append one.
pub const STATE_STEPS: &[M<'static>] = &[
    M::up(crate::store::SETTING_SCHEMA),
    M::up(crate::profiles::SCHEMA),
    M::up(crate::audit::SCHEMA),
    M::up(crate::installs::JOURNAL_SCHEMA),
    M::up(crate::permissions::PROFILE_SCHEMA),
    M::up(crate::profiles::ROLES_UNKNOWN_STEP),
    // The audit log lives in the state database (it cannot be rebuilt from the tenant).
    M::up(crate::audit::RUN_ID_STEP),
    M::up(crate::links::SCHEMA),
    M::up(crate::lease::SCHEMA),
    // Previewed bulk plans: a run takes the id of the plan the admin saw.
    M::up(crate::installs::PLAN_SCHEMA),
];

/// Cache database steps: only mirrors of the tenant. Same rules as [`STATE_STEPS`].
pub const CACHE_STEPS: &[M<'static>] = &[
    M::up(crate::catalog::SCHEMA),
    M::up(crate::installs::INVENTORY_SCHEMA),
    M::up(crate::permissions::NAME_CACHE_SCHEMA),
    M::up(crate::installs::SCHEMA_CHANNEL_FACTS),
    M::up(crate::installs::SCHEMA_INVENTORY_COUNTS),
    M::up(crate::store::CACHE_CHECK_SCHEMA),
    M::up(crate::installs::SCHEMA_PAGE_FROM_INDEX),
];

/// The schema versions this build writes.
pub const STATE_SCHEMA_VERSION: usize = STATE_STEPS.len();
pub const CACHE_SCHEMA_VERSION: usize = CACHE_STEPS.len();

/// BotDeck's tables.
pub static SCHEMA: Schema = Schema {
    state: STATE_STEPS,
    cache: CACHE_STEPS,
};

impl Store {
    /// Opens (creating, migrating and repairing when needed) both databases in `data_dir`.
    pub fn open_in(data_dir: &Path) -> Result<(Self, OpenReport), StoreError> {
        Self::open_in_with(data_dir, CacheCheck::Normal)
    }

    pub fn open_in_with(
        data_dir: &Path,
        cache_check: CacheCheck,
    ) -> Result<(Self, OpenReport), StoreError> {
        Self::open_with_schema(data_dir, cache_check, &SCHEMA)
    }
}
