//! Start-up notices (damaged cache, files made private, keyring problems). A leaf: the store,
//! logging and the doctor raise them; the UI shows them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NoticeLevel {
    Info,
    Warning,
    Error,
}

/// Something the admin should know about at start-up (damaged cache, keyring problems).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    pub id: String,
    pub level: NoticeLevel,
    pub title: String,
    pub message: String,
}
