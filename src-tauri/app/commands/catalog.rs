//! IPC commands for the catalog page (thin adapters over `botdeck_core::catalog`).
