// IPC for the Package page. Only files under src/ipc/ import @tauri-apps/api.
export {};
