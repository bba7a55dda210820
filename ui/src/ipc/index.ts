// The only module that talks to Tauri. Everything else imports these typed functions, which
// makes the UI testable with a mocked `ipc` module and keeps IPC names in one place.
import { Channel, invoke } from "@tauri-apps/api/core";
import type { ApiError } from "./bindings/ApiError";
import type { AppInfo } from "./bindings/AppInfo";
import type { Depth } from "./bindings/Depth";
import type { DoctorReport } from "./bindings/DoctorReport";
import type { ThemePreference } from "./bindings/ThemePreference";
import type { UiSettings } from "./bindings/UiSettings";
import type { CommandName } from "./commands";

import type { AuditRecord } from "./bindings/AuditRecord";
import type { Feature } from "./bindings/Feature";
import type { NewTenantProfile } from "./bindings/NewTenantProfile";
import type { ScopeInfo } from "./bindings/ScopeInfo";
import type { SessionView } from "./bindings/SessionView";
import type { SignInEvent } from "./bindings/SignInEvent";

export type { ApiError, AppInfo, Depth, DoctorReport, ThemePreference, UiSettings };
export type { AuditRecord, Feature, NewTenantProfile, ScopeInfo, SessionView, SignInEvent };
export type { TenantProfile } from "./bindings/TenantProfile";
export type { Identity } from "./bindings/Identity";
export type { Cloud } from "./bindings/Cloud";
export type { DeviceCodePrompt } from "./bindings/DeviceCodePrompt";
export type { Check } from "./bindings/Check";
export type { CheckStatus } from "./bindings/CheckStatus";
export type { Notice } from "./bindings/Notice";

/** Fired on `window` whenever a command finds the tenant unreachable. */
export const OFFLINE_EVENT = "botdeck:offline";

export function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as ApiError).code === "string" &&
    typeof (value as ApiError).message === "string"
  );
}

/** Every rejection becomes an ApiError, whatever Tauri or the command threw. */
export async function call<T>(command: CommandName, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (err) {
    // The status bar listens: an unreachable tenant is shown once, app-wide, not per page.
    if (isApiError(err) && err.code === "offline") window.dispatchEvent(new CustomEvent(OFFLINE_EVENT, { detail: err }));
    if (isApiError(err)) throw err;
    const message = typeof err === "string" ? err : err instanceof Error ? err.message : String(err);
    const wrapped: ApiError = { code: "internal", message, retryable: false };
    throw wrapped;
  }
}

export const ipc = {
  appInfo: () => call<AppInfo>("app_info"),
  /** `quick` reads each database's schema version; `thorough` checks the cache's integrity. */
  runDoctor: (depth: Depth) => call<DoctorReport>("run_doctor", { depth }),
  getUiSettings: () => call<UiSettings>("get_ui_settings"),
  setTheme: (theme: ThemePreference) => call<UiSettings>("set_theme", { theme }),
  recentActivity: () => call<AuditRecord[]>("recent_activity"),
  getSession: () => call<SessionView>("get_session"),
  createProfile: (profile: NewTenantProfile) => call<SessionView>("create_profile", { ...profile }),
  switchProfile: (profileId: string) => call<SessionView>("switch_profile", { profileId }),
  removeProfile: (profileId: string) => call<SessionView>("remove_profile", { profileId }),
  signInDeviceCode: (profileId: string, feature: Feature, onEvent: (e: SignInEvent) => void) => {
    const channel = new Channel<SignInEvent>();
    channel.onmessage = onEvent;
    return call<SessionView>("sign_in_device_code", { profileId, feature, onEvent: channel });
  },
  signInBrowser: (profileId: string, feature: Feature, onEvent: (e: SignInEvent) => void) => {
    const channel = new Channel<SignInEvent>();
    channel.onmessage = onEvent;
    return call<SessionView>("sign_in_browser", { profileId, feature, onEvent: channel });
  },
  cancelSignIn: () => call<boolean>("cancel_sign_in"),
  signOut: (profileId: string) => call<SessionView>("sign_out", { profileId }),
  scopeCatalog: () => call<ScopeInfo[]>("scope_catalog"),
  openExternal: (url: string) => call<void>("open_external", { url }),
};

export type Ipc = typeof ipc;
