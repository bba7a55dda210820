import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { FluentProvider, webLightTheme } from "@fluentui/react-components";

vi.mock("../ipc", () => import("../test/ipcMock"));
vi.mock("../ipc/catalog", () => ({ catalogIpc: { list: vi.fn() } }));
vi.mock("../ipc/permissions", () => ({ permsIpc: { profiles: vi.fn(), cached: vi.fn() } }));

import { OverviewPage } from "./OverviewPage";
import { SessionProvider } from "../session";
import { ipc, resetIpcMock } from "../test/ipcMock";
import { appInfo, signedInSession, signedOutSession } from "../test/fixtures";
import { catalogIpc, type CatalogView } from "../ipc/catalog";
import { permsIpc } from "../ipc/permissions";
import { flashdutyProfile, report } from "../components/permissions/permsFixtures";

const view: CatalogView = {
  live: false,
  localPackage: { manifestId: "ext-1", version: "1.0.3", name: "FlashDuty" },
  apps: [
    {
      app: {
        id: "cat-1",
        externalId: "ext-1",
        displayName: "FlashDuty",
        distributionMethod: "organization",
        definitions: [{ id: "d1", version: "1.0.2", publishingState: "published", displayName: "FlashDuty", lastModified: null, requiredRsc: [] }],
      },
      distribution: "organization",
      canPublish: true,
      publishingNote: null,
      publishedVersion: "1.0.2",
      currentVersion: "1.0.2",
      visibilityWarnings: [],
      update: { catalogVersion: "1.0.2", localVersion: "1.0.3", catalogUpdateAvailable: true, installsBehind: 5, installsCurrent: 4, warnings: [] },
      installed: [
        { kind: "team", version: "1.0.2", count: 4 },
        { kind: "team", version: "1.0.0", count: 3 },
        { kind: "chat", version: "1.0.1", count: 2 },
      ],
      inventoryAgeSecs: 7200,
    },
  ],
};

const onNavigate = vi.fn();
function renderPage() {
  const user = userEvent.setup();
  render(
    <FluentProvider theme={webLightTheme}>
      <SessionProvider>
        <OverviewPage info={appInfo} onNavigate={onNavigate} />
      </SessionProvider>
    </FluentProvider>,
  );
  return user;
}

beforeEach(() => {
  resetIpcMock();
  onNavigate.mockReset();
  vi.mocked(catalogIpc.list).mockReset().mockResolvedValue(view);
  vi.mocked(permsIpc.profiles).mockReset().mockResolvedValue([flashdutyProfile]);
  const cached = report();
  cached.fromCache = true;
  cached.granted.inspectedAt = new Date(Date.now() - 3600 * 1000).toISOString();
  vi.mocked(permsIpc.cached).mockReset().mockResolvedValue(cached);
  ipc.getSession.mockResolvedValue(signedInSession);
});

describe("Overview", () => {
  it("is about the bot: catalog version, installations behind per kind, consent needed, each with its age and next step", async () => {
    const user = renderPage();
    const bot = await screen.findByTestId("overview-bot");
    // The card is drawn before the cache answers ("Reading the local cache…"): wait for its content.
    await waitFor(() => expect(bot).toHaveTextContent("Your bot: FlashDuty"));
    expect(within(bot).getByTestId("overview-update-available")).toHaveTextContent("open package 1.0.3: update available");
    await user.click(within(bot).getByTestId("overview-next-publish"));
    expect(onNavigate).toHaveBeenCalledWith("catalog");

    expect(screen.getByTestId("overview-behind-team")).toHaveTextContent("Teams: 3 of 7 behind 1.0.2");
    expect(screen.getByTestId("overview-behind-chat")).toHaveTextContent("Group chats: 2 of 2 behind");
    expect(screen.getByTestId("overview-behind-user")).toHaveTextContent("Users: none");
    expect(screen.getByTestId("overview-installs-age")).toHaveTextContent("Synced 2 h ago.");
    expect(screen.getByTestId("overview-next-installs")).toHaveTextContent("Upgrade 5 outdated installations");

    const perms = await screen.findByTestId("overview-perms-missing");
    expect(perms).toHaveTextContent("Consent needed: 1 required permission missing.");
    expect(screen.getByTestId("overview-perms-age")).toHaveTextContent("Read 1 h ago.");
    await user.click(screen.getByTestId("overview-next-permissions"));
    expect(onNavigate).toHaveBeenCalledWith("permissions");
    // Only the cache: nothing here reads the tenant.
    expect(catalogIpc.list).toHaveBeenCalledWith(false);
    expect(permsIpc.cached).toHaveBeenCalledWith(expect.objectContaining({ permProfileId: "flashduty" }));
  });

  it("an up-to-date bot says what is published and where the next update starts", async () => {
    vi.mocked(catalogIpc.list).mockResolvedValue({ ...view, localPackage: null });
    const user = renderPage();
    const state = await screen.findByTestId("overview-bot-state");
    expect(state).toHaveTextContent("1.0.2 is published and nothing is waiting for review");
    expect(screen.queryByTestId("overview-next-publish")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("overview-next-package"));
    expect(onNavigate).toHaveBeenCalledWith("package");
  });

  it("ticks off what is done in the checklist", async () => {
    renderPage();
    await screen.findByTestId("overview-perms-missing");
    expect(screen.getByTestId("check-sign-in")).toHaveAttribute("data-done", "yes");
    expect(screen.getByTestId("check-package")).toHaveAttribute("data-done", "yes");
    expect(screen.getByTestId("check-publish")).toHaveAttribute("data-done", "yes");
    // 5 installations are behind, a permission is missing: not done.
    expect(screen.getByTestId("check-install")).toHaveAttribute("data-done", "no");
    expect(screen.getByTestId("check-permissions")).toHaveAttribute("data-done", "no");
  });

  it("signed out, the Tenant card has a Sign in button and the bot card tells the truth about the cache", async () => {
    ipc.getSession.mockResolvedValue(signedOutSession);
    vi.mocked(catalogIpc.list).mockResolvedValue({ apps: [], live: false, localPackage: null });
    const user = renderPage();
    expect(await screen.findByTestId("overview-no-bot")).toHaveTextContent("the catalog has not been read on this computer");
    const signIn = await screen.findByTestId("overview-sign-in");
    await user.click(signIn);
    expect(await screen.findByTestId("sign-in-dialog")).toBeInTheDocument();
    expect(screen.getByTestId("check-sign-in")).toHaveAttribute("data-done", "no");
    // No link health is invented before the Links feature gives some.
    expect(screen.queryByText(/link health/i)).not.toBeInTheDocument();
  });

  it("never synced is not 'none installed'", async () => {
    vi.mocked(catalogIpc.list).mockResolvedValue({ ...view, apps: [{ ...view.apps[0]!, installed: [], inventoryAgeSecs: null }] });
    renderPage();
    expect(await screen.findByTestId("overview-installs-unknown")).toHaveTextContent("Not read yet");
    await waitFor(() => expect(screen.getByTestId("check-install")).toHaveAttribute("data-done", "no"));
  });
});
