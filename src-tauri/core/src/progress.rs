//! Progress of long work (inventory sync, bulk runs, permission reads, reaching members): a
//! typed step, never a phrase to parse. A leaf: every feature reports with it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What long work is doing now. Front-ends word it ([`Phase::label`] is the CLI's and the
/// sync journal's wording; the window has its own, translated from the same variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    ListingTeams,
    ListingChats,
    ListingUsers,
    ReadingInstallations,
    Installing,
    Upgrading,
    Uninstalling,
    /// A resumed bulk run reads back what an interrupted run may have changed.
    VerifyingInterrupted,
    /// An upgrade or uninstall looks up each target's installation first.
    FindingInstallations,
    ReadingConsent,
    ReachingMembers,
    CheckingLinks,
}

impl Phase {
    pub fn label(self) -> &'static str {
        match self {
            Self::ListingTeams => "listing teams",
            Self::ListingChats => "listing chats",
            Self::ListingUsers => "listing users",
            Self::ReadingInstallations => "reading installations",
            Self::Installing => "installing",
            Self::Upgrading => "upgrading",
            Self::Uninstalling => "uninstalling",
            Self::VerifyingInterrupted => "verifying interrupted items",
            Self::FindingInstallations => "finding installations",
            Self::ReadingConsent => "reading resource-specific consent",
            Self::ReachingMembers => "reaching members",
            Self::CheckingLinks => "checking links",
        }
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// One progress report, for a progress bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunProgress {
    pub phase: Phase,
    #[ts(type = "number")]
    pub total: u64,
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub failed: u64,
    /// Set for bulk runs.
    pub run_id: Option<String>,
}

impl RunProgress {
    pub fn new(phase: Phase, done: u64, total: u64) -> Self {
        Self {
            phase,
            total,
            done,
            failed: 0,
            run_id: None,
        }
    }

    pub fn finished(&self) -> bool {
        self.total > 0 && self.done >= self.total
    }
}

/// Receives progress; called from the worker, so keep it quick (send on a channel).
pub type ProgressFn<'a> = &'a (dyn Fn(&RunProgress) + Send + Sync);
