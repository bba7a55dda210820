// The only module that talks to Tauri. Everything else imports these typed functions, which
// makes the UI testable with a mocked `ipc` module and keeps IPC names in one place.
import { invoke } from "@tauri-apps/api/core";
import type { ApiError } from "./bindings/ApiError";
import type { AppInfo } from "./bindings/AppInfo";
import type { DoctorReport } from "./bindings/DoctorReport";
import type { ThemePreference } from "./bindings/ThemePreference";
import type { UiSettings } from "./bindings/UiSettings";

export type { ApiError, AppInfo, DoctorReport, ThemePreference, UiSettings };
export type { Check } from "./bindings/Check";
export type { CheckStatus } from "./bindings/CheckStatus";
export type { Notice } from "./bindings/Notice";

export function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as ApiError).code === "string" &&
    typeof (value as ApiError).message === "string"
  );
}

/** Every rejection becomes an ApiError, whatever Tauri or the command threw. */
async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (err) {
    if (isApiError(err)) throw err;
    const message = typeof err === "string" ? err : err instanceof Error ? err.message : String(err);
    const wrapped: ApiError = { code: "internal", message, retryable: false };
    throw wrapped;
  }
}

export const ipc = {
  appInfo: () => call<AppInfo>("app_info"),
  runDoctor: () => call<DoctorReport>("run_doctor"),
  getUiSettings: () => call<UiSettings>("get_ui_settings"),
  setTheme: (theme: ThemePreference) => call<UiSettings>("set_theme", { theme }),
};

export type Ipc = typeof ipc;
