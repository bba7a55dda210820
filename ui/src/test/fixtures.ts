import type { AppInfo, DoctorReport } from "../ipc";

export const appInfo: AppInfo = {
  version: "0.1.0",
  dataDir: "/home/admin/.local/share/botdeck",
  logFile: "/home/admin/.local/state/botdeck/logs/botdeck.2026-11-22.log",
  demo: false,
  notices: [],
};

export const doctorReport: DoctorReport = {
  version: "0.1.0",
  dataDir: "/home/admin/.local/share/botdeck",
  databaseFile: "/home/admin/.local/share/botdeck/botdeck.sqlite3",
  logDir: "/home/admin/.local/state/botdeck/logs",
  logFile: "/home/admin/.local/state/botdeck/logs/botdeck.2026-11-22.log",
  checks: [
    { id: "data_dir", label: "Data folder writable", status: "ok", detail: "/home/admin/.local/share/botdeck", hint: null },
    { id: "sqlite", label: "Local cache (SQLite)", status: "ok", detail: "schema version 1 of 1", hint: null },
    { id: "log_dir", label: "Log folder writable", status: "ok", detail: "/logs", hint: null },
    {
      id: "keyring",
      label: "OS keyring",
      status: "fail",
      detail: "Secret Service (D-Bus): no D-Bus session bus",
      hint: "Sign-in is disabled until the keyring works; BotDeck never stores tokens elsewhere.",
    },
    { id: "webview", label: "Webview libraries", status: "ok", detail: "webkit2gtk 4.1 and GTK 3 found", hint: null },
  ],
};
