// IPC for the Installations page. Only files under src/ipc/ import @tauri-apps/api.
export {};
