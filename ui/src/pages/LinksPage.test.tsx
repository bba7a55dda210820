import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { FluentProvider, webDarkTheme, webLightTheme } from "@fluentui/react-components";

vi.mock("../ipc", () => import("../test/ipcMock"));
const { linksIpc } = vi.hoisted(() => ({
  linksIpc: {
    overview: vi.fn(),
    add: vi.fn(),
    confirm: vi.fn(),
    evidence: vi.fn(),
    health: vi.fn(),
    remove: vi.fn(),
    disconnect: vi.fn(),
    reach: vi.fn(),
    fix: vi.fn(),
    exportLinks: vi.fn(),
    importLinks: vi.fn(),
    saveVendor: vi.fn(),
    targets: vi.fn(),
  },
}));
vi.mock("../ipc/links", () => ({ linksIpc }));
const { installsIpc } = vi.hoisted(() => ({ installsIpc: { sync: vi.fn(), cancel: vi.fn() } }));
vi.mock("../ipc/installs", () => ({ installsIpc }));

import { LinksPage } from "./LinksPage";
import { SessionProvider } from "../session";
import { ipc, resetIpcMock } from "../test/ipcMock";
import { signedInSession } from "../test/fixtures";
import type { Link, LinksOverview, LinkPreparedTarget, LinkTargetChoice, LinkTargetChoices, VendorProfile } from "../ipc/links";
import type { RunProgress } from "../ipc/installs";
import { LinkHealthCard } from "../components/links/LinkHealthCard";

const flashduty: VendorProfile = {
  id: "flashduty",
  name: "FlashDuty",
  botName: "FlashDuty",
  integrationLabel: "Integration ID",
  targets: ["team", "chat", "user"],
  channelKinds: [],
  commands: { team: "@{bot} linkTeam {id}", channel: null, chat: "@{bot} linkChat {id} {chatName}", user: "linkUser" },
  unlink: { team: null, channel: null, chat: null, user: null },
  unlinkNote: 'FlashDuty has no unlink command (cancelling an association is "Currently not supported").',
  replies: { success: ["Associated successfully"], failure: ["Failed:"], pending: ["Associate Now"] },
};

const integration = {
  id: "i1",
  vendor: "flashduty",
  account: "contoso",
  externalId: "fd-int-1001",
  name: "Production alerts",
  appId: "11111111-1111-4111-8111-111111111111",
  createdAt: "2026-01-01T00:00:00Z",
  createdBy: "megan@contoso.onmicrosoft.com",
};

function link(over: Partial<Link>): Link {
  return {
    id: "l1",
    integration,
    kind: "team",
    teamId: "t1",
    teamName: "Incident Response",
    channelId: "c1",
    channelName: "General",
    chatId: null,
    userId: null,
    targetName: "Incident Response",
    viaTeamId: null,
    state: "linked",
    problem: null,
    problemDetail: null,
    fix: null,
    evidence: { kind: "reply_seen", at: "2026-01-02T00:00:00Z", by: "FlashDuty", detail: "Associated successfully" },
    command: "@FlashDuty linkTeam fd-int-1001",
    commandAt: "2026-01-01T00:00:00Z",
    createdAt: "2026-01-01T00:00:00Z",
    createdBy: "megan",
    updatedAt: "2026-01-01T00:00:00Z",
    updatedBy: "megan",
    checkedAt: null,
    ...over,
  };
}

const overview: LinksOverview = {
  vendors: [flashduty],
  integrations: [integration],
  links: [
    link({}),
    link({ id: "l2", teamId: "t2", teamName: "SRE On-Call", targetName: "SRE On-Call", state: "awaiting", evidence: null }),
    link({
      id: "l3",
      teamId: "t3",
      teamName: "Database Admins",
      targetName: "Database Admins",
      state: "broken",
      problem: "bot_not_installed",
      problemDetail: "FlashDuty is not installed in Database Admins",
      fix: "install",
      evidence: null,
    }),
    link({ id: "l4", kind: "user", teamId: null, teamName: null, channelId: null, userId: "u1", targetName: "Adele Vance", state: "awaiting", evidence: null }),
  ],
  counts: { planned: 0, awaiting: 2, linked: 1, broken: 1, unlinked: 0 },
  apps: [
    {
      id: integration.appId ?? "",
      externalId: "9f3e2a1b-6c4d-4e8f-a0b1-c2d3e4f5a6b7",
      displayName: "FlashDuty",
      distributionMethod: "organization",
      definitions: [],
    },
  ],
};

