import { describe, expect, it } from "vitest";
import { compareVersions, isOlder, isVersionText, runOutcomeText, versionProblem } from "./format";

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

describe("version filters", () => {
  it("take dotted numbers and refuse anything else, as core does", () => {
    for (const ok of ["1", "1.0", "1.0.2", "v1.0.3", " 2.10.0 "]) expect(isVersionText(ok), ok).toBe(true);
    for (const bad of ["abc", "", "1..2", "1.0.2.4", "1.0-beta", "-1", "1234567"]) expect(isVersionText(bad), bad).toBe(false);
    expect(versionProblem("abc")).toMatch(/"abc" is not a version/);
    expect(versionProblem("")).toBeNull();
    expect(versionProblem("1.0.2")).toBeNull();
  });
});

describe("runOutcomeText", () => {
  const base = { succeeded: 0, alreadyDone: 0, failed: 0, pending: 0 };
  it("keeps done, failed and not attempted apart after a cancel", () => {
    expect(runOutcomeText({ ...base, status: "cancelled", succeeded: 4, failed: 1, pending: 21, cancelRequested: true })).toBe(
      "Cancelled: 4 done, 1 failed, 21 not attempted.",
    );
  });
  it("never says a run was cancelled when the cancel came after the last request", () => {
    const text = runOutcomeText({ ...base, status: "completed", succeeded: 26, cancelRequested: true });
    expect(text).toMatch(/^Completed before the cancel took effect/);
    expect(text).toMatch(/26 done, 0 failed/);
    expect(text).not.toMatch(/^Cancelled/);
  });
  it("counts what was already done as done, and says so", () => {
    expect(runOutcomeText({ ...base, status: "completed", succeeded: 3, alreadyDone: 2 })).toBe(
      "Completed: 5 done (2 of them already done before), 0 failed.",
    );
    expect(runOutcomeText({ ...base, status: "interrupted", succeeded: 1, pending: 2 })).toBe("Interrupted: 1 done, 0 failed, 2 not attempted.");
  });
});
