import { useState } from "react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { act, configure, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { FluentProvider, webLightTheme } from "@fluentui/react-components";

// The page is large (table, pictures, drawer): on a busy 2-core machine one user-event click
// through its menus takes seconds, so its tests get more than the suite's default 30 s.
vi.setConfig({ testTimeout: 90_000 });
configure({ asyncUtilTimeout: 5000 });

vi.mock("../ipc", () => import("../test/ipcMock"));
vi.mock("../ipc/installs", () => ({
  installsIpc: {
    overview: vi.fn(),
    query: vi.fn(),
    sync: vi.fn(),
    cancel: vi.fn(),
    plan: vi.fn(),
    run: vi.fn(),
    runPlan: vi.fn(),
    resume: vi.fn(),
    runs: vi.fn(),
    runItems: vi.fn(),
  },
}));
vi.mock("../ipc/catalog", () => ({ catalogIpc: { list: vi.fn() } }));

import { InstallationsPage, ORPHAN_POLL_MS } from "./InstallationsPage";
import { SessionProvider } from "../session";
import { BackgroundWorkProvider, StatusWork, useBackgroundWork } from "../work";
import { ipc, resetIpcMock } from "../test/ipcMock";
import { signedInSession } from "../test/fixtures";
import { installsIpc } from "../ipc/installs";
import { catalogIpc } from "../ipc/catalog";
import type { SavedPlan, InstallsOverview, InstallsSyncResult, InventoryRow, RunProgress, RunSummary } from "../ipc/installs";

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
    kinds: ["team", "chat", "user"],
    status: "completed",
    phase: "done",
    startedAt: "2026-11-22T10:00:00Z",
    finishedAt: "2026-11-22T10:01:00Z",
    ageSecs: 180,
    total: 40,
    done: 40,
    failed: 1,
  },
  lastCompleted: null,
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

/** The page next to another one, as the app's navigation mounts and unmounts it. */
function Shell() {
  const [here, setHere] = useState(true);
  return (
    <>
      <button data-testid="nav-toggle" onClick={() => setHere((h) => !h)}>
        {here ? "Go elsewhere" : "Back to Installations"}
      </button>
      {here ? <InstallationsPage /> : <div data-testid="elsewhere" />}
      <footer>
        <StatusWork />
      </footer>
    </>
  );
}

function renderShell() {
  return render(
    <FluentProvider theme={webLightTheme}>
      <SessionProvider>
        <BackgroundWorkProvider>
          <Shell />
        </BackgroundWorkProvider>
      </SessionProvider>
    </FluentProvider>,
  );
}

function syncResult(extra: Partial<InstallsSyncResult["report"]> = {}, kinds: InstallsSyncResult["kinds"] = ["team", "chat", "user"]): InstallsSyncResult {
  return {
    report: { status: "completed", resumed: false, targets: 40, read: 40, failed: 1, removed: 0, roundTrips: 3, subRequests: 40, throttled: 0, retries: 0, usersIncremental: false, warnings: [], ...extra },
    appId: "cat-1",
    appName: "FlashDuty",
    kinds,
  };
}

