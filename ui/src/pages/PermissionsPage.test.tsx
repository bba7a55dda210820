import { beforeEach, describe, expect, it, vi } from "vitest";
import { configure, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { FluentProvider, webLightTheme } from "@fluentui/react-components";

vi.mock("../ipc", () => import("../test/ipcMock"));
// The page chains three answers (profiles → cache → read) before it shows anything: on a loaded
// 2-core machine that takes longer than Testing Library's 1 s default.
configure({ asyncUtilTimeout: 5000 });
const { permsIpc } = vi.hoisted(() => ({
  permsIpc: {
    profiles: vi.fn(),
    importProfile: vi.fn(),
    exportProfile: vi.fn(),
    deleteProfile: vi.fn(),
    inspect: vi.fn(),
    cached: vi.fn(),
    cancel: vi.fn(),
    planFix: vi.fn(),
    applyFix: vi.fn(),
  },
}));
vi.mock("../ipc/permissions", () => ({ permsIpc }));

import { PermissionsPage } from "./PermissionsPage";
import { SessionProvider } from "../session";
import { ipc, resetIpcMock } from "../test/ipcMock";
import { signedInSession, signedOutSession } from "../test/fixtures";
import {
  APP_ID,
  CONSENT_URL,
  excessRow,
  flashdutyProfile,
  missingRow,
  oxProfile,
  perUserRow,
  report,
  rscRow,
} from "../components/permissions/permsFixtures";
import type { FixPlan } from "../ipc/permissions";

const consentRequired = {
  code: "consent_required",
  message: "this sign-in lacks Application.Read.All",
  retryable: false,
};

const plan: FixPlan = {
  action: { action: "revokeAppRole", servicePrincipalId: "sp1", assignmentId: "as1" },
  appId: APP_ID,
  appName: "FlashDuty",
  permission: "Group.ReadWrite.All",
  kind: "application",
  principal: null,
  request: "DELETE /servicePrincipals/sp1/appRoleAssignments/as1",
  effect: "FlashDuty will no longer be able to read and write all groups without a signed-in user.",
  tokenNote: "Access tokens the app already holds stay valid until they expire.",
  auditAction: "permission.revoke_app_role",
};

function renderPage() {
  const user = userEvent.setup();
  render(
    <FluentProvider theme={webLightTheme}>
      <SessionProvider>
        <PermissionsPage />
      </SessionProvider>
    </FluentProvider>,
  );
  return user;
}

beforeEach(() => {
  resetIpcMock();
  for (const fn of Object.values(permsIpc)) fn.mockReset();
  ipc.getSession.mockResolvedValue(signedInSession);
  permsIpc.profiles.mockResolvedValue([flashdutyProfile, oxProfile]);
  permsIpc.inspect.mockResolvedValue(report());
  // Never read on this computer unless a test says otherwise.
  permsIpc.cached.mockResolvedValue(null);
  permsIpc.cancel.mockResolvedValue(true);
});

describe("permissions page", () => {
  it("reads a bot never read before against FlashDuty and says consent is needed, with the consent link", async () => {
    const user = renderPage();
    const banner = await screen.findByTestId("perm-consent-needed");
    expect(banner).toHaveTextContent("Consent needed");
    // PagerDuty's term is only quoted in the explanation, never the title.
    expect(within(banner).getByTestId("consent-vendor-term")).toHaveTextContent("“UPDATE AVAILABLE”");
    expect(banner).not.toHaveTextContent(/^UPDATE AVAILABLE/);
    expect(screen.getByTestId("missing-required")).toHaveTextContent("Team.ReadBasic.All (application)");
    expect(screen.getByTestId("consent-url")).toHaveAttribute("data-url", CONSENT_URL);
    expect(permsIpc.inspect).toHaveBeenCalledWith(
      {
        permProfileId: "flashduty",
        appId: APP_ID,
        model: null,
        allTeams: true,
        teamIds: [],
        chatIds: [],
      },
      expect.any(Function),
    );
    expect(permsIpc.inspect).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("perm-app-id")).toHaveValue(APP_ID);
    await user.click(screen.getByTestId("consent-open"));
    expect(ipc.openExternal).toHaveBeenCalledWith(CONSENT_URL);
    // Every kind of finding is on the one screen.
    for (const r of [missingRow, excessRow, perUserRow, rscRow]) {
      const key = [r.permission, r.kind, r.principal].filter(Boolean).join("|");
      expect(screen.getByTestId(`perm-row-${key}`)).toHaveAttribute("data-state", r.state);
    }
    expect(screen.getByText(/Missing in: Payments Team/)).toBeInTheDocument();
    expect(screen.getByText(/Entra admin portal cannot revoke/)).toBeInTheDocument();
    expect(screen.getByTestId("connection-model")).toHaveTextContent("bot identity");
  });

  it("draws the matrix with a row per team and the tenant-wide permissions apart", async () => {
    const user = renderPage();
    await screen.findByTestId("perm-diff-table");
    await user.click(screen.getByTestId("tab-matrix"));
    const matrix = screen.getByTestId("perm-matrix");
    const payments = within(matrix).getByTestId("matrix-place-t2");
    expect(payments).toHaveTextContent("Team: Payments Team");
    expect(payments).toHaveAttribute("data-missing", "1");
    expect(within(payments).getByRole("img", { name: "missing — ChannelMessage.Read.Group in Payments Team" })).toBeInTheDocument();
    const incident = within(matrix).getByTestId("matrix-place-t1");
    expect(within(incident).getByRole("img", { name: "granted — ChannelMessage.Read.Group in Incident Response" })).toBeInTheDocument();
    expect(incident).toHaveAttribute("data-missing", "0");
    // The tenant-wide list has no team columns and no RSC rows.
    const tenant = within(matrix).getByTestId("matrix-row-Team.ReadBasic.All|application");
    expect(within(tenant).getByRole("img", { name: "missing — Team.ReadBasic.All, tenant-wide" })).toBeInTheDocument();
    expect(within(matrix).queryByTestId("matrix-row-ChannelMessage.Read.Group|rsc")).not.toBeInTheDocument();
  });

  it("asks to sign in again for permission review when the token lacks its scopes", async () => {
    permsIpc.inspect.mockRejectedValueOnce(consentRequired);
    ipc.signInDeviceCode.mockResolvedValue({
      ...signedInSession,
      current: { ...signedInSession.current!, tokenExpiresAt: "2026-11-22T17:00:00Z" },
    });
    const user = renderPage();
    const bar = await screen.findByTestId("perm-sign-in-needed");
    expect(bar).toHaveAttribute("data-code", "consent_required");
    await user.click(screen.getByTestId("perm-sign-in"));
    await user.click(await screen.findByTestId("sign-in-start"));
    expect(ipc.signInDeviceCode).toHaveBeenCalledWith("p-demo", "review_permissions", expect.any(Function));
    await screen.findByTestId("perm-consent-needed");
    expect(permsIpc.inspect).toHaveBeenCalledTimes(2);
  });

  it("does not read anything while signed out, and offers sign-in", async () => {
    ipc.getSession.mockResolvedValue(signedOutSession);
    renderPage();
    expect(await screen.findByTestId("perm-sign-in")).toHaveTextContent("Sign in to review permissions");
    expect(permsIpc.inspect).not.toHaveBeenCalled();
  });

  it("revokes an excess role after a confirmation that says what stops working, then refreshes", async () => {
    permsIpc.planFix.mockResolvedValue(plan);
    permsIpc.applyFix.mockResolvedValue({ plan, outcome: "succeeded", requestId: "r1", message: "Group.ReadWrite.All removed." });
    const user = renderPage();
    await user.click(await screen.findByTestId("fix-Group.ReadWrite.All|application"));
    const dialog = await screen.findByTestId("fix-dialog");
    expect(await within(dialog).findByTestId("fix-effect")).toHaveTextContent("will no longer be able to");
    expect(within(dialog).getByTestId("fix-token-note")).toHaveTextContent("stay valid until they expire");
    expect(within(dialog).getByTestId("fix-request")).toHaveTextContent(plan.request);
    expect(permsIpc.applyFix).not.toHaveBeenCalled();

    permsIpc.inspect.mockResolvedValue(report([missingRow, perUserRow, rscRow]));
    await user.click(within(dialog).getByTestId("fix-confirm"));
    expect(permsIpc.applyFix).toHaveBeenCalledWith({
      appId: APP_ID,
      permProfileId: "flashduty",
      permission: "Group.ReadWrite.All",
      kind: "application",
      principal: null,
      expectedRequest: plan.request,
    });
    expect(await screen.findByTestId("fix-outcome")).toHaveTextContent("removed");
    await waitFor(() => expect(screen.queryByTestId("perm-row-Group.ReadWrite.All|application")).not.toBeInTheDocument());
    expect(screen.queryByTestId("fix-dialog")).not.toBeInTheDocument();
  });

  it("trims a user's own consent with that user as principal", async () => {
    permsIpc.planFix.mockResolvedValue({ ...plan, permission: "Presence.Read.All", kind: "delegated", principal: perUserRow.principal });
    const user = renderPage();
    await user.click(await screen.findByTestId(`fix-Presence.Read.All|delegated|${perUserRow.principal}`));
    await screen.findByTestId("fix-effect");
    expect(permsIpc.planFix).toHaveBeenCalledWith(
      expect.objectContaining({ permission: "Presence.Read.All", kind: "delegated", principal: perUserRow.principal }),
    );
  });

  it("offers sign-in for revocation when applying lacks the scopes, and changes nothing until confirmed again", async () => {
    permsIpc.planFix.mockResolvedValue(plan);
    permsIpc.applyFix.mockRejectedValueOnce({ ...consentRequired, message: "this sign-in lacks AppRoleAssignment.ReadWrite.All" });
    ipc.signInDeviceCode.mockResolvedValue(signedInSession);
    const user = renderPage();
    await user.click(await screen.findByTestId("fix-Group.ReadWrite.All|application"));
    await user.click(await screen.findByTestId("fix-confirm"));
    expect(await screen.findByTestId("fix-error")).toHaveAttribute("data-code", "consent_required");
    await user.click(screen.getByTestId("fix-sign-in"));
    await user.click(await screen.findByTestId("sign-in-start"));
    expect(ipc.signInDeviceCode).toHaveBeenCalledWith("p-demo", "revoke_permissions", expect.any(Function));
    await waitFor(() => expect(screen.queryByTestId("fix-error")).not.toBeInTheDocument());
    expect(permsIpc.applyFix).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("fix-confirm")).toHaveTextContent("Revoke");
  });

  it("imports a profile file, showing line and field when it is wrong", async () => {
    permsIpc.importProfile.mockRejectedValueOnce({
      code: "invalid_input",
      message: "acme.toml:5: permissions[0].type: Chat.Read.All is not a resource-specific permission",
      retryable: false,
    });
    const acme = { ...flashdutyProfile, id: "acme", name: "Acme bot", source: "custom" as const, appId: null };
    permsIpc.importProfile.mockResolvedValueOnce(acme);
    const user = renderPage();
    await screen.findByTestId("perm-consent-needed");
    const input = screen.getByTestId("profile-file-input") as HTMLInputElement;
    const file = new File(['id = "acme"\n'], "acme.toml", { type: "application/toml" });
    await user.upload(input, file);
    // The page reads the file's text (async) before sending it.
    await waitFor(() => expect(permsIpc.importProfile).toHaveBeenCalledWith("acme.toml", 'id = "acme"\n'));
    expect(await screen.findByTestId("profile-import-where")).toHaveTextContent("acme.toml:5 — permissions[0].type");
    expect(screen.getByTestId("profile-import-error")).toHaveTextContent("is not a resource-specific permission");

    await user.upload(input, file);
    expect(await screen.findByTestId("profile-note")).toHaveTextContent("Imported Acme bot");
    expect(screen.getByTestId("profile-delete")).toBeInTheDocument();
    expect(screen.getByTestId("perm-app-id")).toHaveValue("");
  });

  it("offers the connection models of a two-model profile", async () => {
    const user = renderPage();
    await screen.findByTestId("perm-consent-needed");
    expect(screen.queryByTestId("perm-model-select")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("perm-profile-select"));
    await user.click(await screen.findByRole("option", { name: "OX Security" }));
    // The new profile is looked up with its own app id, never the previous bot's.
    await waitFor(() =>
      expect(permsIpc.cached).toHaveBeenLastCalledWith(expect.objectContaining({ permProfileId: "ox-security", appId: oxProfile.appId })),
    );
    for (const call of permsIpc.inspect.mock.calls) {
      if (call[0].permProfileId === "ox-security") expect(call[0].appId).toBe(oxProfile.appId);
    }
    await user.click(screen.getByTestId("perm-model-select"));
    await user.click(await screen.findByRole("option", { name: "Bot identity" }));
    await user.click(screen.getByTestId("perm-check"));
    await waitFor(() =>
      expect(permsIpc.inspect).toHaveBeenLastCalledWith(
        expect.objectContaining({ permProfileId: "ox-security", model: "bot-identity", appId: oxProfile.appId }),
        expect.any(Function),
      ),
    );
    // Five menu clicks on a loaded 2-core machine take longer than the default 30 s.
  }, 90_000);

  it("copies the CSV export when asked", async () => {
    // user-event puts a clipboard stub in place; read back what the page wrote.
    const user = renderPage();
    await screen.findByTestId("perm-consent-needed");
    await user.click(screen.getByTestId("export-copy"));
    expect(await navigator.clipboard.readText()).toBe(report().diffCsv);
    expect(await screen.findByTestId("export-note")).toHaveTextContent("Copied");
  });

  it("shows other errors with their message", async () => {
    permsIpc.inspect.mockRejectedValueOnce({ code: "graph", message: "Microsoft Graph answered 503", retryable: true });
    renderPage();
    expect(await screen.findByTestId("perm-error")).toHaveTextContent("503");
    expect(screen.queryByTestId("perm-sign-in-needed")).not.toBeInTheDocument();
  });

  it("opens from the cached read with its age and does not read the tenant on a visit", async () => {
    const cached = report();
    cached.fromCache = true;
    cached.granted.inspectedAt = new Date(Date.now() - 3 * 3600 * 1000).toISOString();
    permsIpc.cached.mockResolvedValue(cached);
    renderPage();
    expect(await screen.findByTestId("perm-age")).toHaveTextContent("read 3 h ago (saved on this computer)");
    expect(screen.getByTestId("perm-consent-needed")).toBeInTheDocument();
    expect(permsIpc.inspect).not.toHaveBeenCalled();
    expect(screen.getByTestId("perm-check")).toHaveTextContent("Read again from the tenant");
  });

  it("shows the cached read while signed out, and says so when there is none", async () => {
    ipc.getSession.mockResolvedValue(signedOutSession);
    renderPage();
    expect(await screen.findByTestId("perm-never-read")).toHaveTextContent("have not been read yet on this computer");
    expect(permsIpc.cached).toHaveBeenCalled();
    expect(permsIpc.inspect).not.toHaveBeenCalled();
  });

  it("reads with progress per team, and Cancel stops it and keeps the cached read", async () => {
    const cached = report();
    cached.fromCache = true;
    cached.granted.inspectedAt = new Date(Date.now() - 600 * 1000).toISOString();
    permsIpc.cached.mockResolvedValue(cached);
    let reject: (e: unknown) => void = () => {};
    permsIpc.inspect.mockImplementation((_req: unknown, onProgress: (p: unknown) => void) => {
      onProgress({ phase: "reading resource-specific consent", total: 38, done: 12, failed: 0, runId: null });
      return new Promise((_, no) => {
        reject = no;
      });
    });
    const user = renderPage();
    await screen.findByTestId("perm-age");
    await user.click(screen.getByTestId("perm-check"));
    const bar = await screen.findByTestId("perm-progress");
    expect(bar).toHaveAttribute("data-done", "12");
    expect(screen.getByText("Reading resource-specific consent: 12 of 38 teams")).toBeInTheDocument();
    await user.click(screen.getByTestId("perm-cancel"));
    expect(permsIpc.cancel).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("perm-cancel")).toHaveTextContent("Cancelling…");
    reject({ code: "cancelled", message: "cancelled", retryable: false });
    expect(await screen.findByTestId("perm-cancelled")).toHaveTextContent("What you see is the read from 10 min ago");
    expect(screen.queryByTestId("perm-loading")).not.toBeInTheDocument();
    expect(screen.getByTestId("perm-age")).toBeInTheDocument();
    expect(screen.queryByTestId("perm-error")).not.toBeInTheDocument();
  });

  it("clears the previous app's results when another app id is typed", async () => {
    const user = renderPage();
    await screen.findByTestId("perm-consent-needed");
    const field = screen.getByTestId("perm-app-id");
    await user.clear(field);
    await user.type(field, "11111111-2222-3333-4444-555555555555");
    expect(screen.queryByTestId("perm-consent-needed")).not.toBeInTheDocument();
    expect(screen.queryByTestId("perm-result")).not.toBeInTheDocument();
  });

  it("says an app id is not in the tenant instead of listing missing permissions with a consent button", async () => {
    const none = report();
    none.diff.servicePrincipal = null;
    none.granted.servicePrincipal = null;
    permsIpc.inspect.mockResolvedValue(none);
    renderPage();
    const bar = await screen.findByTestId("perm-not-in-tenant");
    expect(bar).toHaveTextContent("Not in this tenant");
    expect(bar).toHaveTextContent(APP_ID);
    expect(screen.queryByTestId("perm-consent-needed")).not.toBeInTheDocument();
    expect(screen.queryByTestId("consent-open")).not.toBeInTheDocument();
  });

  it("shows how each grant was given and by whom", async () => {
    const r = report();
    r.granted.appRoles = [
      {
        assignmentId: "as1",
        resourceId: "graph",
        resourceAppId: null,
        resourceName: "Microsoft Graph",
        appRoleId: "x",
        name: "Group.ReadWrite.All",
        displayName: null,
        resolved: true,
        created: "2026-10-01T08:00:00Z",
      },
    ];
    r.granted.delegated = [
      {
        grantId: "g1",
        resourceId: "graph",
        resourceAppId: null,
        resourceName: "Microsoft Graph",
        consentType: "Principal",
        principalId: "u1",
        principalName: perUserRow.principal,
        scopes: [{ name: "Presence.Read.All", displayName: null, known: true }],
      },
    ];
    permsIpc.inspect.mockResolvedValue(r);
    renderPage();
    const excess = await screen.findByTestId("perm-row-Group.ReadWrite.All|application");
    const how = within(excess).getByTestId("grant-provenance");
    expect(how).toHaveTextContent("Admin consent");
    expect(how).toHaveTextContent("by An administrator");
    expect(how).toHaveTextContent(new Date("2026-10-01T08:00:00Z").toLocaleString());
    const user = screen.getByTestId(`perm-row-Presence.Read.All|delegated|${perUserRow.principal}`);
    expect(within(user).getByTestId("grant-provenance")).toHaveTextContent(`User consentby ${perUserRow.principal}`);
    expect(within(user).getByTestId("grant-provenance")).toHaveTextContent("date not recorded by Microsoft Graph");
    const missing = screen.getByTestId("perm-row-Team.ReadBasic.All|application");
    expect(within(missing).getByTestId("grant-provenance")).toHaveTextContent("—");
  });
});