const syncInfo = {
  appId: integration.appId ?? "",
  appName: "FlashDuty",
  kinds: ["team", "chat", "user"],
  status: "completed",
  startedAt: "2026-01-01T00:00:00Z",
  finishedAt: "2026-01-01T00:01:00Z",
} as unknown as LinkTargetChoices["sync"];

function choice(over: Partial<LinkTargetChoice>): LinkTargetChoice {
  return {
    kind: "team",
    teamId: null,
    channelId: null,
    chatId: null,
    userId: null,
    name: "",
    detail: null,
    botState: "installed",
    botVersion: "1.0.2",
    archived: false,
    membership: null,
    ...over,
  };
}

function renderPage(theme = webLightTheme) {
  const user = userEvent.setup();
  render(
    <FluentProvider theme={theme}>
      <SessionProvider>
        <LinksPage />
      </SessionProvider>
    </FluentProvider>,
  );
  return user;
}

beforeEach(() => {
  resetIpcMock();
  ipc.getSession.mockResolvedValue(signedInSession);
  for (const fn of Object.values(linksIpc)) fn.mockReset();
  for (const fn of Object.values(installsIpc)) fn.mockReset();
  linksIpc.overview.mockResolvedValue(overview);
  linksIpc.targets.mockResolvedValue({ choices: [], total: 0, sync: syncInfo });
  sessionStorage.clear();
});

