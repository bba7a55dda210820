//! Request/response types of the catalog IPC commands, and the TypeScript bindings of every
//! catalog type the UI sees.

/// Listed in `ipc_types::all_bindings`.
pub fn ts_bindings() -> Vec<crate::ipc_types::Binding> {
    Vec::new()
}
