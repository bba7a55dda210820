import { describe, expect, it } from "vitest";
import { compareVersions, isOlder } from "./format";

describe("compareVersions", () => {
  it("orders part by part, numerically", () => {
    expect(compareVersions("1.0.10", "1.0.9")).toBeGreaterThan(0);
    expect(compareVersions("1.2.0", "1.10.0")).toBeLessThan(0);
    expect(compareVersions("v2.0.0", "2.0.0")).toBe(0);
    expect(["1.0.0", "1.0.2", "1.0.1"].sort((a, b) => compareVersions(b, a))).toEqual(["1.0.2", "1.0.1", "1.0.0"]);
  });

  it("keeps large majors apart (a packed number would pass 2^53 and call them equal)", () => {
    expect(compareVersions("9008.0.1", "9008.0.0")).toBeGreaterThan(0);
    expect(compareVersions("999999.999999.999999", "999999.999999.999998")).toBeGreaterThan(0);
  });

  it("sorts garbage first and treats missing parts as 0", () => {
    expect(compareVersions("banana", "0.0.1")).toBeLessThan(0);
    expect(compareVersions("1", "1.0.0")).toBe(0);
    expect(compareVersions("", "0.0.0")).toBe(0);
  });

  it("isOlder needs something to compare with", () => {
    expect(isOlder("1.0.1", "1.0.2")).toBe(true);
    expect(isOlder("1.0.2", "1.0.2")).toBe(false);
    expect(isOlder("1.0.2", null)).toBe(false);
    expect(isOlder("1.0.2", undefined)).toBe(false);
  });
});
