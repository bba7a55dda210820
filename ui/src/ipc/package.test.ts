import { beforeEach, describe, expect, it, vi } from "vitest";

const { invoke } = vi.hoisted(() => ({ invoke: vi.fn() }));
vi.mock("@tauri-apps/api/core", () => ({ invoke, Channel: class {} }));

import { MAX_UPLOAD_BYTES, packageIpc } from "./package";

beforeEach(() => {
  invoke.mockReset();
});

describe("package ipc", () => {
  it("sends a picked zip as raw bytes with its name URI-encoded in a header", async () => {
    invoke.mockResolvedValue({ source: "x" });
    const file = new File([new Uint8Array([0x50, 0x4b, 3, 4])], "Flash Duty ü.zip");
    await packageIpc.open(file);
    const [cmd, body, options] = invoke.mock.calls[0]!;
    expect(cmd).toBe("package_open");
    expect(body).toBeInstanceOf(Uint8Array);
    expect(Array.from(body as Uint8Array)).toEqual([0x50, 0x4b, 3, 4]);
    expect(options).toEqual({ headers: { "x-botdeck-file-name": "Flash%20Duty%20%C3%BC.zip" } });
  });

  it("names the icon to replace in a header", async () => {
    invoke.mockResolvedValue({});
    await packageIpc.iconReplace("outline", new File(["png"], "o.png"));
    expect(invoke.mock.calls[0]![2]).toEqual({ headers: { "x-botdeck-file-name": "o.png", "x-botdeck-icon": "outline" } });
  });

  it("refuses files over 64 MiB before reading them", async () => {
    const big = new File(["x"], "huge.zip");
    Object.defineProperty(big, "size", { value: MAX_UPLOAD_BYTES + 1 });
    const err = await packageIpc.open(big).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "invalid_input" });
    expect((err as { message: string }).message).toMatch(/at most 64 MiB/);
    expect(invoke).not.toHaveBeenCalled();
  });

  it("passes typed errors through and wraps the rest", async () => {
    const typed = { code: "invalid_input", message: "not a readable zip archive", retryable: false };
    invoke.mockRejectedValueOnce(typed);
    expect(await packageIpc.diff(new File(["x"], "a.zip")).catch((e: unknown) => e)).toEqual(typed);
    invoke.mockRejectedValueOnce("command package_diff not allowed");
    expect(await packageIpc.diff(new File(["x"], "a.zip")).catch((e: unknown) => e)).toMatchObject({
      code: "internal",
      message: "command package_diff not allowed",
    });
  });

  it("omits build options that were not given", async () => {
    invoke.mockResolvedValue({});
    await packageIpc.build(null, null);
    expect(invoke).toHaveBeenLastCalledWith("package_build", {});
    await packageIpc.build("/tmp", "a.zip");
    expect(invoke).toHaveBeenLastCalledWith("package_build", { directory: "/tmp", fileName: "a.zip" });
  });
});
