import { beforeEach, describe, expect, it, vi } from "vitest";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { FluentProvider, webLightTheme } from "@fluentui/react-components";

vi.mock("../ipc", () => import("../test/ipcMock"));
vi.mock("../ipc/installs", () => ({
  installsIpc: {
    overview: vi.fn(),
    query: vi.fn(),
    sync: vi.fn(),
    cancel: vi.fn(),
    plan: vi.fn(),
    run: vi.fn(),
    resume: vi.fn(),
    runs: vi.fn(),
    runItems: vi.fn(),
  },
}));
vi.mock("../ipc/catalog", () => ({ catalogIpc: { list: vi.fn() } }));

import { InstallationsPage } from "./InstallationsPage";
import { SessionProvider } from "../session";
import { BackgroundWorkProvider, StatusWork } from "../work";
import { ipc, resetIpcMock } from "../test/ipcMock";
import { signedInSession } from "../test/fixtures";
import { installsIpc } from "../ipc/installs";
import type { BulkPlan, InstallsOverview, InventoryRow, RunProgress, RunSummary } from "../ipc/installs";

const m = vi.mocked(installsIpc);

const flashduty = {
  id: "cat-1",
  externalId: "5b0d3a55-0000-4000-8000-000000000001",
  displayName: "FlashDuty",
  distributionMethod: "organization",
  definitions: [
    { id: "d2", version: "1.0.2", publishingState: "published" as const, displayName: "FlashDuty", lastModified: null, requiredRsc: [] },
  ],
};

const overview: InstallsOverview = {
  apps: [flashduty],
  appId: "cat-1",
  publishedVersion: "1.0.2",
  sync: {
    appId: "cat-1",
    appName: "FlashDuty",
    status: "completed",
    phase: "done",
    startedAt: "2026-11-22T10:00:00Z",
    finishedAt: "2026-11-22T10:01:00Z",
    ageSecs: 180,
    total: 40,
    done: 40,
    failed: 1,
  },
  coverage: [
    { kind: "team", installed: 12, notInstalled: 27, failed: 1, unknown: 0 },
    { kind: "chat", installed: 3, notInstalled: 12, failed: 0, unknown: 0 },
  ],
  versions: [
    { kind: "team", version: "1.0.2", count: 7 },
    { kind: "team", version: "1.0.1", count: 2 },
    { kind: "team", version: "1.0.0", count: 3 },
    { kind: "chat", version: "1.0.2", count: 2 },
  ],
  busy: false,
};

function row(id: string, name: string, extra: Partial<InventoryRow> = {}): InventoryRow {
  return {
    kind: "team",
    id,
    displayName: name,
    detail: null,
    archived: false,
    visibility: "private",
    generalChannel: `19:${id}`,
    privateChannels: 0,
    sharedChannels: 0,
    state: "installed",
    installationId: `inst-${id}`,
    version: "1.0.2",
    errorStatus: null,
    errorCode: null,
    errorMessage: null,
    checkedAt: null,
    ...extra,
  };
}

const rows = [
  row("t1", "Incident Response", { sharedChannels: 1 }),
  row("t2", "Payments Team", { version: "1.0.1", privateChannels: 2 }),
  row("t3", "Legal", { state: "failed", version: null, errorStatus: 403, errorMessage: "Forbidden" }),
];

function renderPage() {
  return render(
    <FluentProvider theme={webLightTheme}>
      <SessionProvider>
        <BackgroundWorkProvider>
          <InstallationsPage />
          <footer>
            <StatusWork />
          </footer>
        </BackgroundWorkProvider>
      </SessionProvider>
    </FluentProvider>,
  );
}

beforeEach(() => {
  // jsdom has no layout: give the virtualised table's scroller a size so it renders rows.
  vi.spyOn(HTMLElement.prototype, "clientHeight", "get").mockReturnValue(420);
  vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(900);
  resetIpcMock();
  ipc.getSession.mockResolvedValue(signedInSession);
  for (const fn of Object.values(m)) fn.mockReset();
  m.overview.mockResolvedValue(overview);
  m.query.mockImplementation(async (_app, q) => {
    const filtered = q.olderThan ? rows.filter((r) => r.version === "1.0.1") : rows;
    return { rows: filtered, total: filtered.length, offset: q.offset, limit: q.limit, sync: overview.sync };
  });
  m.runs.mockResolvedValue([]);
  m.cancel.mockResolvedValue(true);
});

