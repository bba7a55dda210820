import { beforeEach, describe, expect, it, vi } from "vitest";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { FluentProvider, webLightTheme } from "@fluentui/react-components";

vi.mock("../ipc", () => import("../test/ipcMock"));
vi.mock("../ipc/catalog", () => ({
  catalogIpc: {
    list: vi.fn(),
    find: vi.fn(),
    inspect: vi.fn(),
    publish: vi.fn(),
    publishOpen: vi.fn(),
    update: vi.fn(),
    review: vi.fn(),
    withdraw: vi.fn(),
    remove: vi.fn(),
  },
}));

vi.mock("../ipc/installs", () => ({
  installsIpc: { query: vi.fn(), run: vi.fn(), cancel: vi.fn() },
}));

import { CatalogPage } from "./CatalogPage";
import { installsIpc } from "../ipc/installs";
import { BackgroundWorkProvider, useBackgroundWork } from "../work";
import { SessionProvider } from "../session";
import { ipc, resetIpcMock } from "../test/ipcMock";
import { signedInSession, signedOutSession } from "../test/fixtures";
import { catalogIpc, type CatalogView, type PackageCheck, type PublishResult } from "../ipc/catalog";

const m = vi.mocked(catalogIpc);

const view: CatalogView = {
  live: true,
  localPackage: { manifestId: "ext-1", version: "1.0.3", name: "FlashDuty" },
  apps: [
    {
      app: {
        id: "cat-1",
        externalId: "ext-1",
        displayName: "FlashDuty",
        distributionMethod: "organization",
        definitions: [
          { id: "d1", version: "1.0.1", publishingState: "published", displayName: "FlashDuty", lastModified: null, requiredRsc: [] },
          { id: "d2", version: "1.0.2", publishingState: "submitted", displayName: "FlashDuty", lastModified: null, requiredRsc: [] },
        ],
      },
      distribution: "organization",
      canPublish: true,
      publishingNote: null,
      publishedVersion: "1.0.1",
      currentVersion: "1.0.2",
      visibilityWarnings: ["Version 1.0.2 is waiting for review (submitted); it is not visible to users yet"],
      update: {
        catalogVersion: "1.0.1",
        localVersion: "1.0.3",
        catalogUpdateAvailable: true,
        installsBehind: 5,
        installsCurrent: 4,
        warnings: [],
      },
      installed: [
        { kind: "team", version: "1.0.1", count: 4 },
        { kind: "team", version: "1.0.0", count: 3 },
        { kind: "chat", version: "1.0.0", count: 2 },
      ],
      inventoryAgeSecs: 120,
    },
    {
      app: { id: "cat-2", externalId: "ext-2", displayName: "Expense Tracker", distributionMethod: "organization", definitions: [] },
      distribution: "organization",
      canPublish: true,
      publishingNote: null,
      publishedVersion: null,
      currentVersion: null,
      visibilityWarnings: [],
      update: { catalogVersion: null, localVersion: null, catalogUpdateAvailable: false, installsBehind: 0, installsCurrent: 0, warnings: [] },
      installed: [],
      inventoryAgeSecs: null,
    },
  ],
};

function renderPage() {
  return render(
    <FluentProvider theme={webLightTheme}>
      <SessionProvider>
        <BackgroundWorkProvider>
          <CatalogPage />
        </BackgroundWorkProvider>
      </SessionProvider>
    </FluentProvider>,
  );
}

type User = ReturnType<typeof userEvent.setup>;
/** Opens an app's details from the table, on one of its tabs. */
async function openApp(user: User, ext: string, tab?: "versions" | "permissions" | "installations") {
  const row = await screen.findByTestId(`catalog-row-${ext}`);
  await user.click(within(row).getByTestId("catalog-open"));
  const card = await screen.findByTestId(`catalog-app-${ext}`);
  if (tab) await user.click(within(card).getByTestId(`details-tab-${tab}`));
  return card;
}

beforeEach(() => {
  resetIpcMock();
  ipc.getSession.mockResolvedValue(signedInSession);
  for (const fn of Object.values(m)) fn.mockReset();
  m.list.mockResolvedValue(view);
  m.review.mockResolvedValue(view.apps[0]!.app);
  m.remove.mockResolvedValue(null);
  m.withdraw.mockResolvedValue(view.apps[0]!.app);
});

