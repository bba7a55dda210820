import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { FluentProvider, webLightTheme } from "@fluentui/react-components";

vi.mock("../ipc", () => import("../test/ipcMock"));

import { ActivityPage, activityCsv, groupRuns, matches } from "./ActivityPage";
import { ipc, resetIpcMock } from "../test/ipcMock";
import type { AuditRecord } from "../ipc";

const now = Date.now();
const iso = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();

function record(id: number, extra: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id,
    at: iso(id),
    profileId: "p1",
    tenantId: "t1",
    actor: "megan.bowen.with.a.very.long.name@contoso-demo-tenant.onmicrosoft.com",
    action: "install.team",
    targetKind: "team",
    targetId: `team-${id}`,
    targetName: `Team ${id}`,
    outcome: "succeeded",
    detail: "FlashDuty 1.0.2",
    requestId: `req-${id}`,
    runId: null,
    ...extra,
  };
}

const records: AuditRecord[] = [
  record(1, { runId: "run-a", outcome: "failed", detail: "FlashDuty 1.0.2: Forbidden" }),
  record(2, { runId: "run-a" }),
  record(3, { runId: "run-a", outcome: "already_done" }),
  record(4, { action: "catalog.publish", targetKind: "catalog_app", targetName: "FlashDuty", targetId: "cat-1" }),
  record(60 * 48, { action: "permission.revoke_app_role", targetKind: "service_principal", targetName: "FlashDuty bot", outcome: "succeeded" }),
];

function renderPage() {
  return render(
    <FluentProvider theme={webLightTheme}>
      <ActivityPage info={null} />
    </FluentProvider>,
  );
}

beforeEach(() => {
  resetIpcMock();
  ipc.recentActivity.mockResolvedValue(records);
});

describe("Activity page", () => {
  it("groups a bulk run's items under the run, with their results counted, and opens it", async () => {
    const user = userEvent.setup();
    renderPage();
    const run = await screen.findByTestId("audit-run-run-a");
    expect(run).toHaveAttribute("data-items", "3");
    expect(run).toHaveTextContent("Bulk install");
    expect(run).toHaveTextContent("1 succeeded, 1 already done, 1 failed");
    expect(screen.queryByTestId("audit-row-2")).not.toBeInTheDocument();
    const toggle = screen.getByTestId("audit-run-toggle-run-a");
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    expect(screen.getByTestId("audit-row-2")).toHaveTextContent("Team 2");
    // Ungrouped changes stay rows of their own.
    expect(screen.getByTestId("audit-row-4")).toHaveTextContent("catalog.publish");
  });

  it("filters by action, target, result and time, searches, and says when nothing matches", async () => {
    const user = userEvent.setup();
    renderPage();
    await screen.findByTestId("audit-table");
    await user.selectOptions(screen.getByTestId("audit-action"), "catalog.publish");
    expect(screen.getByTestId("audit-count")).toHaveTextContent("1 of 5 records");
    expect(screen.getByTestId("audit-row-4")).toBeInTheDocument();
    await user.selectOptions(screen.getByTestId("audit-action"), "");
    await user.selectOptions(screen.getByTestId("audit-outcome"), "failed");
    expect(screen.getByTestId("audit-count")).toHaveTextContent("1 of 5");
    await user.selectOptions(screen.getByTestId("audit-outcome"), "");
    await user.selectOptions(screen.getByTestId("audit-target"), "service_principal");
    expect(screen.getByTestId("audit-count")).toHaveTextContent("1 of 5");
    await user.selectOptions(screen.getByTestId("audit-period"), "day");
    expect(await screen.findByTestId("audit-no-match")).toHaveTextContent("No record matches these filters");
    await user.click(screen.getByTestId("audit-clear"));
    expect(screen.getByTestId("audit-count")).toHaveTextContent("5 records");
    await user.type(screen.getByTestId("audit-search"), "req-3");
    await waitFor(() => expect(screen.getByTestId("audit-count")).toHaveTextContent("1 of 5"));
  });

  it("exports what is shown as CSV and JSON", async () => {
    const user = userEvent.setup();
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    renderPage();
    await screen.findByTestId("audit-table");
    await user.selectOptions(screen.getByTestId("audit-outcome"), "failed");
    await user.click(screen.getByTestId("audit-export-csv"));
    await waitFor(() => expect(writeText).toHaveBeenCalledTimes(1));
    const csv = (writeText.mock.calls[0]![0] as string).trimEnd().split("\r\n");
    expect(csv[0]).toBe("at,actor,action,target kind,target id,target name,result,detail,request id,run id");
    expect(csv).toHaveLength(2);
    expect(csv[1]).toContain(",failed,FlashDuty 1.0.2: Forbidden,req-1,run-a");
    await user.click(screen.getByTestId("audit-export-json"));
    await waitFor(() => expect(writeText).toHaveBeenCalledTimes(2));
    const json = JSON.parse(writeText.mock.calls[1]![0] as string) as AuditRecord[];
    expect(json.map((r) => r.id)).toEqual([1]);
    expect(screen.getByTestId("audit-count")).toHaveTextContent("Exported 1 record as botdeck-activity.json");
  });

  it("lays the table out in fixed columns that wrap long words instead of drawing over each other", async () => {
    renderPage();
    const table = await screen.findByTestId("audit-table");
    const headers = within(table).getAllByRole("columnheader");
    const widths = headers.map((h) => Number.parseFloat(h.style.width));
    expect(widths.every((w) => w > 0)).toBe(true);
    expect(widths.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(100);
    expect(getComputedStyle(table).tableLayout).toBe("fixed");
    const cell = within(screen.getByTestId("audit-row-4")).getAllByRole("cell")[1]!;
    expect(getComputedStyle(cell).overflowWrap).toBe("anywhere");
  });
});

describe("Activity helpers", () => {
  it("groupRuns keeps order and puts a run where its newest item is", () => {
    const entries = groupRuns(records);
    expect(entries.map((e) => (e.kind === "run" ? e.runId : e.record.id))).toEqual(["run-a", 4, 60 * 48]);
  });

  it("matches looks at time against now", () => {
    const r = record(90);
    expect(matches(r, { action: "", target: "", outcome: "", period: "hour", text: "" }, now)).toBe(false);
    expect(matches(r, { action: "", target: "", outcome: "", period: "day", text: "" }, now)).toBe(true);
  });

  it("CSV neutralises formulas and quotes commas", () => {
    const csv = activityCsv([record(1, { targetName: "=HYPERLINK(\"x\")", detail: "a, b" })]);
    expect(csv).toContain(`"'=HYPERLINK(""x"")"`);
    expect(csv).toContain(`"a, b"`);
  });
});
