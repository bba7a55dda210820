//! Request/response types of the installs IPC commands, and the TypeScript bindings of every
//! installs type the UI sees.

/// Listed in `ipc_types::all_bindings`.
pub fn ts_bindings() -> Vec<crate::ipc_types::Binding> {
    Vec::new()
}