const zipFile = (name: string) => new File([new Uint8Array([0x50, 0x4b, 3, 4])], name, { type: "application/zip" });
const check = (manifestId: string | null, version: string | null, extra: Partial<PackageCheck> = {}): PackageCheck => ({
  manifestId,
  version,
  name: manifestId ? "FlashDuty" : null,
  errors: 0,
  warnings: 0,
  findings: [],
  ...extra,
});
const refusal = (kind: NonNullable<PublishResult["refused"]>["kind"], message: string, extra: Partial<NonNullable<PublishResult["refused"]>> = {}): PublishResult => ({
  outcome: null,
  refused: { kind, message, findings: [], catalogId: null, version: null, requestId: null, ...extra },
});

const pagerDuty: CatalogView["apps"][number] = {
  app: {
    id: "c8c302dc-4e77-4536-890d-0c2bffbef9cc",
    externalId: null,
    displayName: "PagerDuty",
    distributionMethod: "store",
    definitions: [{ id: "pd2", version: "1.2.0", publishingState: "published", displayName: "PagerDuty", lastModified: null, requiredRsc: [] }],
  },
  distribution: "store",
  canPublish: false,
  publishingNote: "This app comes from the Microsoft Teams store: its publisher releases new versions through Microsoft.",
  publishedVersion: "1.2.0",
  currentVersion: "1.2.0",
  visibilityWarnings: [],
  update: { catalogVersion: "1.2.0", localVersion: null, catalogUpdateAvailable: false, installsBehind: 0, installsCurrent: 0, warnings: [] },
  installed: [],
  inventoryAgeSecs: null,
};

