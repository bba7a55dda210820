//! IPC commands for the package page (thin adapters over `botdeck_core::package`).
