//! IPC commands for the permissions page (thin adapters over `botdeck_core::permissions`).