/** A promise the test settles when it wants to (the run "ends"). */
function deferred<T>() {
  let resolve: (v: T) => void = () => {};
  let reject: (e: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const upgradePlan: SavedPlan = {
  planId: "plan-1",
  createdAt: "2026-11-22T10:04:00Z",
  action: "upgrade",
  appId: "cat-1",
  appName: "FlashDuty",
  targetVersion: "1.0.2",
  consent: [],
  items: [
    { kind: "team", targetId: "t2", targetName: "Payments Team", installationId: "inst-t2", fromVersion: "1.0.1", note: null },
    { kind: "team", targetId: "t3", targetName: "Legal", installationId: "inst-t3", fromVersion: "1.0.0", note: null },
  ],
  skipped: [],
  warnings: [],
};

const halfFailed: RunSummary = {
  runId: "run-7",
  action: "upgrade",
  appName: "FlashDuty",
  status: "completed",
  createdAt: "2026-11-22T10:05:00Z",
  finishedAt: "2026-11-22T10:05:03Z",
  total: 2,
  succeeded: 1,
  alreadyDone: 0,
  failed: 1,
  pending: 0,
  cancelRequested: false,
};

async function startUpgrade(user: ReturnType<typeof userEvent.setup>) {
  await screen.findByTestId("row-t1", {}, { timeout: 5000 });
  await user.click(screen.getByTestId("bulk-open"));
  const drawer = await screen.findByTestId("bulk-drawer");
  await user.click(within(drawer).getByTestId("bulk-action-upgrade"));
  await user.click(within(drawer).getByTestId("bulk-preview"));
  await user.click(await within(drawer).findByTestId("bulk-run"));
  return drawer;
}

beforeEach(() => {
  window.sessionStorage.clear();
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
  it("after a reload mid-run, says a run is still going, blocks new ones, and refreshes when it ends", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const running = { ...overview, busy: true, sync: { ...overview.sync!, status: "running", phase: "teams", finishedAt: null, done: 12 } };
      m.overview.mockResolvedValueOnce(running).mockResolvedValueOnce(running).mockResolvedValue(overview);
      const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
      renderPage();
      const bar = await screen.findByTestId("installs-orphan-run");
      expect(bar).toHaveTextContent("still running");
      // Not "interrupted": the app says it is running.
      expect(screen.getByTestId("sync-age")).not.toHaveTextContent("interrupted");
      expect(screen.getByTestId("installs-sync")).toBeDisabled();
      expect(screen.getByTestId("bulk-open")).toBeDisabled();
      await user.click(within(bar).getByTestId("installs-orphan-cancel"));
      expect(m.cancel).toHaveBeenCalledTimes(1);
      // Still busy at the first poll, done at the second: the page re-reads and unblocks.
      await act(() => vi.advanceTimersByTimeAsync(ORPHAN_POLL_MS));
      expect(screen.getByTestId("installs-orphan-run")).toBeInTheDocument();
      await act(() => vi.advanceTimersByTimeAsync(ORPHAN_POLL_MS));
      await waitFor(() => expect(screen.queryByTestId("installs-orphan-run")).not.toBeInTheDocument());
      expect(screen.getByTestId("sync-age")).toHaveTextContent("FlashDuty synced 3 min ago");
      expect(screen.getByTestId("bulk-open")).toBeEnabled();
      expect(m.overview).toHaveBeenCalledTimes(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it("Escape closes the bulk drawer wherever focus is, and focus goes back to 'Bulk change…'", async () => {
    const user = userEvent.setup();
    renderPage();
    await screen.findByTestId("row-t1", {}, { timeout: 5000 });
    const opener = screen.getByTestId("bulk-open");
    opener.focus();
    await user.keyboard("{Enter}");
    await screen.findByTestId("bulk-drawer");
    // Focus on the page body, as after a button in the drawer disappeared.
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("bulk-drawer")).not.toBeInTheDocument());
    expect(opener).toHaveFocus();
  });

  it("signed in with no bot chosen, the page says what to do instead of staying blank", async () => {
    m.overview.mockResolvedValue({ ...overview, appId: null });
    renderPage();
    const hint = await screen.findByTestId("installs-choose-hint", {}, { timeout: 5000 });
    expect(hint).toHaveTextContent("Choose the bot above to see where it is installed");
  });

  it("a bot chosen while the app list is still loading stays chosen when the list arrives", async () => {
    const user = userEvent.setup();
    const expense = { ...flashduty, id: "cat-2", displayName: "Expense Tracker" };
    const nothingChosen: InstallsOverview = { ...overview, apps: [flashduty, expense], appId: null, publishedVersion: null, sync: null, coverage: [], versions: [] };
    m.overview.mockImplementation(async (id) => (id ? { ...overview, apps: [flashduty, expense], appId: id } : nothingChosen));
    const list = deferred<never[]>();
    vi.mocked(catalogIpc.list).mockReturnValue(list.promise as never);
    renderPage();
    const picker = await screen.findByTestId("installs-app");
    await waitFor(() => expect(within(picker).getByText("FlashDuty")).toBeInTheDocument());
    await user.click(screen.getByTestId("installs-load-apps"));
    expect(screen.getByTestId("installs-load-apps")).toHaveTextContent("Reading the catalog");
    await user.selectOptions(picker, "cat-1");
    await waitFor(() => expect(screen.getByTestId("installs-sync")).toBeEnabled());
    await act(async () => list.resolve([]));
    await waitFor(() => expect(screen.getByTestId("installs-load-apps")).toHaveTextContent("Refresh app list"));
    expect(m.overview).toHaveBeenLastCalledWith("cat-1");
    expect(picker).toHaveValue("cat-1");
    expect(screen.getByTestId("installs-sync")).toBeEnabled();
  });

  it("an older answer from the cache never replaces a newer choice", async () => {
    const user = userEvent.setup();
    const expense = { ...flashduty, id: "cat-2", displayName: "Expense Tracker" };
    const apps = [flashduty, expense];
    const slow = deferred<InstallsOverview>();
    m.overview
      .mockResolvedValueOnce({ ...overview, apps })
      .mockReturnValueOnce(slow.promise)
      .mockResolvedValueOnce({ ...overview, apps, appId: "cat-1" });
    renderPage();
    const picker = await screen.findByTestId("installs-app");
    await waitFor(() => expect(picker).toHaveValue("cat-1"));
    await user.selectOptions(picker, "cat-2");
    await user.selectOptions(picker, "cat-1");
    await waitFor(() => expect(m.overview).toHaveBeenCalledTimes(3));
    // Expense Tracker's answer comes last but was asked first: FlashDuty stays.
    await act(async () => slow.resolve({ ...overview, apps, appId: "cat-2", publishedVersion: null }));
    expect(picker).toHaveValue("cat-1");
    expect(screen.getByTestId("sync-age")).toHaveTextContent("FlashDuty synced");
  });

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
    expect(await screen.findByTestId("row-t2")).toHaveTextContent("1.0.1 (outdated)");
    expect(screen.getByTestId("row-t2")).toHaveTextContent("2 private ch.");
    expect(screen.getByTestId("row-t3")).toHaveTextContent("read failed (403)");
    expect(screen.getByText(/not supported in private or shared channels/)).toBeInTheDocument();
    expect(m.query).toHaveBeenCalledWith("cat-1", expect.objectContaining({ offset: 0, limit: 200 }));
  });

  it("filters in SQLite: 'older than' goes to the query, and the table shows what it answers", async () => {
    const user = userEvent.setup();
    renderPage();
    await screen.findByTestId("row-t1", {}, { timeout: 5000 });
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
    await screen.findByTestId("row-t1", {}, { timeout: 5000 });
    await user.click(screen.getByTestId("installs-sync"));
    // Everything, with channel facts, continuing an unfinished sync: core's defaults, spelt out.
    expect(m.sync).toHaveBeenCalledWith("cat-1", expect.any(Function), { kinds: ["team", "chat", "user"], channels: true, fresh: false });
    act(() => report({ phase: "reading_installations", total: 40, done: 10, failed: 1, runId: null }));
    expect(screen.getByTestId("sync-progress")).toHaveTextContent("reading installations 10/40, 1 failed");
    expect(screen.getByTestId("status-work")).toHaveTextContent("Sync: reading installations 10/40");
    await user.click(screen.getByTestId("installs-sync-cancel"));
    expect(m.cancel).toHaveBeenCalled();
    await act(async () =>
      finish({
        report: { status: "completed", resumed: false, targets: 40, read: 40, failed: 1, removed: 0, roundTrips: 3, subRequests: 40, throttled: 0, retries: 0, usersIncremental: false, warnings: [] },
        appName: "FlashDuty",
        kinds: ["team", "chat", "user"],
      }),
    );
    expect(await screen.findByTestId("installs-notice")).toHaveTextContent("Synced FlashDuty: 40 targets");
    expect(screen.getByTestId("status-work")).toHaveTextContent("No background work");
    expect(m.overview).toHaveBeenCalledTimes(2);
  });

  it("previews a bulk upgrade of the filtered rows, runs it with progress and shows per-item results", async () => {
    const user = userEvent.setup();
    const plan: SavedPlan = {
      planId: "plan-2",
      createdAt: "2026-11-22T10:04:00Z",
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
      cancelRequested: false,
    };
    m.plan.mockResolvedValue(plan);
    let report: (p: RunProgress) => void = () => {};
    let finish: (v: RunSummary) => void = () => {};
    m.runPlan.mockImplementation((_planId, onProgress) => {
      report = onProgress;
      return new Promise<RunSummary>((resolve) => {
        finish = resolve;
      });
    });
    m.runItems.mockResolvedValue([
      { kind: "team", targetId: "t2", targetName: "Payments Team", state: "succeeded", status: 204, errorCode: null, message: null, requestId: "r1", attempts: 1 },
    ]);
    renderPage();
    await screen.findByTestId("row-t1", {}, { timeout: 5000 });
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
    // The plan is spent: no second "Upgrade 1" while (or after) it runs.
    expect(within(drawer).queryByTestId("bulk-plan")).not.toBeInTheDocument();
    expect(within(drawer).queryByTestId("bulk-run")).not.toBeInTheDocument();
    // The Run button went away: keyboard focus is on Cancel, not on the page body.
    await waitFor(() => expect(document.activeElement).toBe(within(drawer).getByTestId("bulk-cancel")));
    act(() => report({ phase: "upgrading", total: 1, done: 0, failed: 0, runId: "run-1" }));
    expect(within(drawer).getByTestId("bulk-progress")).toHaveTextContent("upgrading 0/1");
    expect(screen.getByTestId("status-work")).toHaveTextContent("Upgrade FlashDuty: upgrading 0/1");
    await act(async () => finish(summary));
    const result = await within(drawer).findByTestId("bulk-result");
    expect(result).toHaveTextContent("Completed: 1 done, 0 failed.");
    expect(result).toHaveTextContent("Payments Team");
    expect(m.runItems).toHaveBeenCalledWith("run-1", null);
    // After the run: its outcome and the next step, never the old plan with an enabled Run.
    expect(within(drawer).queryByTestId("bulk-run")).not.toBeInTheDocument();
    expect(within(drawer).getByTestId("bulk-start-over")).toBeInTheDocument();
    await waitFor(() => expect(document.activeElement).toBe(within(drawer).getByTestId("bulk-result-text")));
    await user.click(within(drawer).getByTestId("bulk-start-over"));
    expect(within(drawer).getByTestId("bulk-preview")).toBeInTheDocument();
    expect(within(drawer).queryByTestId("bulk-plan")).not.toBeInTheDocument();
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
      cancelRequested: false,
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
    expect(within(drawer).getByText("The 1 checked row")).toBeInTheDocument();
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
      planId: "plan-3",
      createdAt: "2026-11-22T10:04:00Z",
      action: "install",
      appId: "cat-1",
      appName: "FlashDuty",
      targetVersion: "1.0.2",
      consent: [],
      items: [{ kind: "team", targetId: "t2", targetName: "Payments Team", installationId: null, fromVersion: null, note: null }],
      skipped: [],
      warnings: [],
    });
    m.runPlan.mockRejectedValue({ code: "consent_required", message: "sign in again to grant TeamsAppInstallation.ReadWriteAndConsentForTeam", retryable: false });
    ipc.signInDeviceCode.mockImplementation(() => new Promise(() => {}));
    renderPage();
    await screen.findByTestId("row-t1", {}, { timeout: 5000 });
    await user.click(screen.getByTestId("bulk-open"));
    const drawer = await screen.findByTestId("bulk-drawer");
    await user.click(within(drawer).getByTestId("bulk-preview"));
    await user.click(await within(drawer).findByTestId("bulk-run"));
    // The drawer stays open and asks there.
    const prompt = await within(drawer).findByTestId("consent-needed");
    expect(prompt).toHaveTextContent("Sign in again to allow installing");
    await user.click(within(drawer).getByTestId("consent-sign-in"));
    await user.click(await screen.findByTestId("sign-in-start"));
    // An update step asks for the whole update by default (SignInScope.test.tsx).
    expect(ipc.signInDeviceCode).toHaveBeenCalledWith("p-demo", "update_bot", expect.any(Function));
  });

  it("runs the plan it previewed by its id, and a run refused because the tenant changed previews again", async () => {
    const user = userEvent.setup();
    const newer: SavedPlan = { ...upgradePlan, planId: "plan-9", targetVersion: "1.0.3" };
    m.plan.mockResolvedValueOnce(upgradePlan).mockResolvedValueOnce(newer);
    m.runPlan.mockRejectedValueOnce({
      code: "conflict",
      message: "the tenant changed since the preview: a new version is published (1.0.2 → 1.0.3). Nothing was changed; preview again and run the new plan",
      retryable: false,
    });
    renderPage();
    const drawer = await startUpgrade(user);
    await waitFor(() => expect(m.runPlan).toHaveBeenCalledWith("plan-1", expect.any(Function)));
    const error = await within(drawer).findByTestId("bulk-error");
    expect(error).toHaveAttribute("data-code", "conflict");
    expect(error).toHaveTextContent("1.0.2 → 1.0.3");
    await user.click(within(drawer).getByTestId("bulk-preview-again"));
    // A fresh preview of the same change: the new plan is shown, and it is that one that runs.
    await waitFor(() => expect(m.plan).toHaveBeenCalledTimes(2));
    expect(m.plan.mock.calls[1]).toEqual(m.plan.mock.calls[0]);
    m.runPlan.mockResolvedValueOnce({ ...halfFailed, failed: 0, succeeded: 2 });
    m.runItems.mockResolvedValue([]);
    await user.click(await within(drawer).findByTestId("bulk-run"));
    await waitFor(() => expect(m.runPlan).toHaveBeenLastCalledWith("plan-9", expect.any(Function)));
  });

  it("syncs only the kinds chosen in Sync options, and a full resync starts over", async () => {
    const user = userEvent.setup();
    const run = deferred<InstallsSyncResult>();
    m.sync.mockReturnValue(run.promise);
    renderPage();
    await screen.findByTestId("row-t1", {}, { timeout: 5000 });
    await user.click(screen.getByRole("button", { name: "Sync options" }));
    await user.click(await screen.findByTestId("sync-kind-chat"));
    await user.click(screen.getByTestId("sync-kind-user"));
    // Channel facts stay on: they belong to teams, which are still chosen.
    expect(screen.getByTestId("sync-channels")).toHaveAttribute("aria-checked", "true");
    await user.click(screen.getByTestId("sync-fresh"));
    expect(m.sync).toHaveBeenCalledWith("cat-1", expect.any(Function), { kinds: ["team"], channels: true, fresh: true });
    expect(screen.getByTestId("status-work")).toHaveTextContent("Full resync of teams: starting…");
    expect(screen.getByTestId("installs-sync")).toHaveTextContent("Sync teams");
    await act(async () => run.resolve(syncResult({ targets: 40 }, ["team"])));
    expect(await screen.findByTestId("installs-notice")).toHaveTextContent("Synced FlashDuty (teams only): 40 targets");
    // The choice outlives the page (it is kept for the window's session).
    expect(JSON.parse(window.sessionStorage.getItem("botdeck.installs.syncChoice") ?? "{}")).toEqual({ kinds: ["team"], channels: true });
  });

  it("Sync options can be chosen with the keyboard alone", async () => {
    const user = userEvent.setup();
    m.sync.mockResolvedValue(syncResult({}, ["team"]));
    renderPage();
    await screen.findByTestId("row-t1", {}, { timeout: 5000 });
    // Sync and its options are two real buttons, both in the tab order.
    const primary = screen.getByTestId("installs-sync");
    const trigger = screen.getByRole("button", { name: "Sync options" });
    await waitFor(() => expect(primary).toBeEnabled());
    for (const button of [primary, trigger]) {
      expect(button.tagName).toBe("BUTTON");
      expect(button).not.toHaveAttribute("tabindex", "-1");
    }
    trigger.focus();
    await user.keyboard("{Enter}");
    await screen.findByTestId("sync-options");
    // In the real window Enter puts focus on the first item and arrows move it (the e2e does
    // that); jsdom does not, so the test puts focus on the items and the keys do the rest.
    screen.getByTestId("sync-kind-chat").focus();
    await user.keyboard(" ");
    expect(screen.getByTestId("sync-kind-chat")).toHaveAttribute("aria-checked", "false");
    screen.getByTestId("sync-kind-user").focus();
    await user.keyboard("{Enter}");
    expect(screen.getByTestId("sync-kind-user")).toHaveAttribute("aria-checked", "false");
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("sync-options")).not.toBeInTheDocument());
    expect(primary).toHaveTextContent("Sync teams");
    primary.focus();
    await user.keyboard("{Enter}");
    expect(m.sync).toHaveBeenCalledWith("cat-1", expect.any(Function), { kinds: ["team"], channels: true, fresh: false });
  });

  it("refuses option combinations that make no sense: no kind at all, channel facts without teams", async () => {
    const user = userEvent.setup();
    m.sync.mockResolvedValue(syncResult({}, ["chat", "user"]));
    renderPage();
    await screen.findByTestId("row-t1", {}, { timeout: 5000 });
    await user.click(screen.getByRole("button", { name: "Sync options" }));
    await user.click(await screen.findByTestId("sync-kind-team"));
    // Without teams there are no channels to read: the option is off and cannot be turned on.
    const channels = screen.getByTestId("sync-channels");
    expect(channels).toHaveAttribute("aria-disabled", "true");
    expect(channels).toHaveAttribute("aria-checked", "false");
    await user.click(screen.getByTestId("sync-kind-chat"));
    await user.click(screen.getByTestId("sync-kind-user"));
    // Nothing chosen: neither Sync nor a full resync can start, and the page says why.
    expect(screen.getByTestId("sync-fresh")).toHaveAttribute("aria-disabled", "true");
    await user.click(screen.getByTestId("sync-fresh"));
    await user.keyboard("{Escape}");
    expect(screen.getByTestId("installs-sync")).toBeDisabled();
    expect(screen.getByTestId("sync-choice-invalid")).toHaveTextContent("Choose at least one");
    expect(m.sync).not.toHaveBeenCalled();
    // Chats and users again, without teams: channels are not asked for.
    await user.click(screen.getByRole("button", { name: "Sync options" }));
    await user.click(await screen.findByTestId("sync-kind-chat"));
    await user.click(screen.getByTestId("sync-kind-user"));
    await user.keyboard("{Escape}");
    await user.click(screen.getByTestId("installs-sync"));
    expect(m.sync).toHaveBeenCalledWith("cat-1", expect.any(Function), { kinds: ["chat", "user"], channels: false, fresh: false });
  });

  it("shows a failed sync's error and keeps the cache on screen", async () => {
    const user = userEvent.setup();
    m.sync.mockRejectedValue({ code: "graph", message: "Graph answered 503 for /teams", retryable: true });
    renderPage();
    await screen.findByTestId("row-t1", {}, { timeout: 5000 });
    await user.click(screen.getByTestId("installs-sync"));
    const error = await screen.findByTestId("installs-error");
    expect(error).toHaveTextContent("The sync failed");
    expect(error).toHaveTextContent("Graph answered 503 for /teams");
    expect(screen.queryByTestId("installs-notice")).not.toBeInTheDocument();
    // Nothing of the cache is lost: the rows, the pictures and the age are still there.
    expect(screen.getByTestId("row-t1")).toBeInTheDocument();
    expect(screen.getByTestId("coverage-team")).toHaveAttribute("data-installed", "12");
    expect(screen.getByTestId("sync-age")).toHaveTextContent("FlashDuty synced 3 min ago");
    expect(screen.getByTestId("status-work")).toHaveTextContent("No background work");
    await user.click(within(error).getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByTestId("installs-error")).not.toBeInTheDocument();
  });

  it("a sync that ends while the admin is on another page is reported, and the page re-reads the cache", async () => {
    const user = userEvent.setup();
    let report: (p: RunProgress) => void = () => {};
    const run = deferred<InstallsSyncResult>();
    m.sync.mockImplementation((_app, onProgress) => {
      report = onProgress;
      return run.promise;
    });
    renderShell();
    await screen.findByTestId("row-t1", {}, { timeout: 5000 });
    await user.click(screen.getByTestId("installs-sync"));
    await user.click(screen.getByTestId("nav-toggle"));
    expect(screen.queryByTestId("installations-page")).not.toBeInTheDocument();
    act(() => report({ phase: "reading_installations", total: 40, done: 20, failed: 0, runId: null }));
    expect(screen.getByTestId("status-work")).toHaveTextContent("Sync: reading installations 20/40");
    // Back while it runs: the page shows the run it did not start.
    await user.click(screen.getByTestId("nav-toggle"));
    expect(await screen.findByTestId("sync-progress")).toHaveTextContent("reading installations 20/40");
    expect(screen.getByTestId("installs-sync")).toBeDisabled();
    // Away again; it ends there.
    await user.click(screen.getByTestId("nav-toggle"));
    const readsBefore = m.overview.mock.calls.length;
    m.overview.mockResolvedValue({ ...overview, sync: { ...overview.sync!, ageSecs: 0 } });
    await act(async () => run.resolve(syncResult({ targets: 52 })));
    expect(screen.getByTestId("status-work")).toHaveTextContent("No background work");
    await user.click(screen.getByTestId("nav-toggle"));
    expect(await screen.findByTestId("installs-notice")).toHaveTextContent("Synced FlashDuty: 52 targets");
    await waitFor(() => expect(screen.getByTestId("sync-age")).toHaveTextContent("FlashDuty synced just now"));
    expect(m.overview.mock.calls.length).toBeGreaterThan(readsBefore);
    // Dismissed means gone, also after another visit elsewhere.
    await user.click(within(screen.getByTestId("installs-notice")).getByRole("button", { name: "Dismiss" }));
    await user.click(screen.getByTestId("nav-toggle"));
    await user.click(screen.getByTestId("nav-toggle"));
    await screen.findByTestId("row-t1", {}, { timeout: 5000 });
    expect(screen.queryByTestId("installs-notice")).not.toBeInTheDocument();
  });

  it("a page that came back mid-run re-reads the cache when the run ends", async () => {
    const user = userEvent.setup();
    const run = deferred<InstallsSyncResult>();
    m.sync.mockReturnValue(run.promise);
    renderShell();
    await screen.findByTestId("row-t1", {}, { timeout: 5000 });
    await user.click(screen.getByTestId("installs-sync"));
    await user.click(screen.getByTestId("nav-toggle"));
    await user.click(screen.getByTestId("nav-toggle"));
    await screen.findByTestId("sync-progress");
    await waitFor(() => expect(m.overview).toHaveBeenCalledTimes(2));
    m.overview.mockResolvedValue({ ...overview, coverage: [{ kind: "team", installed: 20, notInstalled: 19, failed: 1, unknown: 0 }] });
    await act(async () => run.resolve(syncResult()));
    // This page instance did not start the sync, yet it shows the new coverage.
    await waitFor(() => expect(screen.getByTestId("coverage-team")).toHaveAttribute("data-installed", "20"));
    expect(m.overview).toHaveBeenCalledTimes(3);
  });

  it("a bulk run that ends while the admin is elsewhere keeps its per-item results and 'retry failed'", async () => {
    const user = userEvent.setup();
    m.plan.mockResolvedValue(upgradePlan);
    let report: (p: RunProgress) => void = () => {};
    const run = deferred<RunSummary>();
    m.runPlan.mockImplementation((_planId, onProgress) => {
      report = onProgress;
      return run.promise;
    });
    m.runItems.mockResolvedValue([
      { kind: "team", targetId: "t2", targetName: "Payments Team", state: "succeeded", status: 200, errorCode: null, message: null, requestId: "r1", attempts: 1 },
      { kind: "team", targetId: "t3", targetName: "Legal", state: "failed", status: 403, errorCode: "Forbidden", message: "Forbidden", requestId: "r2", attempts: 1 },
    ]);
    m.resume.mockResolvedValue({ ...halfFailed, succeeded: 2, failed: 0 });
    renderShell();
    await startUpgrade(user);
    act(() => report({ phase: "upgrading", total: 2, done: 1, failed: 0, runId: "run-7" }));
    // The drawer goes with the page; the run does not.
    await user.click(screen.getByTestId("nav-toggle"));
    expect(screen.queryByTestId("bulk-drawer")).not.toBeInTheDocument();
    expect(screen.getByTestId("status-work")).toHaveTextContent("Upgrade FlashDuty: upgrading 1/2");
    await act(async () => run.resolve(halfFailed));
    expect(screen.getByTestId("status-work")).toHaveTextContent("No background work");
    expect(m.runItems).toHaveBeenCalledWith("run-7", null);

    await user.click(screen.getByTestId("nav-toggle"));
    const outcome = await screen.findByTestId("bulk-outcome");
    expect(outcome).toHaveAttribute("data-failed", "1");
    expect(outcome).toHaveTextContent("Upgrade FlashDuty");
    expect(outcome).toHaveTextContent("Completed: 1 done, 1 failed.");
    await user.click(within(outcome).getByTestId("bulk-outcome-show"));
    const drawer = await screen.findByTestId("bulk-drawer");
    const result = await within(drawer).findByTestId("bulk-result");
    expect(result).toHaveTextContent("Legal — Forbidden");
    expect(result).toHaveTextContent("Payments Team");
    await user.click(within(drawer).getByTestId("bulk-retry"));
    expect(m.resume).toHaveBeenCalledWith("run-7", true, expect.any(Function));
    await waitFor(() => expect(within(drawer).getByTestId("bulk-result")).toHaveAttribute("data-failed", "0"));
  });

  it("a bulk run that ends after a sync replaces the sync's report, not the other way round", async () => {
    const user = userEvent.setup();
    m.sync.mockResolvedValue(syncResult());
    m.plan.mockResolvedValue(upgradePlan);
    m.runPlan.mockResolvedValue({ ...halfFailed, failed: 0, succeeded: 2 });
    m.runItems.mockResolvedValue([]);
    renderPage();
    await screen.findByTestId("row-t1", {}, { timeout: 5000 });
    await user.click(screen.getByTestId("installs-sync"));
    expect(await screen.findByTestId("installs-notice")).toHaveTextContent("Synced FlashDuty");
    const drawer = await startUpgrade(user);
    await within(drawer).findByTestId("bulk-result");
    await user.click(within(drawer).getByTestId("bulk-close"));
    expect(await screen.findByTestId("bulk-outcome")).toHaveTextContent("2 done");
    expect(screen.queryByTestId("installs-notice")).not.toBeInTheDocument();
    // A later sync reports again, and the bulk run's results stay reachable.
    await user.click(screen.getByTestId("installs-sync"));
    await waitFor(() => expect(screen.getByTestId("installs-notice")).toHaveTextContent("Synced FlashDuty"));
    expect(screen.getByTestId("bulk-outcome-show")).toBeInTheDocument();
  });

  it("a bulk run that fails while the admin is elsewhere shows its error on return", async () => {
    const user = userEvent.setup();
    m.plan.mockResolvedValue(upgradePlan);
    const run = deferred<RunSummary>();
    m.runPlan.mockReturnValue(run.promise);
    renderShell();
    await startUpgrade(user);
    await user.click(screen.getByTestId("nav-toggle"));
    await act(async () => run.reject({ code: "offline", message: "cannot reach Microsoft Graph", retryable: true }));
    await user.click(screen.getByTestId("nav-toggle"));
    const error = await screen.findByTestId("installs-error");
    expect(error).toHaveTextContent("The bulk run failed");
    expect(error).toHaveTextContent("cannot reach Microsoft Graph");
    expect(screen.queryByTestId("bulk-outcome")).not.toBeInTheDocument();
    await user.click(within(error).getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByTestId("installs-error")).not.toBeInTheDocument();
  });

  it("a bulk run still going when the admin comes back can be watched and cancelled from the page", async () => {
    const user = userEvent.setup();
    m.plan.mockResolvedValue(upgradePlan);
    let report: (p: RunProgress) => void = () => {};
    const run = deferred<RunSummary>();
    m.runPlan.mockImplementation((_planId, onProgress) => {
      report = onProgress;
      return run.promise;
    });
    m.runItems.mockResolvedValue([]);
    renderShell();
    await startUpgrade(user);
    await user.click(screen.getByTestId("nav-toggle"));
    await user.click(screen.getByTestId("nav-toggle"));
    act(() => report({ phase: "upgrading", total: 2, done: 1, failed: 0, runId: "run-7" }));
    const running = await screen.findByTestId("bulk-running");
    expect(running).toHaveTextContent("Upgrade FlashDuty: upgrading 1/2");
    const cancel = within(running).getByTestId("bulk-running-cancel");
    await user.click(cancel);
    expect(m.cancel).toHaveBeenCalledTimes(1);
    // "Cancelling…" until the run ends; the button keeps focus (it is not plainly disabled).
    expect(cancel).toHaveTextContent("Cancelling…");
    expect(cancel).toHaveAttribute("aria-disabled", "true");
    expect(document.activeElement).toBe(cancel);
    await user.click(cancel);
    expect(m.cancel).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("status-work")).toHaveTextContent("cancelling after the requests on the wire");
    await user.click(within(running).getByTestId("bulk-running-show"));
    const drawer = await screen.findByTestId("bulk-drawer");
    expect(within(drawer).getByTestId("bulk-progress")).toHaveTextContent("cancelling");
    expect(within(drawer).getByTestId("bulk-cancel")).toHaveTextContent("Cancelling…");
    await act(async () => run.resolve({ ...halfFailed, status: "cancelled", failed: 0, pending: 1, cancelRequested: true }));
    const result = await within(drawer).findByTestId("bulk-result");
    expect(result).toHaveAttribute("data-status", "cancelled");
    expect(result).toHaveTextContent("Cancelled: 1 done, 0 failed, 1 not attempted.");
    expect(within(drawer).getByTestId("bulk-resume-current")).toHaveTextContent("Continue with the 1 not attempted");
  });

  it("after a cancelled sync the cache still opens with the age of the last completed sync", async () => {
    m.overview.mockResolvedValue({
      ...overview,
      sync: { ...overview.sync!, kinds: ["team"], status: "cancelled", phase: "reading_installations", ageSecs: 60, total: 40, done: 12 },
      lastCompleted: { ...overview.sync!, ageSecs: 7200 },
    });
    renderPage();
    const age = await screen.findByTestId("sync-age");
    expect(age).toHaveAttribute("data-status", "cancelled");
    expect(age).toHaveTextContent("FlashDuty synced 2 h ago; last sync cancelled at 12/40 (teams). Sync continues it");
    // The rows come from SQLite as they are, without waiting for any network.
    expect(await screen.findByTestId("row-t1")).toBeInTheDocument();
    expect(m.sync).not.toHaveBeenCalled();
  });

  it("says when the cache was never fully synced, and calls a sync BotDeck stopped mid-way interrupted", async () => {
    m.overview.mockResolvedValue({
      ...overview,
      sync: { ...overview.sync!, status: "running", phase: "listing", total: 40, done: 3 },
      lastCompleted: null,
    });
    renderPage();
    expect(await screen.findByTestId("sync-age")).toHaveTextContent("Never fully synced; last sync interrupted at 3/40. Sync continues it");
  });

  it("after 'Sign in again' the drawer stays open and repeats the run itself", async () => {
    const user = userEvent.setup();
    m.plan.mockResolvedValue(upgradePlan);
    m.runPlan
      .mockRejectedValueOnce({ code: "consent_required", message: "sign in again to grant installing", retryable: false })
      .mockResolvedValueOnce({ ...halfFailed, failed: 0, succeeded: 2 });
    m.runItems.mockResolvedValue([]);
    ipc.signInDeviceCode.mockResolvedValue(signedInSession);
    renderPage();
    const drawer = await startUpgrade(user);
    await within(drawer).findByTestId("consent-sign-in");
    // Asked once, in the drawer: the page behind it does not ask too.
    expect(screen.getAllByTestId("consent-needed")).toHaveLength(1);
    await user.click(within(drawer).getByTestId("consent-sign-in"));
    await user.click(await screen.findByTestId("sign-in-start"));
    // The same run again, with the same targets, in the same drawer.
    await waitFor(() => expect(m.runPlan).toHaveBeenCalledTimes(2));
    // The plan the admin previewed, by its id: not a new plan.
    expect(m.runPlan.mock.calls[1]![0]).toBe("plan-1");
    expect(m.runPlan.mock.calls[0]![0]).toBe("plan-1");
    expect(m.plan).toHaveBeenCalledTimes(1);
    const result = await within(drawer).findByTestId("bulk-result");
    expect(result).toHaveTextContent("Completed: 2 done, 0 failed.");
    expect(screen.getByTestId("bulk-drawer")).toBe(drawer);
    expect(screen.queryByText("Signed in. Try again.")).not.toBeInTheDocument();
    expect(screen.queryByTestId("consent-needed")).not.toBeInTheDocument();
  });

  it("each row has its own install, upgrade or remove, planned for that row alone", async () => {
    const user = userEvent.setup();
    m.plan.mockResolvedValue({ ...upgradePlan, items: [upgradePlan.items[0]!] });
    renderPage();
    // Current at the published version: only removal is offered.
    await user.click(await screen.findByTestId("row-actions-t1"));
    expect(screen.queryByTestId("row-upgrade-t1")).not.toBeInTheDocument();
    expect(screen.getByTestId("row-uninstall-t1")).toBeInTheDocument();
    await user.keyboard("{Escape}");
    // Outdated: upgrade it here.
    await user.click(screen.getByTestId("row-actions-t2"));
    await user.click(await screen.findByTestId("row-upgrade-t2"));
    const drawer = await screen.findByTestId("bulk-drawer");
    expect(within(drawer).getByTestId("bulk-action-upgrade")).toBeChecked();
    expect(within(drawer).getByTestId("bulk-source-0")).toBeChecked();
    expect(within(drawer).getByText("This team: Payments Team")).toBeInTheDocument();
    await waitFor(() =>
      expect(m.plan).toHaveBeenCalledWith("cat-1", "upgrade", { filter: null, ids: [{ kind: "team", id: "t2" }] }),
    );
    expect(await within(drawer).findByTestId("bulk-plan")).toHaveAttribute("data-planned", "1");
  });

  it("sorts by a column in SQLite, and a second click turns the order around", async () => {
    const user = userEvent.setup();
    renderPage();
    await screen.findByTestId("row-t1", {}, { timeout: 5000 });
    await user.click(screen.getByTestId("sort-name"));
    await waitFor(() => expect(m.query).toHaveBeenLastCalledWith("cat-1", expect.objectContaining({ sort: "name", descending: false })));
    expect(screen.getByTestId("sort-name").closest("[role=columnheader]")).toHaveAttribute("aria-sort", "ascending");
    await user.click(screen.getByTestId("sort-name"));
    await waitFor(() => expect(m.query).toHaveBeenLastCalledWith("cat-1", expect.objectContaining({ sort: "name", descending: true })));
    expect(screen.getByTestId("sort-name").closest("[role=columnheader]")).toHaveAttribute("aria-sort", "descending");
    // Versions start with the newest.
    await user.click(screen.getByTestId("sort-version"));
    await waitFor(() => expect(m.query).toHaveBeenLastCalledWith("cat-1", expect.objectContaining({ sort: "version", descending: true })));
  });

  it("the table's cells are in cells: the checkbox is not placed directly in a row", async () => {
    renderPage();
    const row = await screen.findByTestId("row-t1", {}, { timeout: 5000 });
    for (const child of Array.from(row.children)) expect(child).toHaveAttribute("role", "cell");
    const header = screen.getAllByRole("row")[0]!;
    for (const child of Array.from(header.children)) expect(child).toHaveAttribute("role", "columnheader");
    expect(screen.getByTestId("inventory-table")).toHaveAttribute("role", "table");
  });

  it("exports the inventory of the current filter as CSV, every page of it", async () => {
    const user = userEvent.setup();
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    renderPage();
    await screen.findByTestId("row-t1", {}, { timeout: 5000 });
    await user.click(screen.getByTestId("installs-export"));
    await waitFor(() => expect(writeText).toHaveBeenCalled());
    expect(m.query).toHaveBeenCalledWith("cat-1", expect.objectContaining({ offset: 0, limit: 1000 }));
    const csv = writeText.mock.calls[0]![0] as string;
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe("kind,id,name,detail,state,version,archived,general channel,private channels,shared channels,error status,error code,error message,last read");
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^team,t2,Payments Team,,installed,1\.0\.1,false/);
    expect(lines[3]).toContain("403");
    expect(await screen.findByTestId("installs-notice")).toHaveTextContent("Exported 3 rows");
  });

  it("filters survive leaving the page, and 'Older than version' refuses what is not a version", async () => {
    const user = userEvent.setup();
    renderShell();
    await screen.findByTestId("row-t1", {}, { timeout: 5000 });
    await user.selectOptions(screen.getByTestId("filter-kind"), "team");
    await user.type(screen.getByTestId("filter-older"), "abc");
    expect(await screen.findByText(/"abc" is not a version/)).toBeInTheDocument();
    await new Promise((r) => setTimeout(r, 300));
    expect(m.query).not.toHaveBeenCalledWith("cat-1", expect.objectContaining({ olderThan: "abc" }));
    await user.clear(screen.getByTestId("filter-older"));
    await user.type(screen.getByTestId("filter-older"), "1.0.2");
    await waitFor(() => expect(m.query).toHaveBeenLastCalledWith("cat-1", expect.objectContaining({ olderThan: "1.0.2", kind: "team" })));
    expect(screen.queryByText(/is not a version/)).not.toBeInTheDocument();

    await user.click(screen.getByTestId("nav-toggle"));
    await user.click(screen.getByTestId("nav-toggle"));
    expect(await screen.findByTestId("filter-older")).toHaveValue("1.0.2");
    expect(screen.getByTestId("filter-kind")).toHaveValue("team");
    await waitFor(() => expect(m.query).toHaveBeenLastCalledWith("cat-1", expect.objectContaining({ olderThan: "1.0.2", kind: "team" })));
    await user.click(screen.getByTestId("filter-clear"));
    expect(screen.getByTestId("filter-older")).toHaveValue("");
  });

  it("coverage splits current from outdated; the version spread names its kinds, keeps the published row, and filters", async () => {
    const user = userEvent.setup();
    m.overview.mockResolvedValue({
      ...overview,
      publishedVersion: "1.0.3",
      versions: overview.versions,
    });
    renderPage();
    const teams = await screen.findByTestId("coverage-team");
    // 12 installed teams: 7 + 2 + 3 below 1.0.3.
    expect(teams).toHaveAttribute("data-current", "0");
    expect(teams).toHaveAttribute("data-outdated", "12");
    expect(screen.getByTestId("version-spread-kinds")).toHaveTextContent("Installations in teams and group chats, per version");
    const published = screen.getByTestId("version-1.0.3");
    expect(published).toHaveAttribute("data-count", "0");
    expect(published).toHaveTextContent("1.0.3 (published)");
    await user.click(screen.getByTestId("version-1.0.1"));
    await waitFor(() => expect(m.query).toHaveBeenLastCalledWith("cat-1", expect.objectContaining({ version: "1.0.1" })));
    expect(screen.getByTestId("version-1.0.1")).toHaveAttribute("aria-pressed", "true");
    await user.click(screen.getByTestId("version-1.0.1"));
    await waitFor(() => expect(m.query).toHaveBeenLastCalledWith("cat-1", expect.objectContaining({ version: null })));
  });

  it("the Catalog's 'Upgrade N outdated installations' opens the bulk upgrade of exactly those, planned", async () => {
    m.plan.mockResolvedValue(upgradePlan);
    function FromCatalog() {
      const { requestBulk } = useBackgroundWork();
      const [asked, setAsked] = useState(false);
      if (!asked) {
        setAsked(true);
        requestBulk({ appId: "cat-1", action: "upgrade", olderThan: "1.0.2" });
      }
      return <InstallationsPage />;
    }
    render(
      <FluentProvider theme={webLightTheme}>
        <SessionProvider>
          <BackgroundWorkProvider>
            <FromCatalog />
          </BackgroundWorkProvider>
        </SessionProvider>
      </FluentProvider>,
    );
    const drawer = await screen.findByTestId("bulk-drawer", {}, { timeout: 5000 });
    // The drawer takes the asked action as it opens (one render after it appears).
    await waitFor(() => expect(within(drawer).getByTestId("bulk-action-upgrade")).toBeChecked());
    expect(within(drawer).getByTestId("bulk-source-0")).toBeChecked();
    expect(within(drawer).getByText("Installations older than 1.0.2")).toBeInTheDocument();
    await waitFor(() =>
      expect(m.plan).toHaveBeenCalledWith("cat-1", "upgrade", { filter: expect.objectContaining({ olderThan: "1.0.2" }), ids: [] }),
    );
    expect(await within(drawer).findByTestId("bulk-plan", {}, { timeout: 5000 })).toHaveAttribute("data-planned", "2");
    expect(m.overview).toHaveBeenCalledWith("cat-1");
  });
});
