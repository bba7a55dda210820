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
  },
}));
vi.mock("../ipc/links", () => ({ linksIpc }));

import { LinksPage } from "./LinksPage";
import { SessionProvider } from "../session";
import { ipc, resetIpcMock } from "../test/ipcMock";
import { signedInSession } from "../test/fixtures";
import type { Link, LinksOverview, LinkPreparedTarget, VendorProfile } from "../ipc/links";

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
  linksIpc.overview.mockResolvedValue(overview);
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
    linksIpc.evidence.mockRejectedValue({ code: "consent_required", message: "sign in again", retryable: false, link: null });
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
});
