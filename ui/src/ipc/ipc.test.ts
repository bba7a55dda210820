import { describe, expect, it, vi, beforeEach } from "vitest";

const { invoke } = vi.hoisted(() => ({ invoke: vi.fn() }));
vi.mock("@tauri-apps/api/core", () => ({ invoke }));

import { ipc, isApiError } from "./index";

beforeEach(() => {
  invoke.mockReset();
});

describe("ipc", () => {
  it("passes typed errors from commands through unchanged", async () => {
    const err = { code: "invalid_request", message: "malformed request: unknown variant", retryable: false };
    invoke.mockImplementation(async () => {
      throw err;
    });
    expect(await ipc.setTheme("dark").catch((e: unknown) => e)).toEqual(err);
    expect(invoke).toHaveBeenCalledWith("set_theme", { theme: "dark" });
  });

  it("wraps anything else as an internal ApiError", async () => {
    invoke.mockImplementation(async () => {
      throw "command run_doctor not allowed";
    });
    expect(await ipc.runDoctor("thorough").catch((e: unknown) => e)).toEqual({
      code: "internal",
      message: "command run_doctor not allowed",
      retryable: false,
    });
    invoke.mockImplementation(async () => {
      throw new Error("ipc down");
    });
    expect(await ipc.appInfo().catch((e: unknown) => e)).toMatchObject({ code: "internal", message: "ipc down" });
  });

  it("announces offline errors app-wide", async () => {
    const seen: unknown[] = [];
    const listener = (e: Event) => seen.push((e as CustomEvent).detail);
    window.addEventListener("botdeck:offline", listener);
    const err = { code: "offline", message: "cannot reach graph", retryable: true };
    invoke.mockImplementation(async () => {
      throw err;
    });
    expect(await ipc.getSession().catch((e: unknown) => e)).toEqual(err);
    window.removeEventListener("botdeck:offline", listener);
    expect(seen).toEqual([err]);
  });

  it("recognises ApiError shapes only", () => {
    expect(isApiError({ code: "store", message: "x", retryable: true })).toBe(true);
    expect(isApiError("x")).toBe(false);
    expect(isApiError(null)).toBe(false);
    expect(isApiError({ code: 1, message: "x" })).toBe(false);
  });
});