describe("Installations page", () => {
  it("opens from the cache with its age, the coverage and version pictures, and the rows", async () => {
    renderPage();
    expect(await screen.findByTestId("sync-age")).toHaveTextContent("FlashDuty synced 3 min ago");
    const team = screen.getByTestId("coverage-team");
    expect(team).toHaveAttribute("data-installed", "12");
    expect(team).toHaveAttribute("data-failed", "1");
    expect(screen.getByTestId("version-1.0.0")).toHaveAttribute("data-outdated", "true");
    expect(screen.getByTestId("version-1.0.2")).toHaveAttribute("data-outdated", "false");
    // Versions of all kinds are added up.
    expect(screen.getByTestId("version-1.0.2")).toHaveAttribute("data-count", "9");
    expect(await screen.findByTestId("row-t2")).toHaveTextContent("1.0.1 (old)");
    expect(screen.getByTestId("row-t2")).toHaveTextContent("2 private ch.");
    expect(screen.getByTestId("row-t3")).toHaveTextContent("read failed (403)");
    expect(screen.getByText(/not supported in private or shared channels/)).toBeInTheDocument();
    expect(m.query).toHaveBeenCalledWith("cat-1", expect.objectContaining({ offset: 0, limit: 200 }));
  });

  it("filters in SQLite: 'older than' goes to the query, and the table shows what it answers", async () => {
    const user = userEvent.setup();
    renderPage();
    await screen.findByTestId("row-t1");
    await user.type(screen.getByTestId("filter-older"), "1.0.2");
    await waitFor(() => expect(m.query).toHaveBeenLastCalledWith("cat-1", expect.objectContaining({ olderThan: "1.0.2" })), { timeout: 5000 });
    await waitFor(() => expect(screen.queryByTestId("row-t1")).not.toBeInTheDocument(), { timeout: 5000 });
    expect(screen.getByTestId("row-t2")).toBeInTheDocument();
    expect(screen.getByTestId("inventory-count")).toHaveTextContent("1 row");
  });

  it("syncs with progress in the page and the status bar, and can cancel", async () => {
    const user = userEvent.setup();
    let report: (p: RunProgress) => void = () => {};
    let finish: (v: unknown) => void = () => {};
    m.sync.mockImplementation((_app, onProgress) => {
      report = onProgress;
      return new Promise((resolve) => {
        finish = resolve;
      }) as never;
    });
    renderPage();
    await screen.findByTestId("row-t1");
    await user.click(screen.getByTestId("installs-sync"));
    expect(m.sync).toHaveBeenCalledWith("cat-1", expect.any(Function));
    act(() => report({ phase: "reading installations", total: 40, done: 10, failed: 1, runId: null }));
    expect(screen.getByTestId("sync-progress")).toHaveTextContent("reading installations 10/40, 1 failed");
    expect(screen.getByTestId("status-work")).toHaveTextContent("Sync: reading installations 10/40");
    await user.click(screen.getByTestId("installs-sync-cancel"));
    expect(m.cancel).toHaveBeenCalled();
    await act(async () =>
      finish({
        report: { status: "completed", resumed: false, targets: 40, read: 40, failed: 1, removed: 0, roundTrips: 3, subRequests: 40, throttled: 0, retries: 0, usersIncremental: false, warnings: [] },
        appName: "FlashDuty",
        kinds: ["team"],
      }),
    );
    expect(await screen.findByTestId("installs-notice")).toHaveTextContent("Synced FlashDuty: 40 targets");
    expect(screen.getByTestId("status-work")).toHaveTextContent("No background work");
    expect(m.overview).toHaveBeenCalledTimes(2);
  });

  it("previews a bulk upgrade of the filtered rows, runs it with progress and shows per-item results", async () => {
    const user = userEvent.setup();
    const plan: BulkPlan = {
      action: "upgrade",
      appId: "cat-1",
      appName: "FlashDuty",
      targetVersion: "1.0.2",
      consent: [{ permissionValue: "TeamSettings.Read.Group", permissionType: "Application" }],
      items: [{ kind: "team", targetId: "t2", targetName: "Payments Team", installationId: "inst-t2", fromVersion: "1.0.1", note: "2 private channels: bots are not supported there" }],
      skipped: [{ kind: "team", targetId: "t9", targetName: "Hackathon 2023", reason: "archived team" }],
      warnings: [],
    };
    const summary: RunSummary = {
      runId: "run-1",
      action: "upgrade",
      appName: "FlashDuty",
      status: "completed",
      createdAt: "2026-11-22T10:05:00Z",
      finishedAt: "2026-11-22T10:05:03Z",
      total: 1,
      succeeded: 1,
      alreadyDone: 0,
      failed: 0,
      pending: 0,
    };
    m.plan.mockResolvedValue(plan);
    let report: (p: RunProgress) => void = () => {};
    let finish: (v: RunSummary) => void = () => {};
    m.run.mockImplementation((_a, _b, _c, onProgress) => {
      report = onProgress;
      return new Promise<RunSummary>((resolve) => {
        finish = resolve;
      });
    });
    m.runItems.mockResolvedValue([
      { kind: "team", targetId: "t2", targetName: "Payments Team", state: "succeeded", status: 204, errorCode: null, message: null, requestId: "r1", attempts: 1 },
    ]);
    renderPage();
    await screen.findByTestId("row-t1");
    await user.type(screen.getByTestId("filter-older"), "1.0.2");
    await waitFor(() => expect(screen.getByTestId("inventory-count")).toHaveTextContent("1 row"), { timeout: 5000 });
    await user.click(screen.getByTestId("bulk-open"));
    const drawer = await screen.findByTestId("bulk-drawer");
    expect(within(drawer).getByTestId("bulk-action-upgrade")).toBeChecked();
    await user.click(within(drawer).getByText(/Every row of the current filter \(1\)/));
    await user.click(within(drawer).getByTestId("bulk-preview"));
    expect(m.plan).toHaveBeenCalledWith("cat-1", "upgrade", {
      filter: expect.objectContaining({ olderThan: "1.0.2" }),
      ids: [],
    });
    const shown = await within(drawer).findByTestId("bulk-plan");
    expect(shown).toHaveAttribute("data-planned", "1");
    expect(shown).toHaveTextContent("Hackathon 2023 — archived team");
    expect(shown).toHaveTextContent("TeamSettings.Read.Group");
    expect(shown).toHaveTextContent("bots are not supported there");
    await user.click(within(drawer).getByTestId("bulk-run"));
    act(() => report({ phase: "upgrading", total: 1, done: 0, failed: 0, runId: "run-1" }));
    expect(within(drawer).getByTestId("bulk-progress")).toHaveTextContent("upgrading 0/1");
    expect(screen.getByTestId("status-work")).toHaveTextContent("Upgrade FlashDuty: upgrading 0/1");
    await act(async () => finish(summary));
    const result = await within(drawer).findByTestId("bulk-result");
    expect(result).toHaveTextContent("Run completed: 1 done, 0 already done, 0 failed");
    expect(result).toHaveTextContent("Payments Team");
    expect(m.runItems).toHaveBeenCalledWith("run-1", null);
  });

  it("offers hand-picked rows, retry of failed items and resuming interrupted runs", async () => {
    const user = userEvent.setup();
    const interrupted: RunSummary = {
      runId: "run-0",
      action: "install",
      appName: "FlashDuty",
      status: "running",
      createdAt: "2026-11-22T09:00:00Z",
      finishedAt: null,
      total: 10,
      succeeded: 4,
      alreadyDone: 0,
      failed: 0,
      pending: 6,
    };
    m.runs.mockResolvedValue([interrupted]);
    m.resume.mockResolvedValue({ ...interrupted, status: "completed", succeeded: 9, failed: 1, pending: 0 });
    m.runItems.mockResolvedValue([
      { kind: "team", targetId: "t3", targetName: "Legal", state: "failed", status: 403, errorCode: "Forbidden", message: "Forbidden", requestId: null, attempts: 1 },
    ]);
    renderPage();
    await user.click(await screen.findByTestId("select-t2"));
    await user.click(screen.getByTestId("bulk-open"));
    const drawer = await screen.findByTestId("bulk-drawer");
    expect(within(drawer).getByText("The 1 checked row(s)")).toBeInTheDocument();
    await user.click(await within(drawer).findByTestId("bulk-resume-run-0"));
    expect(m.resume).toHaveBeenCalledWith("run-0", false, expect.any(Function));
    const result = await within(drawer).findByTestId("bulk-result");
    expect(result).toHaveAttribute("data-failed", "1");
    await user.click(within(drawer).getByTestId("bulk-retry"));
    expect(m.resume).toHaveBeenLastCalledWith("run-0", true, expect.any(Function));
  });

  it("asks to sign in again for installing when the run needs consent", async () => {
    const user = userEvent.setup();
    m.plan.mockResolvedValue({
      action: "install",
      appId: "cat-1",
      appName: "FlashDuty",
      targetVersion: "1.0.2",
      consent: [],
      items: [{ kind: "team", targetId: "t2", targetName: "Payments Team", installationId: null, fromVersion: null, note: null }],
      skipped: [],
      warnings: [],
    });
    m.run.mockRejectedValue({ code: "consent_required", message: "sign in again to grant TeamsAppInstallation.ReadWriteAndConsentForTeam", retryable: false, link: null });
    ipc.signInDeviceCode.mockImplementation(() => new Promise(() => {}));
    renderPage();
    await screen.findByTestId("row-t1");
    await user.click(screen.getByTestId("bulk-open"));
    const drawer = await screen.findByTestId("bulk-drawer");
    await user.click(within(drawer).getByTestId("bulk-preview"));
    await user.click(await within(drawer).findByTestId("bulk-run"));
    const prompt = await screen.findByTestId("consent-needed");
    expect(prompt).toHaveTextContent("Sign in again to allow installing");
    await user.click(screen.getByTestId("consent-sign-in"));
    await user.click(await screen.findByTestId("sign-in-start"));
    expect(ipc.signInDeviceCode).toHaveBeenCalledWith("p-demo", "install", expect.any(Function));
  });
});
