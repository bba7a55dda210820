//! IPC commands for the installs page (thin adapters over `botdeck_core::installs`).
