import type { AppInfo, DoctorReport } from "../ipc";

export const appInfo: AppInfo = {
  version: "0.1.0",
  commit: "4fbbe19a0c1d",
  dataDir: "/home/admin/.local/share/botdeck",
  logFile: "/home/admin/.local/state/botdeck/logs/botdeck.2026-11-22.log",
  demo: false,
  demoTenantUrl: null,
  notices: [],
};

export const doctorReport: DoctorReport = {
  version: "0.1.0",
  dataDir: "/home/admin/.local/share/botdeck",
  stateFile: "/home/admin/.local/share/botdeck/state.sqlite3",
  cacheFile: "/home/admin/.local/share/botdeck/cache.sqlite3",
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

import type { TenantProfile, SessionView } from "../ipc";

export const demoProfile: TenantProfile = {
  id: "p-demo",
  name: "Contoso (demo)",
  tenant: "e28529f4-0e8e-46d6-bd3b-3e0e386c5cdb",
  cloud: { kind: "custom", authorityHost: "http://127.0.0.1:4000", graphBaseUrl: "http://127.0.0.1:4000/v1.0" },
  clientId: "4b1f0e6a-8c2d-4f3b-9a7e-2d5c8e1f0b36",
  isDemo: true,
  identity: null,
  grantedScopes: [],
  tokenExpiresAt: null,
  lastUsedAt: null,
};

export const signedOutSession: SessionView = {
  profiles: [demoProfile],
  current: demoProfile,
  signedIn: false,
  roleAdvice: [],
  canSignIn: true,
};

export const signedInProfile: TenantProfile = {
  ...demoProfile,
  identity: {
    accountUpn: "megan.bowen@contoso.onmicrosoft.com",
    accountName: "Megan Bowen",
    accountObjectId: "u1",
    tenantId: "e28529f4-0e8e-46d6-bd3b-3e0e386c5cdb",
    tenantName: "Contoso",
    verifiedDomains: ["contoso.onmicrosoft.com"],
    directoryRoles: ["Teams Administrator"],
    directoryRolesUnknown: false,
  },
  grantedScopes: ["User.Read", "Team.ReadBasic.All"],
  tokenExpiresAt: "2026-11-22T16:00:00Z",
};

export const signedInSession: SessionView = {
  profiles: [signedInProfile],
  current: signedInProfile,
  signedIn: true,
  roleAdvice: [],
  canSignIn: true,
};
