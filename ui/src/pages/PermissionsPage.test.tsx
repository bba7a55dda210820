import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { FluentProvider, webLightTheme } from "@fluentui/react-components";

vi.mock("../ipc", () => import("../test/ipcMock"));
const { permsIpc } = vi.hoisted(() => ({
  permsIpc: {
    profiles: vi.fn(),
    importProfile: vi.fn(),
    exportProfile: vi.fn(),
    deleteProfile: vi.fn(),
    inspect: vi.fn(),
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
  link: null,
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
});

describe("permissions page", () => {
  it("checks the demo bot against FlashDuty by default and shows update available with the consent link", async () => {
    const user = renderPage();
    const banner = await screen.findByTestId("update-available");
    expect(banner).toHaveTextContent("UPDATE AVAILABLE");
    expect(screen.getByTestId("missing-required")).toHaveTextContent("Team.ReadBasic.All (application)");
    expect(screen.getByTestId("consent-url")).toHaveAttribute("data-url", CONSENT_URL);
    expect(permsIpc.inspect).toHaveBeenCalledWith({
      permProfileId: "flashduty",
      appId: null,
      model: null,
      allTeams: true,
      teamIds: [],
      chatIds: [],
    });
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

  it("draws the matrix with a column per team", async () => {
    const user = renderPage();
    await screen.findByTestId("perm-diff-table");
    await user.click(screen.getByTestId("tab-matrix"));
    const matrix = screen.getByTestId("perm-matrix");
    expect(within(matrix).getByText("Team: Payments Team")).toBeInTheDocument();
    const rsc = within(matrix).getByTestId("matrix-row-ChannelMessage.Read.Group|rsc");
    expect(within(rsc).getByRole("img", { name: "granted — Incident Response" })).toBeInTheDocument();
    expect(within(rsc).getByRole("img", { name: "missing — Payments Team" })).toBeInTheDocument();
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
    await screen.findByTestId("update-available");
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
      link: null,
    });
    const acme = { ...flashdutyProfile, id: "acme", name: "Acme bot", source: "custom" as const, appId: null };
    permsIpc.importProfile.mockResolvedValueOnce(acme);
    const user = renderPage();
    await screen.findByTestId("update-available");
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
    await screen.findByTestId("update-available");
    expect(screen.queryByTestId("perm-model-select")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("perm-profile-select"));
    await user.click(await screen.findByRole("option", { name: "OX Security" }));
    await user.click(screen.getByTestId("perm-model-select"));
    await user.click(await screen.findByRole("option", { name: "Bot identity" }));
    await user.click(screen.getByTestId("perm-check"));
    await waitFor(() =>
      expect(permsIpc.inspect).toHaveBeenLastCalledWith(
        expect.objectContaining({ permProfileId: "ox-security", model: "bot-identity", appId: oxProfile.appId }),
      ),
    );
  });

  it("copies the CSV export when asked", async () => {
    // user-event puts a clipboard stub in place; read back what the page wrote.
    const user = renderPage();
    await screen.findByTestId("update-available");
    await user.click(screen.getByTestId("export-copy"));
    expect(await navigator.clipboard.readText()).toBe(report().diffCsv);
    expect(await screen.findByTestId("export-note")).toHaveTextContent("Copied");
  });

  it("shows other errors with their message", async () => {
    permsIpc.inspect.mockRejectedValueOnce({ code: "graph", message: "Microsoft Graph answered 503", retryable: true, link: null });
    renderPage();
    expect(await screen.findByTestId("perm-error")).toHaveTextContent("503");
    expect(screen.queryByTestId("perm-sign-in-needed")).not.toBeInTheDocument();
  });
});