describe("Links page", () => {
  it("shows the health picture, the map and every link with its reason and fix", async () => {
    renderPage();
    expect(await screen.findByTestId("links-health")).toBeInTheDocument();
    expect(within(screen.getByTestId("count-linked")).getByText("1")).toBeInTheDocument();
    expect(within(screen.getByTestId("count-broken")).getByText("1")).toBeInTheDocument();
    expect(screen.getByRole("img", { name: /1 linked, 2 awaiting, 1 broken/ })).toBeInTheDocument();
    expect(within(screen.getByTestId("links-map")).getByText(/team · Database Admins/)).toBeInTheDocument();
    const rows = screen.getAllByTestId("link-row");
    expect(rows).toHaveLength(4);
    const broken = rows.find((r) => r.dataset.state === "broken");
    expect(broken).toBeDefined();
    expect(within(broken!).getByTestId("link-problem")).toHaveTextContent("not installed in Database Admins — fix: install the bot here");
    expect(within(broken!).getByTestId("link-fix")).toHaveTextContent("Install here");
    expect(within(rows[0]!).getByText(/Bot's reply seen at/)).toBeInTheDocument();
  });

  it("filters by text and state, and groups by team or user", async () => {
    const user = renderPage();
    await screen.findByTestId("links-health");
    await user.type(screen.getByTestId("links-search"), "sre");
    expect(screen.getAllByTestId("link-row")).toHaveLength(1);
    await user.clear(screen.getByTestId("links-search"));
    await user.selectOptions(screen.getByTestId("links-state-filter"), "awaiting");
    expect(screen.getAllByTestId("link-row")).toHaveLength(2);
    await user.selectOptions(screen.getByTestId("links-state-filter"), "");
    await user.click(screen.getByRole("tab", { name: "By user" }));
    expect(screen.getAllByTestId("link-row")).toHaveLength(1);
    await user.click(screen.getByRole("tab", { name: "By team" }));
    expect(screen.getAllByTestId("links-group")).toHaveLength(3);
  });

  it("the wizard checks, names what blocks a target, and gives the exact command with a copy button and a deep link", async () => {
    const blocked: LinkPreparedTarget = {
      kind: "team",
      targetName: "Web Frontend",
      teamName: "Web Frontend",
      findings: [{ problem: "bot_not_installed", message: "FlashDuty is not installed in Web Frontend", fix: "install", fixHint: "Install the bot in the team (here, through a bulk run)." }],
      command: "@FlashDuty linkTeam fd-int-1001",
      deepLink: null,
      whereToType: "the General channel of Web Frontend",
      link: null,
      error: null,
    };
    const ready: LinkPreparedTarget = {
      ...blocked,
      targetName: "Incident Response",
      findings: [],
      deepLink: "https://teams.microsoft.com/l/channel/19%3Ageneral/General",
      whereToType: "the General channel of Incident Response (@mention FlashDuty)",
    };
    linksIpc.add.mockResolvedValueOnce({ integration, targets: [blocked] }).mockResolvedValueOnce({ integration, targets: [ready] });
    const user = renderPage();
    await user.click(await screen.findByTestId("link-wizard-open"));
    const wizard = await screen.findByTestId("link-wizard");
    await user.click(within(wizard).getByTestId("wizard-link"));
    expect(within(wizard).getByTestId("wizard-error")).toHaveTextContent("Enter the Integration ID");
    expect(linksIpc.add).not.toHaveBeenCalled();
    await user.type(within(wizard).getByTestId("wizard-external-id"), "fd-int-1001");
    await user.click(within(wizard).getByTestId("wizard-by-id"));
    await user.click(within(wizard).getByTestId("wizard-add-target"));
    expect(within(wizard).getByTestId("wizard-error")).toHaveTextContent("Enter the team id");
    await user.type(within(wizard).getByTestId("wizard-target-id"), "t9");
    await user.click(within(wizard).getByTestId("wizard-add-target"));
    await user.click(within(wizard).getByTestId("wizard-check"));
    expect(linksIpc.add).toHaveBeenLastCalledWith(expect.objectContaining({ vendor: "flashduty", externalId: "fd-int-1001", appId: integration.appId, dryRun: true, targets: [expect.objectContaining({ kind: "team", teamId: "t9" })] }));
    expect(await within(wizard).findByTestId("wizard-findings")).toHaveTextContent("not installed in Web Frontend");
    expect(within(wizard).getByTestId("wizard-fix")).toBeInTheDocument();
    expect(within(wizard).queryByTestId("wizard-command")).not.toBeInTheDocument();
    await user.click(within(wizard).getByTestId("wizard-link"));
    expect(await within(wizard).findByTestId("wizard-command")).toHaveTextContent("@FlashDuty linkTeam fd-int-1001");
    expect(within(wizard).getByText(/never reaches the bot/)).toBeInTheDocument();
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    await user.click(within(wizard).getByTestId("wizard-copy"));
    expect(writeText).toHaveBeenCalledWith("@FlashDuty linkTeam fd-int-1001");
    await user.click(within(wizard).getByTestId("wizard-open-teams"));
    expect(ipc.openExternal).toHaveBeenCalledWith(ready.deepLink);
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("link-wizard")).not.toBeInTheDocument());
  });

  it("asks to sign in again when reading replies needs the message permissions", async () => {
    linksIpc.evidence.mockRejectedValue({ code: "consent_required", message: "sign in again", retryable: false });
    const user = renderPage();
    await user.click(await screen.findByTestId("links-evidence"));
    const prompt = await screen.findByTestId("consent-needed");
    expect(prompt).toHaveAttribute("data-feature", "check_link_evidence");
    expect(prompt).toHaveTextContent("ChannelMessage.Read.All");
    expect(linksIpc.evidence).toHaveBeenCalledWith(["l2"]);
  });

  it("unlinking says plainly when the vendor has no unlink command, and Escape closes the dialog", async () => {
    linksIpc.remove.mockResolvedValue({ advice: [{ linkId: "l1", targetName: "Incident Response", vendorCommand: null, note: flashduty.unlinkNote }], removal: null });
    const user = renderPage();
    const rows = await screen.findAllByTestId("link-row");
    await user.click(within(rows[0]!).getByTestId("link-unlink"));
    const dialog = await screen.findByTestId("unlink-dialog");
    await user.click(within(dialog).getByTestId("unlink-remove-bot"));
    await user.click(within(dialog).getByTestId("unlink-confirm"));
    expect(linksIpc.remove).toHaveBeenCalledWith(["l1"], true);
    expect(await within(dialog).findByTestId("unlink-advice")).toHaveTextContent("Currently not supported");
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("unlink-dialog")).not.toBeInTheDocument());
  });

  it("Escape closes the link wizard wherever focus is, and focus goes back to the button that opened it", async () => {
    const user = renderPage();
    const opener = await screen.findByTestId("link-wizard-open");
    await user.click(opener);
    await screen.findByTestId("link-wizard");
    // Focus lost to the page (as after a sign-in dialog opened from the wizard closes).
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("link-wizard")).not.toBeInTheDocument());
    await waitFor(() => expect(document.activeElement).toBe(opener));
  });

  it("import reports bad rows with their line numbers", async () => {
    linksIpc.importLinks.mockResolvedValue({ rows: 3, imported: 0, refused: true, problems: [{ line: 3, message: "kind \"planet\": expected team, channel, chat or user" }] });
    const user = renderPage(webDarkTheme);
    await user.click(await screen.findByTestId("links-import-open"));
    const dialog = await screen.findByTestId("import-dialog");
    await user.type(within(dialog).getByTestId("import-text"), "vendor,integrationId,kind");
    await user.click(within(dialog).getByTestId("import-run"));
    expect(await within(dialog).findByTestId("import-problem")).toHaveTextContent("Line 3: kind \"planet\"");
    expect(within(dialog).getByTestId("import-report")).toHaveTextContent("Nothing imported");
    expect(linksIpc.importLinks).toHaveBeenCalledWith("csv", "vendor,integrationId,kind", false);
  });

  it("the wizard picks several targets from the inventory, checks them and upgrades the bot on those that need it", async () => {
    linksIpc.targets.mockImplementation(async (_app: string, kind: string) => ({
      choices:
        kind === "team"
          ? [choice({ teamId: "t1", channelId: "g1", name: "Platform Engineering" }), choice({ teamId: "t2", name: "Mobile Apps", botVersion: "1.0.0" })]
          : [],
      total: 2,
      sync: syncInfo,
    }));
    const outdated = (name: string): LinkPreparedTarget => ({
      kind: "team",
      targetName: name,
      teamName: name,
      findings: [{ problem: "bot_outdated", message: `FlashDuty is at 1.0.2 in ${name}`, fix: "upgrade", fixHint: "Upgrade the installation to the published version (here)." }],
      command: null,
      deepLink: null,
      whereToType: "",
      link: null,
      error: null,
    });
    linksIpc.add.mockResolvedValue({ integration, targets: [outdated("Platform Engineering"), outdated("Mobile Apps")] });
    linksIpc.fix.mockRejectedValueOnce({ code: "consent_required", message: "sign in again", retryable: false });
    const user = renderPage();
    await user.click(await screen.findByTestId("link-wizard-open"));
    const wizard = await screen.findByTestId("link-wizard");
    await user.type(within(wizard).getByTestId("wizard-external-id"), "fd-int-1001");
    const ticks = await within(wizard).findAllByTestId("picker-tick");
    expect(linksIpc.targets).toHaveBeenCalledWith(integration.appId, "team", undefined, null);
    expect(within(wizard).getAllByTestId("picker-choice")[1]).toHaveTextContent("bot 1.0.0");
    await user.click(ticks[0]!);
    await user.click(ticks[1]!);
    await user.click(within(wizard).getByTestId("picker-add"));
    expect(within(wizard).getAllByTestId("wizard-target")).toHaveLength(2);
    // The same team is not added twice.
    expect(within(wizard).getAllByTestId("picker-tick")[0]).toBeDisabled();
    await user.click(within(wizard).getByTestId("wizard-check"));
    expect(linksIpc.add).toHaveBeenLastCalledWith(
      expect.objectContaining({
        dryRun: true,
        targets: [expect.objectContaining({ kind: "team", teamId: "t1", name: "Platform Engineering" }), expect.objectContaining({ teamId: "t2" })],
      }),
    );
    await user.click(await within(wizard).findByTestId("wizard-fix-all"));
    // Installing asks for its own permissions only now; the prompt sits in the wizard.
    expect(await within(wizard).findByTestId("consent-needed")).toHaveAttribute("data-feature", "install");
    linksIpc.fix.mockResolvedValueOnce([]);
    await user.click(within(wizard).getByTestId("wizard-fix-all"));
    await waitFor(() => expect(linksIpc.fix).toHaveBeenCalledTimes(2));
    expect(linksIpc.fix.mock.calls[1]![1]).toEqual([expect.objectContaining({ teamId: "t1" }), expect.objectContaining({ teamId: "t2" })]);
    // Checked again after the upgrade.
    await waitFor(() => expect(linksIpc.add).toHaveBeenCalledTimes(2));
  });

  it("the picker lists a team's channels with their kind, and every member of a team", async () => {
    const pager: VendorProfile = { ...flashduty, id: "pagerduty", name: "PagerDuty", botName: "FlashDuty", targets: ["channel", "user"], channelKinds: ["standard"] };
    linksIpc.overview.mockResolvedValue({ ...overview, vendors: [pager] });
    linksIpc.targets.mockImplementation(async (_app: string, kind: string, _text?: string, team?: string | null) => ({
      choices:
        kind === "channel"
          ? [
              choice({ kind: "channel", teamId: team ?? "", channelId: "c1", name: "General", membership: "standard", botState: null }),
              choice({ kind: "channel", teamId: team ?? "", channelId: "c2", name: "Chargebacks", membership: "private", botState: null }),
            ]
          : [choice({ teamId: "t4", name: "Payments Team" })],
      total: 2,
      sync: syncInfo,
    }));
    const user = renderPage();
    await user.click(await screen.findByTestId("link-wizard-open"));
    const wizard = await screen.findByTestId("link-wizard");
    expect(within(wizard).getByTestId("picker-kind")).toHaveValue("channel");
    await user.click(await within(wizard).findByTestId("picker-team"));
    await waitFor(() => expect(linksIpc.targets).toHaveBeenLastCalledWith(integration.appId, "channel", undefined, "t4"));
    const rows = await within(wizard).findAllByTestId("picker-choice");
    expect(rows.map((r) => r.dataset.name)).toEqual(["General", "Chargebacks"]);
    expect(rows[1]).toHaveTextContent("private channel");
    await user.selectOptions(within(wizard).getByTestId("picker-kind"), "members");
    await user.click(await within(wizard).findByText("Every member of Payments Team"));
    expect(within(wizard).getByTestId("wizard-targets")).toHaveTextContent("every member of Payments Team");
    linksIpc.add.mockResolvedValue({ integration, targets: [] });
    await user.type(within(wizard).getByTestId("wizard-external-id"), "https://x.pagerduty.com/service-directory/P1");
    await user.click(within(wizard).getByTestId("wizard-check"));
    expect(linksIpc.add).toHaveBeenLastCalledWith(expect.objectContaining({ groupId: "t4", targets: [] }));
  });

  it("when the bot's inventory was never read, the picker offers to read it", async () => {
    linksIpc.targets.mockResolvedValue({ choices: [], total: 0, sync: null });
    installsIpc.sync.mockImplementation(async (_app: string, onProgress: (p: RunProgress) => void) => {
      onProgress({ phase: "listing_teams", total: 10, done: 4, failed: 0, runId: null });
      return {};
    });
    const user = renderPage();
    await user.click(await screen.findByTestId("link-wizard-open"));
    const wizard = await screen.findByTestId("link-wizard");
    await user.click(await within(wizard).findByTestId("picker-sync"));
    expect(installsIpc.sync).toHaveBeenCalledWith(integration.appId, expect.any(Function));
    await waitFor(() => expect(linksIpc.targets.mock.calls.length).toBeGreaterThanOrEqual(2));
  });

  it("Check health shows how many links it has checked, and Cancel stops it", async () => {
    let finish: (v: unknown) => void = () => {};
    linksIpc.health.mockImplementation((_ids: string[], onProgress: (p: RunProgress) => void) => {
      onProgress({ phase: "checking_links", total: 4, done: 1, failed: 0, runId: null });
      return new Promise((resolve) => {
        finish = resolve;
      });
    });
    installsIpc.cancel.mockResolvedValue(true);
    const user = renderPage();
    await user.click(await screen.findByTestId("links-health-check"));
    expect(linksIpc.health).toHaveBeenCalledWith([], expect.any(Function));
    expect(await screen.findByText("Checking 1 of 4…")).toBeInTheDocument();
    await user.click(screen.getByTestId("links-health-cancel"));
    expect(installsIpc.cancel).toHaveBeenCalled();
    finish({ checked: 1, broken: [], recovered: [], errors: [], checkedAt: "" });
    expect(await screen.findByTestId("links-notice")).toHaveTextContent("Checked 1 link: 0 broken, 0 working again.");
    expect(screen.queryByTestId("links-health-cancel")).not.toBeInTheDocument();
    expect(screen.getByTestId("links-health-check")).toHaveTextContent("Check health");
  });

  it("Reach installs for every member with progress, and Cancel stops it", async () => {
    linksIpc.targets.mockResolvedValue({ choices: [choice({ teamId: "t1", name: "Incident Response" })], total: 1, sync: syncInfo });
    let finish: (v: unknown) => void = () => {};
    linksIpc.reach.mockImplementation((_app: string, _group: string, onProgress: (p: RunProgress) => void) => {
      onProgress({ phase: "installing", total: 8, done: 3, failed: 0, runId: "r1" });
      return new Promise((resolve) => {
        finish = resolve;
      });
    });
    installsIpc.cancel.mockResolvedValue(true);
    const user = renderPage();
    await user.click(await screen.findByTestId("links-reach-open"));
    const dialog = await screen.findByTestId("reach-dialog");
    await user.click(within(dialog).getByTestId("reach-run"));
    expect(within(dialog).getByTestId("reach-error")).toHaveTextContent("Choose a team");
    await waitFor(() => expect(within(dialog).getByTestId("reach-team")).toHaveTextContent("Incident Response"));
    await user.selectOptions(within(dialog).getByTestId("reach-team"), "t1");
    await user.click(within(dialog).getByTestId("reach-run"));
    expect(linksIpc.reach).toHaveBeenCalledWith(integration.appId, "t1", expect.any(Function));
    expect(await within(dialog).findByText(/installing: 3 of 8/)).toBeInTheDocument();
    await user.click(within(dialog).getByTestId("reach-cancel"));
    expect(installsIpc.cancel).toHaveBeenCalled();
    expect(within(dialog).getByTestId("reach-cancel")).toHaveTextContent("Cancelling…");
    finish({
      groupId: "t1",
      members: 8,
      disabled: ["Old Account"],
      already: 2,
      run: { runId: "r1", action: "install", appName: "FlashDuty", status: "cancelled", createdAt: "", finishedAt: "", total: 6, succeeded: 3, alreadyDone: 0, failed: 0, pending: 3, cancelRequested: true },
    });
    expect(await within(dialog).findByTestId("reach-result")).toHaveTextContent("3 installed now, 0 failed, 3 not attempted (cancelled)");
    expect(within(dialog).getByTestId("reach-result")).toHaveTextContent("Left alone (disabled): Old Account");
  });

  it("a custom vendor from the form is checked as it is typed and saved as fields", async () => {
    linksIpc.saveVendor.mockImplementation(async (source: { profile?: VendorProfile }, checkOnly: boolean) => {
      if (source.profile && !/^[a-z0-9-]+$/.test(source.profile.id)) throw { code: "invalid_input", message: `vendor id "${source.profile.id}": use 1 to 40 lowercase letters`, retryable: false };
      if (!checkOnly) return source.profile;
      return source.profile;
    });
    const user = renderPage();
    await user.click(await screen.findByTestId("links-vendor-open"));
    const dialog = await screen.findByTestId("vendor-dialog");
    await user.type(within(dialog).getByTestId("vendor-id"), "Acme On");
    expect(await within(dialog).findByTestId("vendor-problem", {}, { timeout: 3000 })).toHaveTextContent("lowercase letters");
    expect(within(dialog).getByTestId("vendor-save")).toBeDisabled();
    expect(linksIpc.saveVendor).toHaveBeenLastCalledWith({ profile: expect.objectContaining({ id: "Acme On" }) }, true);
    await user.clear(within(dialog).getByTestId("vendor-id"));
    await user.type(within(dialog).getByTestId("vendor-id"), "acme");
    await user.click(within(dialog).getByTestId("vendor-target-team"));
    await user.type(within(dialog).getByTestId("vendor-command-team"), "@{{bot} link {{id}");
    expect(await within(dialog).findByTestId("vendor-valid", {}, { timeout: 3000 })).toBeInTheDocument();
    await user.click(within(dialog).getByTestId("vendor-save"));
    // The save itself (a check-only call of a late keystroke may come around it).
    await waitFor(() => expect(linksIpc.saveVendor.mock.calls.filter(([, checkOnly]) => !checkOnly)).toHaveLength(1));
    expect(linksIpc.saveVendor.mock.calls.find(([, checkOnly]) => !checkOnly)?.[0]).toEqual({
      profile: expect.objectContaining({ id: "acme", targets: ["team"], commands: expect.objectContaining({ team: "@{bot} link {id}" }) }),
    });
    expect(await within(dialog).findByTestId("vendor-saved")).toBeInTheDocument();
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("vendor-dialog")).not.toBeInTheDocument());
  });

  it("the Overview's link-health card counts the links and opens Links on the state clicked", async () => {
    const onNavigate = vi.fn();
    const user = userEvent.setup();
    const { unmount } = render(
      <FluentProvider theme={webLightTheme}>
        <LinkHealthCard onNavigate={onNavigate} />
      </FluentProvider>,
    );
    const card = await screen.findByTestId("overview-links");
    expect(card).toHaveTextContent("1 linked");
    expect(card).toHaveTextContent("2 awaiting");
    expect(within(card).getByTestId("overview-links-next")).toHaveTextContent("Fix 1 broken link");
    await user.click(within(card).getByTestId("overview-links-next"));
    expect(onNavigate).toHaveBeenCalledWith("links");
    unmount();
    renderPage();
    await screen.findByTestId("links-health");
    expect(screen.getByTestId("links-state-filter")).toHaveValue("broken");
    expect(screen.getAllByTestId("link-row").map((r) => r.dataset.state)).toEqual(["broken"]);
  });

  it("the link-health card shows nothing without links", async () => {
    linksIpc.overview.mockResolvedValue({ ...overview, links: [], counts: { planned: 0, awaiting: 0, linked: 0, broken: 0, unlinked: 0 } });
    render(
      <FluentProvider theme={webLightTheme}>
        <LinkHealthCard onNavigate={vi.fn()} />
      </FluentProvider>,
    );
    await waitFor(() => expect(linksIpc.overview).toHaveBeenCalled());
    expect(screen.queryByTestId("overview-links")).not.toBeInTheDocument();
  });
});