describe("Catalog page", () => {
  it("offers 'Upgrade N outdated installations', which hands the bulk upgrade to the Installations page", async () => {
    const user = userEvent.setup();
    const onNavigate = vi.fn();
    let request: unknown = null;
    function Peek() {
      request = useBackgroundWork().bulkRequest;
      return null;
    }
    render(
      <FluentProvider theme={webLightTheme}>
        <SessionProvider>
          <BackgroundWorkProvider>
            <CatalogPage onNavigate={onNavigate} />
            <Peek />
          </BackgroundWorkProvider>
        </SessionProvider>
      </FluentProvider>,
    );
    // In the table, on the app's row…
    const row = await screen.findByTestId("catalog-row-ext-1");
    const offer = within(row).getByTestId("catalog-upgrade-outdated");
    expect(offer).toHaveTextContent("Upgrade 5 outdated installations");
    // Nothing installed below the published version: no offer.
    expect(within(screen.getByTestId("catalog-row-ext-2")).queryByTestId("catalog-upgrade-outdated")).not.toBeInTheDocument();
    await user.click(offer);
    expect(request).toEqual({ appId: "cat-1", action: "upgrade", olderThan: "1.0.1" });
    expect(onNavigate).toHaveBeenCalledWith("installations");
  });

  it("offers the same upgrade in the app's details, next to the installed versions", async () => {
    const user = userEvent.setup();
    const onNavigate = vi.fn();
    let request: unknown = null;
    function Peek() {
      request = useBackgroundWork().bulkRequest;
      return null;
    }
    render(
      <FluentProvider theme={webLightTheme}>
        <SessionProvider>
          <BackgroundWorkProvider>
            <CatalogPage onNavigate={onNavigate} />
            <Peek />
          </BackgroundWorkProvider>
        </SessionProvider>
      </FluentProvider>,
    );
    const card = await openApp(user, "ext-1", "installations");
    const offer = within(card).getByTestId("catalog-upgrade-outdated");
    expect(offer).toHaveAttribute("data-count", "5");
    expect(within(card).getByTestId("catalog-installs")).toHaveTextContent("5 installations below 1.0.1");
    await user.click(offer);
    expect(request).toEqual({ appId: "cat-1", action: "upgrade", olderThan: "1.0.1" });
    expect(onNavigate).toHaveBeenCalledWith("installations");
    // Expense Tracker has nothing behind (and was never synced): no offer.
    await user.click(within(card).getByTestId("catalog-back"));
    const other = await openApp(user, "ext-2", "installations");
    expect(within(other).queryByTestId("catalog-upgrade-outdated")).not.toBeInTheDocument();
  });

  it("a Teams store app says where it comes from and why publishing is not offered", async () => {
    m.list.mockResolvedValue({ ...view, apps: [...view.apps, pagerDuty] });
    renderPage();
    const user = userEvent.setup();
    // The table's Distribution column says where each app comes from.
    const row = await screen.findByTestId(`catalog-row-${pagerDuty.app.id}`);
    expect(within(row).getByTestId("catalog-distribution")).toHaveAttribute("data-distribution", "store");
    expect(within(row).getByTestId("catalog-distribution")).toHaveTextContent(/Teams store/i);
    const orgRow = screen.getByTestId("catalog-row-ext-1");
    expect(within(orgRow).getByTestId("catalog-distribution")).toHaveAttribute("data-distribution", "organization");
    expect(within(orgRow).getByTestId("catalog-distribution")).toHaveTextContent("Custom app (your org)");
    // Its details explain why publishing is not offered, and offer no delete or review.
    await user.click(within(row).getByTestId("catalog-open"));
    const card = await screen.findByTestId(`catalog-app-${pagerDuty.app.id}`);
    expect(within(card).getByTestId("catalog-distribution")).toHaveAttribute("data-distribution", "store");
    expect(within(card).getByTestId("catalog-publishing-note")).toHaveTextContent("publisher releases new versions");
    expect(within(card).queryByTestId("catalog-delete")).not.toBeInTheDocument();
    await user.click(within(card).getByTestId("details-tab-versions"));
    expect(within(card).getByTestId("definition-1.2.0")).toHaveAttribute("data-state", "published");
    expect(within(card).queryByRole("columnheader", { name: "Review" })).not.toBeInTheDocument();
    // Org apps keep their actions and say they are org catalog apps.
    await user.click(within(card).getByTestId("catalog-back"));
    const org = await openApp(user, "ext-1");
    expect(within(org).getByTestId("catalog-distribution")).toHaveTextContent("Custom app (your org)");
    expect(within(org).getByTestId("catalog-delete")).toBeInTheDocument();
    expect(within(org).queryByTestId("catalog-publishing-note")).not.toBeInTheDocument();
    await user.click(within(org).getByTestId("details-tab-versions"));
    expect(within(org).getByTestId("catalog-approve")).toBeInTheDocument();
  });

  it("a store app with a version waiting for review offers no review actions", async () => {
    const user = userEvent.setup();
    const submitted = structuredClone(pagerDuty);
    submitted.app.definitions.push({ id: "pd3", version: "1.3.0", publishingState: "submitted", displayName: "PagerDuty", lastModified: null, requiredRsc: [] });
    m.list.mockResolvedValue({ ...view, apps: [submitted] });
    renderPage();
    const card = await openApp(user, pagerDuty.app.id, "versions");
    expect(within(card).getByTestId("definition-1.3.0")).toHaveAttribute("data-state", "submitted");
    expect(within(card).queryByTestId("catalog-approve")).not.toBeInTheDocument();
    expect(within(card).queryByTestId("catalog-reject")).not.toBeInTheDocument();
    expect(within(card).queryByTestId("catalog-withdraw")).not.toBeInTheDocument();
  });

  it("the Distribution filter shows only the apps of one kind", async () => {
    const user = userEvent.setup();
    m.list.mockResolvedValue({ ...view, apps: [...view.apps, pagerDuty] });
    renderPage();
    await screen.findByTestId(`catalog-row-${pagerDuty.app.id}`);
    await user.click(screen.getByTestId("catalog-distribution-filter"));
    await user.click(await screen.findByRole("option", { name: "Teams Store apps" }));
    await waitFor(() => expect(screen.queryByTestId("catalog-row-ext-1")).not.toBeInTheDocument());
    expect(screen.getByTestId(`catalog-row-${pagerDuty.app.id}`)).toBeInTheDocument();
  });

  it("adds a Teams store app by name, then lists it", async () => {
    const user = userEvent.setup();
    m.find.mockResolvedValue({ ...view, apps: [pagerDuty] });
    renderPage();
    await screen.findByTestId("catalog-row-ext-1");
    expect(screen.getByTestId("catalog-find")).toBeDisabled();
    m.list.mockResolvedValue({ ...view, apps: [...view.apps, pagerDuty] });
    await user.type(screen.getByTestId("catalog-find-input"), "  PagerDuty {Enter}");
    await waitFor(() => expect(m.find).toHaveBeenCalledWith("PagerDuty"));
    expect(await screen.findByTestId(`catalog-row-${pagerDuty.app.id}`)).toBeInTheDocument();
    expect(screen.getByTestId("catalog-find-input")).toHaveValue("");
  });

  it("a store app that cannot be found says so and keeps what was typed", async () => {
    const user = userEvent.setup();
    m.find.mockRejectedValue({ code: "not_found", message: 'no app "Nope" in the Teams app catalog', retryable: false });
    renderPage();
    await screen.findByTestId("catalog-row-ext-1");
    await user.type(screen.getByTestId("catalog-find-input"), "Nope");
    await user.click(screen.getByTestId("catalog-find"));
    expect(await screen.findByTestId("catalog-error")).toHaveTextContent("Teams app catalog");
    expect(screen.getByTestId("catalog-find-input")).toHaveValue("Nope");
  });

  it("shows each definition's state, the visibility warning and what can be updated; finds by name", async () => {
    const user = userEvent.setup();
    renderPage();
    const card = await openApp(user, "ext-1");
    expect(within(card).getByTestId("catalog-visibility-warning")).toHaveTextContent("waiting for review");
    // The open package (Package page) vs the catalog.
    expect(within(card).getByTestId("catalog-local")).toHaveTextContent("open package 1.0.3: update available");
    await user.click(within(card).getByTestId("details-tab-versions"));
    expect(within(card).getByTestId("definition-1.0.2")).toHaveAttribute("data-state", "submitted");
    expect(within(card).getByTestId("definition-1.0.1")).toHaveAttribute("data-state", "published");
    // The installed versions per kind.
    await user.click(within(card).getByTestId("details-tab-installations"));
    expect(within(card).getByTestId("catalog-installs-team")).toHaveAttribute("data-behind", "3");
    expect(within(card).getByTestId("catalog-installs-team")).toHaveAttribute("data-current", "4");
    expect(within(card).getByTestId("catalog-installs-chat")).toHaveTextContent("Group chats: 2 behind, 0 current");
    expect(within(card).getByTestId("catalog-installs-user")).toHaveTextContent("Users: none");
    expect(within(card).getByTestId("catalog-installs")).toHaveTextContent("5 installations below 1.0.1");
    // Never synced is not "none installed".
    await user.click(within(card).getByTestId("catalog-back"));
    const other = await openApp(user, "ext-2", "installations");
    expect(within(other).getByTestId("catalog-installs-unknown")).toHaveTextContent("not known yet");
    expect(within(other).queryByTestId("catalog-installs")).not.toBeInTheDocument();
    await user.click(within(other).getByTestId("catalog-back"));
    await user.type(screen.getByTestId("catalog-search"), "expense");
    expect(screen.queryByTestId("catalog-row-ext-1")).not.toBeInTheDocument();
    expect(screen.getByTestId("catalog-row-ext-2")).toBeInTheDocument();
  });

  it("an older read that answers late never replaces a newer one", async () => {
    const user = userEvent.setup();
    const approved: CatalogView = structuredClone(view);
    approved.apps[0]!.update.catalogVersion = "1.0.2";
    approved.apps[0]!.app.definitions[1]!.publishingState = "published";
    let answerSlow: ((v: CatalogView) => void) | null = null;
    // The cache answers at once; the first read from Graph is slow, the next (after approving) quick.
    m.list.mockImplementation((refresh) => {
      if (!refresh) return Promise.resolve(view);
      if (!answerSlow) return new Promise<CatalogView>((resolve) => (answerSlow = resolve));
      return Promise.resolve(approved);
    });
    renderPage();
    const card = await openApp(userEvent.setup(), "ext-1", "versions");
    await waitFor(() => expect(answerSlow).not.toBeNull());
    // Approving while the first Graph read is still out re-reads the catalog.
    await user.click(within(card).getByTestId("catalog-approve"));
    await waitFor(() => expect(within(card).getByTestId("catalog-version")).toHaveTextContent("catalog 1.0.2"));
    await act(async () => answerSlow?.(view));
    expect(within(screen.getByTestId("catalog-app-ext-1")).getByTestId("catalog-version")).toHaveTextContent("catalog 1.0.2");
    expect(screen.getByTestId("catalog-refresh")).toBeEnabled();
  });

  it("approves a submitted definition; withdraws and deletes only after confirmation", async () => {
    const user = userEvent.setup();
    renderPage();
    const card = await openApp(user, "ext-1", "versions");
    await user.click(within(card).getByTestId("catalog-approve"));
    expect(m.review).toHaveBeenCalledWith("cat-1", "d2", true);

    await user.click(within(card).getByTestId("catalog-withdraw"));
    // 1.0.1 is published, so only the submitted 1.0.2 goes.
    expect(await screen.findByTestId("catalog-withdraw-dialog")).toHaveTextContent("the published 1.0.1 stays");
    await user.click(screen.getByTestId("catalog-withdraw-cancel"));
    await waitFor(() => expect(screen.queryByTestId("catalog-withdraw-dialog")).not.toBeInTheDocument());
    expect(m.withdraw).not.toHaveBeenCalled();
    await user.click(within(card).getByTestId("catalog-withdraw"));
    await user.click(await screen.findByTestId("catalog-withdraw-confirm"));
    await waitFor(() => expect(m.withdraw).toHaveBeenCalledWith("cat-1", "d2"));

    await user.click(within(card).getByTestId("catalog-delete"));
    expect(await screen.findByTestId("catalog-delete-dialog")).toBeInTheDocument();
    await user.click(screen.getByTestId("catalog-delete-cancel"));
    expect(m.remove).not.toHaveBeenCalled();
    await user.click(within(card).getByTestId("catalog-delete"));
    await user.click(await screen.findByTestId("catalog-delete-confirm"));
    await waitFor(() => expect(m.remove).toHaveBeenCalledWith("cat-1"));
    // Three dialogs opened and closed: longer than 30 s on a loaded 2-core machine.
  }, 90_000);

  it("warns that withdrawing an app with nothing published removes it from the catalog", async () => {
    const user = userEvent.setup();
    const onlySubmitted = structuredClone(view);
    onlySubmitted.apps[0]!.app.definitions = [onlySubmitted.apps[0]!.app.definitions[1]!];
    onlySubmitted.apps[0]!.publishedVersion = null;
    m.list.mockResolvedValue(onlySubmitted);
    renderPage();
    const card = await openApp(user, "ext-1", "versions");
    await user.click(within(card).getByTestId("catalog-withdraw"));
    expect(await screen.findByTestId("catalog-withdraw-dialog")).toHaveTextContent("removes the app from the org catalog");
  });

  it("a chosen zip of an app in the catalog with a greater version is offered as its update", async () => {
    const user = userEvent.setup();
    m.inspect.mockResolvedValueOnce(check("EXT-1", "1.0.3"));
    m.update.mockResolvedValueOnce({
      outcome: {
        kind: "updated",
        app: view.apps[0]!.app,
        version: "1.0.3",
        publishingState: "published",
        requestId: "req-1",
        findings: [],
        warnings: [],
      },
      refused: null,
    });
    renderPage();
    const card = await openApp(user, "ext-1");
    const file = zipFile("FlashDuty-v1.0.3.zip");
    await user.upload(screen.getByTestId("catalog-file"), file);
    expect(m.inspect).toHaveBeenCalledWith(file);
    const target = await screen.findByTestId("catalog-target");
    expect(target).toHaveAttribute("data-kind", "update");
    expect(target).toHaveTextContent("Update available: FlashDuty is at 1.0.2 in the catalog; this chosen zip is 1.0.3");
    expect(within(card).getByTestId("catalog-local")).toHaveTextContent("chosen zip 1.0.3: update available");
    expect(screen.getByTestId("catalog-check")).toHaveTextContent("0 errors, 0 warnings");
    await user.click(screen.getByTestId("catalog-publish-send"));
    // Straight to the update: no "already in the catalog" round trip.
    expect(m.update).toHaveBeenCalledWith("cat-1", file, { review: false });
    expect(m.publish).not.toHaveBeenCalled();
    expect(await screen.findByTestId("catalog-published")).toHaveTextContent("FlashDuty 1.0.3 is published");
  });

  it("a chosen zip with a version that is not greater is flagged and cannot be sent, with the reason next to the button", async () => {
    const user = userEvent.setup();
    m.inspect.mockResolvedValueOnce(check("ext-1", "1.0.1"));
    m.inspect.mockResolvedValueOnce(check("ext-1", "1.0.2"));
    renderPage();
    const card = await openApp(user, "ext-1");
    await user.upload(screen.getByTestId("catalog-file"), zipFile("old.zip"));
    const target = await screen.findByTestId("catalog-target");
    expect(target).toHaveAttribute("data-kind", "not-greater");
    expect(target).toHaveTextContent("1.0.1 is not greater than 1.0.2, FlashDuty's version in the catalog");
    expect(within(card).getByTestId("catalog-local")).toHaveTextContent("chosen zip 1.0.1: older than the catalog's 1.0.2");
    // The page knows the catalog refuses it: disabled, and the reason is next to it.
    expect(screen.getByTestId("catalog-publish-send")).toBeDisabled();
    expect(screen.getByTestId("catalog-publish-blocker")).toHaveTextContent("1.0.1 is lower than the catalog's 1.0.2");
    expect(screen.getByTestId("catalog-publish-send")).toHaveAttribute("aria-describedby", "catalog-publish-blocker");

    // The catalog's own version — here a submission under review: "already there", not "older".
    await user.upload(screen.getByTestId("catalog-file"), zipFile("same.zip"));
    await waitFor(() =>
      expect(screen.getByTestId("catalog-target")).toHaveTextContent("FlashDuty 1.0.2 is in the catalog already, waiting for review"),
    );
    expect(screen.getByTestId("catalog-target")).toHaveAttribute("data-kind", "not-greater");
    expect(within(card).getByTestId("catalog-local")).toHaveTextContent("chosen zip 1.0.2: submitted, waiting for review");
    expect(screen.getByTestId("catalog-publish-blocker")).toHaveTextContent("bump the version");
    expect(screen.getByTestId("catalog-publish-send")).toBeDisabled();
    expect(m.update).not.toHaveBeenCalled();
  });

  it("a zip that cannot be read shows its findings; a refused read leaves nothing chosen", async () => {
    const user = userEvent.setup();
    m.inspect.mockResolvedValueOnce(
      check(null, null, {
        errors: 1,
        findings: [{ code: "BD-ZIP-001", severity: "error", file: "", path: "", message: "not a readable zip archive", hint: "", line: null, column: null }],
      }),
    );
    m.inspect.mockRejectedValueOnce({ code: "invalid_input", message: "huge.zip is 17.0 MiB; a Teams app package is at most 16 MiB.", retryable: false });
    renderPage();
    await openApp(user, "ext-1");
    await user.upload(screen.getByTestId("catalog-file"), zipFile("notes.zip"));
    expect(await screen.findByTestId("catalog-check")).toHaveTextContent("1 error,");
    expect(screen.getByTestId("catalog-findings")).toHaveTextContent("not a readable zip archive");
    expect(screen.queryByTestId("catalog-target")).not.toBeInTheDocument();
    expect(screen.getByTestId("catalog-publish-send")).toBeDisabled();
    expect(screen.getByTestId("catalog-publish-blocker")).toHaveTextContent("The package has 1 error: fix it in the Package page first.");
    expect(within(screen.getByTestId("catalog-app-ext-1")).queryByTestId("catalog-local")).toHaveTextContent("open package 1.0.3");

    await user.upload(screen.getByTestId("catalog-file"), zipFile("huge.zip"));
    expect(await screen.findByTestId("catalog-error")).toHaveTextContent("at most 16 MiB");
    expect(screen.getByTestId("catalog-candidate")).toHaveAttribute("data-source", "none");
    expect(screen.getByTestId("catalog-publish-send")).toBeDisabled();
  });

  it("publishes the Package page's open package as an update of its catalog app", async () => {
    const user = userEvent.setup();
    m.publishOpen.mockResolvedValueOnce(refusal("invalid_package", "the package has 1 error(s); fix them before publishing"));
    renderPage();
    await screen.findByTestId("catalog-row-ext-1");
    await user.click(screen.getByTestId("catalog-use-open-package"));
    expect(screen.getByTestId("catalog-candidate")).toHaveTextContent("Open package: FlashDuty 1.0.3");
    expect(screen.getByTestId("catalog-target")).toHaveAttribute("data-kind", "update");
    await user.click(screen.getByTestId("catalog-review-flag"));
    await user.click(screen.getByTestId("catalog-publish-send"));
    expect(m.publishOpen).toHaveBeenCalledWith("cat-1", { review: true });
    expect(await screen.findByTestId("catalog-refused")).toHaveAttribute("data-kind", "invalid_package");
  });

  it("a new app is published; a stale list's 'already there' offers the update, and Graph's findings sit next to BotDeck's", async () => {
    const user = userEvent.setup();
    m.inspect.mockResolvedValueOnce(
      check("ext-9", "1.0.0", {
        warnings: 1,
        findings: [{ code: "BD-DESC-001", severity: "warning", file: "manifest.json", path: "/description/full", message: "The full description is short", hint: "", line: null, column: null }],
      }),
    );
    m.publish.mockResolvedValueOnce(refusal("already_in_catalog", "Helpdesk is already in the catalog at 0.9.0", { catalogId: "cat-9", version: "0.9.0" }));
    m.update.mockResolvedValueOnce(
      refusal("manifest_rejected", "Microsoft's catalog refused the manifest (1 problem(s))", {
        findings: [{ code: "graph.InvalidVersion", severity: "error", file: "manifest.json", path: "/version", message: "Version is invalid", hint: "", line: null, column: null }],
        requestId: "req-9",
      }),
    );
    renderPage();
    await screen.findByTestId("catalog-row-ext-1");
    const file = zipFile("Helpdesk.zip");
    await user.upload(screen.getByTestId("catalog-file"), file);
    expect(await screen.findByTestId("catalog-target")).toHaveAttribute("data-kind", "new");
    expect(screen.getByTestId("catalog-publish-send")).toHaveTextContent("Publish as a new app");
    await user.click(screen.getByTestId("catalog-publish-send"));
    expect(m.publish).toHaveBeenCalledWith(file, { review: false });
    expect(await screen.findByTestId("catalog-refused")).toHaveAttribute("data-kind", "already_in_catalog");
    await user.click(screen.getByTestId("catalog-update-instead"));
    expect(m.update).toHaveBeenCalledWith("cat-9", file, { review: false });
    await waitFor(() => expect(screen.getByTestId("catalog-refused")).toHaveAttribute("data-kind", "manifest_rejected"));
    const findings = screen.getByTestId("catalog-findings");
    expect(findings).toHaveTextContent("Version is invalid");
    expect(findings).toHaveTextContent("graph.InvalidVersion at manifest.json/version");
    expect(findings.querySelector('[data-source="graph"]')).not.toBeNull();
    expect(findings.querySelector('[data-source="local"]')).toHaveTextContent("The full description is short");
    expect(screen.getByTestId("catalog-refused")).toHaveTextContent("request-id req-9");
  });

  it("asks to sign in again for publishing when consent is missing, then repeats the change", async () => {
    const user = userEvent.setup();
    m.review.mockRejectedValueOnce({ code: "consent_required", message: "sign in again to grant AppCatalog.ReadWrite.All", retryable: false });
    let finish: (v: unknown) => void = () => {};
    ipc.signInDeviceCode.mockImplementation(
      () =>
        new Promise((resolve) => {
          finish = resolve;
        }),
    );
    renderPage();
    const card = await openApp(user, "ext-1", "versions");
    await user.click(within(card).getByTestId("catalog-reject"));
    expect(await screen.findByTestId("consent-needed")).toHaveTextContent("Sign in again to allow publishing");
    expect(m.review).toHaveBeenCalledTimes(1);
    await user.click(screen.getByTestId("consent-sign-in"));
    await user.click(await screen.findByTestId("sign-in-start"));
    // An update step asks for the whole update by default (SignInScope.test.tsx).
    expect(ipc.signInDeviceCode).toHaveBeenCalledWith("p-demo", "update_bot", expect.any(Function));
    finish(signedInSession);
    await waitFor(() => expect(m.review).toHaveBeenCalledTimes(2));
    expect(m.review).toHaveBeenLastCalledWith("cat-1", "d2", false);
    await waitFor(() => expect(screen.queryByTestId("consent-needed")).not.toBeInTheDocument());
  });

  it("lists the catalog as a table sortable by every column", async () => {
    const user = userEvent.setup();
    renderPage();
    await screen.findByTestId("catalog-table");
    const names = () => screen.getAllByTestId(/^catalog-row-ext-/).map((r) => r.getAttribute("data-name"));
    expect(names()).toEqual(["Expense Tracker", "FlashDuty"]);
    await user.click(screen.getByTestId("catalog-sort-name"));
    expect(names()).toEqual(["FlashDuty", "Expense Tracker"]);
    expect(screen.getByTestId("catalog-sort-name")).toHaveAttribute("aria-sort", "descending");
    await user.click(screen.getByTestId("catalog-sort-version"));
    // Expense Tracker has no version: it sorts first ascending.
    expect(names()).toEqual(["Expense Tracker", "FlashDuty"]);
    const flash = screen.getByTestId("catalog-row-ext-1");
    expect(within(flash).getByTestId("catalog-row-version")).toHaveTextContent("1.0.2");
    expect(within(flash).getByTestId("catalog-row-state")).toHaveTextContent("Submitted, waiting for review");
    expect(flash).toHaveTextContent("Your organization");
    expect(flash).toHaveTextContent("Custom app (your org)");
  });

  it("an empty filter result says so and offers Clear filters", async () => {
    const user = userEvent.setup();
    renderPage();
    await screen.findByTestId("catalog-table");
    await user.type(screen.getByTestId("catalog-search"), "pagerduty");
    const empty = screen.getByTestId("catalog-empty");
    expect(empty).toHaveAttribute("data-reason", "filtered");
    expect(empty).toHaveTextContent("No app matches these filters.");
    await user.click(screen.getByTestId("catalog-clear-filters"));
    expect(screen.getByTestId("catalog-search")).toHaveValue("");
    expect(screen.getAllByTestId(/^catalog-row-ext-/)).toHaveLength(2);
  });

  it("signed out with nothing cached, it says the catalog has not been read yet", async () => {
    ipc.getSession.mockResolvedValue(signedOutSession);
    m.list.mockResolvedValue({ apps: [], live: false, localPackage: null });
    renderPage();
    const empty = await screen.findByTestId("catalog-empty");
    expect(empty).toHaveAttribute("data-reason", "never-read");
    expect(empty).toHaveTextContent("has not been read yet");
    expect(empty).not.toHaveTextContent("No org apps");
    expect(m.list).toHaveBeenCalledWith(false);
    expect(m.list).not.toHaveBeenCalledWith(true);
  });

  it("explains availability on the app's page and links to it in the Teams admin center", async () => {
    const user = userEvent.setup();
    renderPage();
    const card = await openApp(user, "ext-1");
    const note = within(card).getByTestId("catalog-availability");
    expect(note).toHaveTextContent("Microsoft Graph has no API for it");
    expect(note).toHaveTextContent("take hours to reach Teams clients");
    expect(note).toHaveTextContent("“Blocked”");
    await user.click(within(note).getByTestId("catalog-open-admin-center"));
    expect(ipc.openExternal).toHaveBeenCalledWith("https://admin.teams.microsoft.com/policies/manage-apps/cat-1");
  });

  it("signed out, the package is checked locally first and a sign-in is asked only when the checks pass", async () => {
    const user = userEvent.setup();
    ipc.getSession.mockResolvedValue({ ...signedOutSession });
    m.list.mockResolvedValue({ ...view, live: false });
    m.inspect.mockResolvedValueOnce(check("ext-1", "1.0.3", { errors: 2 }));
    m.inspect.mockResolvedValueOnce(check("ext-1", "1.0.3"));
    renderPage();
    await screen.findByTestId("catalog-row-ext-1");
    await user.upload(screen.getByTestId("catalog-file"), zipFile("broken.zip"));
    await waitFor(() => expect(screen.getByTestId("catalog-publish-blocker")).toHaveTextContent("2 errors"));
    expect(screen.getByTestId("catalog-publish-send")).toBeDisabled();
    expect(screen.getByTestId("catalog-publish-send")).toHaveTextContent("Publish");
    await user.upload(screen.getByTestId("catalog-file"), zipFile("good.zip"));
    await waitFor(() => expect(screen.getByTestId("catalog-publish-send")).toHaveTextContent("Sign in to publish"));
    expect(screen.queryByTestId("catalog-publish-blocker")).not.toBeInTheDocument();
    expect(screen.getByTestId("catalog-publish-send")).toBeEnabled();
  });

  it("adds the app to one team from its page, and Escape closes the dialog back to its button", async () => {
    const user = userEvent.setup();
    const q = vi.mocked(installsIpc.query);
    const run = vi.mocked(installsIpc.run);
    q.mockResolvedValue({
      rows: [
        {
          kind: "team", id: "t-ops", displayName: "Ops", detail: null, archived: false, visibility: null, generalChannel: null,
          privateChannels: null, sharedChannels: null, state: "not_installed", installationId: null, version: null,
          errorStatus: null, errorCode: null, errorMessage: null, checkedAt: null,
        },
      ],
      total: 1,
    } as never);
    run.mockResolvedValue({
      runId: "r1", action: "install", appName: "FlashDuty", status: "completed", createdAt: "", finishedAt: "",
      total: 1, succeeded: 1, alreadyDone: 0, failed: 0, pending: 0, cancelRequested: false,
    });
    renderPage();
    const card = await openApp(user, "ext-1");
    const opener = within(card).getByTestId("catalog-add-to-team");
    await user.click(opener);
    expect(await screen.findByTestId("add-to-team-dialog")).toBeInTheDocument();
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("add-to-team-dialog")).not.toBeInTheDocument());
    await waitFor(() => expect(opener).toHaveFocus());

    await user.click(opener);
    await user.click(await screen.findByTestId("add-to-team-t-ops"));
    await user.click(screen.getByTestId("add-to-team-send"));
    expect(run).toHaveBeenCalledWith("cat-1", "install", { filter: null, ids: [{ kind: "team", id: "t-ops" }] }, expect.any(Function));
    expect(q).toHaveBeenCalledWith("cat-1", expect.objectContaining({ kind: "team", state: "not_installed" }));
    expect(await screen.findByTestId("add-to-team-done")).toHaveTextContent("FlashDuty 1.0.1 is in Ops");
  });
});

describe("installsBehind", () => {
  it("leaves out installations in archived teams: Teams refuses to upgrade them", async () => {
    const { installsBehind } = await import("../components/catalog/CatalogTable");
    const app = view.apps[0]!;
    expect(installsBehind(app)).toBe(5);
    const withArchived = {
      ...app,
      installed: [
        { kind: "team" as const, version: "1.0.1", count: 4 },
        { kind: "team" as const, version: "1.0.0", count: 3, archived: 1 },
        { kind: "chat" as const, version: "1.0.0", count: 2 },
      ],
    };
    expect(installsBehind(withArchived)).toBe(4);
  });
});
