// A stand-in for `src/ipc` in component tests: every command is a vi.fn() with a sensible
// default, reset before each test by `resetIpcMock()`.
import { vi } from "vitest";
import { appInfo, doctorReport, signedOutSession } from "./fixtures";

import type { ApiError } from "../ipc/bindings/ApiError";

export const OFFLINE_EVENT = "botdeck:offline";

export function isApiError(value: unknown): value is ApiError {
  return typeof value === "object" && value !== null && typeof (value as ApiError).code === "string";
}

export const ipc = {
  appInfo: vi.fn(),
  runDoctor: vi.fn(),
  getUiSettings: vi.fn(),
  setTheme: vi.fn(),
  recentActivity: vi.fn(),
  getSession: vi.fn(),
  createProfile: vi.fn(),
  switchProfile: vi.fn(),
  removeProfile: vi.fn(),
  signInDeviceCode: vi.fn(),
  signInBrowser: vi.fn(),
  cancelSignIn: vi.fn(),
  signOut: vi.fn(),
  scopeCatalog: vi.fn(),
  openExternal: vi.fn(),
};

/**
 * The typed-call helper page IPC modules (`ipc/catalog`, `ipc/permissions`, …) go through: a
 * page those modules are not mocked for sees every command fail as "not available here".
 */
export const call = vi.fn();

export function resetIpcMock() {
  call.mockReset();
  call.mockRejectedValue({ code: "internal", message: "not available in this test", retryable: false });
  for (const fn of Object.values(ipc)) fn.mockReset();
  ipc.appInfo.mockResolvedValue(appInfo);
  ipc.runDoctor.mockResolvedValue(doctorReport);
  ipc.getUiSettings.mockResolvedValue({ theme: "light" });
  ipc.setTheme.mockImplementation(async (theme: string) => ({ theme }));
  ipc.recentActivity.mockResolvedValue([]);
  ipc.getSession.mockResolvedValue(signedOutSession);
  ipc.scopeCatalog.mockResolvedValue([]);
  ipc.cancelSignIn.mockResolvedValue(true);
  ipc.openExternal.mockResolvedValue(undefined);
}
