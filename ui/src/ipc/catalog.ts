// IPC for the Catalog page. Only files under src/ipc/ import @tauri-apps/api.
export {};
