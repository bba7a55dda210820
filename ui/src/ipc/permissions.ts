// IPC for the Permissions page. Only files under src/ipc/ import @tauri-apps/api.
export {};
