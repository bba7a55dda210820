// What a sign-in asks Microsoft for, and where focus goes when the dialog closes.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { useState } from "react";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Button, FluentProvider, webLightTheme } from "@fluentui/react-components";

vi.mock("../ipc", () => import("../test/ipcMock"));

import { newScopes, SignInDialog } from "./SignInDialog";
import { ipc, resetIpcMock } from "../test/ipcMock";
import { signedInProfile, signedInSession } from "../test/fixtures";
import type { Feature, ScopeInfo } from "../ipc";

const catalog: ScopeInfo[] = [
  { scope: "openid", feature: "read_tenant", reason: "" },
  { scope: "User.Read", feature: "read_tenant", reason: "" },
  { scope: "Team.ReadBasic.All", feature: "read_tenant", reason: "" },
  { scope: "AppCatalog.ReadWrite.All", feature: "publish", reason: "" },
  { scope: "TeamsAppInstallation.ReadWriteAndConsentForTeam", feature: "install", reason: "" },
  { scope: "Directory.Read.All", feature: "review_permissions", reason: "" },
  { scope: "AppRoleAssignment.ReadWrite.All", feature: "revoke_permissions", reason: "" },
  { scope: "ChannelMessage.Read.All", feature: "check_link_evidence", reason: "" },
];

beforeEach(() => {
  resetIpcMock();
  ipc.scopeCatalog.mockResolvedValue(catalog);
  ipc.signInDeviceCode.mockResolvedValue(signedInSession);
});

function Harness({ feature, grantedScopes }: { feature: Feature; grantedScopes?: string[] }) {
  const [open, setOpen] = useState(false);
  return (
    <FluentProvider theme={webLightTheme}>
      <h1 id="page-title" tabIndex={-1}>
        Catalog
      </h1>
      <Button data-testid="opener" onClick={() => setOpen(true)}>
        Sign in again
      </Button>
      <SignInDialog
        profile={{ ...signedInProfile, grantedScopes: grantedScopes ?? signedInProfile.grantedScopes }}
        feature={feature}
        open={open}
        onClose={() => setOpen(false)}
        onSignedIn={() => setOpen(false)}
      />
    </FluentProvider>
  );
}

async function openDialog(feature: Feature, grantedScopes?: string[]) {
  const user = userEvent.setup();
  render(<Harness feature={feature} grantedScopes={grantedScopes} />);
  await user.click(screen.getByTestId("opener"));
  await screen.findByTestId("sign-in-dialog");
  return user;
}

describe("what a sign-in asks for", () => {
  it("a publishing step asks for the whole update by default, and names the new permissions", async () => {
    const user = await openDialog("publish");
    const asks = await screen.findByTestId("sign-in-asks");
    await waitFor(() => expect(asks).toHaveAttribute("data-feature", "update_bot"));
    expect(asks).toHaveTextContent(/AppCatalog\.ReadWrite\.All, TeamsAppInstallation\.ReadWriteAndConsentForTeam, Directory\.Read\.All/);
    // Never revoking or reading messages, and not what is already held.
    expect(asks).not.toHaveTextContent(/AppRoleAssignment|ChannelMessage|User\.Read\b/);
    await user.click(screen.getByTestId("sign-in-start"));
    expect(ipc.signInDeviceCode).toHaveBeenCalledWith("p-demo", "update_bot", expect.any(Function));
  });

  it("'Only publishing' keeps to the one step", async () => {
    const user = await openDialog("publish");
    await user.click(await screen.findByTestId("sign-in-scope-only"));
    const asks = screen.getByTestId("sign-in-asks");
    expect(asks).toHaveAttribute("data-feature", "publish");
    expect(asks).toHaveTextContent("AppCatalog.ReadWrite.All");
    expect(asks).not.toHaveTextContent(/Directory\.Read\.All|ConsentForTeam/);
    await user.click(screen.getByTestId("sign-in-start"));
    expect(ipc.signInDeviceCode).toHaveBeenCalledWith("p-demo", "publish", expect.any(Function));
  });

  it("reading and reviewing never offer the update's write permissions", async () => {
    for (const feature of ["read_tenant", "review_permissions"] as Feature[]) {
      const user = await openDialog(feature);
      await waitFor(() => expect(ipc.scopeCatalog).toHaveBeenCalled());
      expect(screen.queryByTestId("sign-in-scope-update")).not.toBeInTheDocument();
      await user.click(screen.getByTestId("sign-in-start"));
      expect(ipc.signInDeviceCode).toHaveBeenLastCalledWith("p-demo", feature, expect.any(Function));
      document.body.innerHTML = "";
    }
  });

  it("no choice once the profile already holds everything the update needs", async () => {
    await openDialog("install", catalog.map((s) => s.scope).filter((s) => !/AppRole|ChannelMessage/.test(s)));
    await waitFor(() => expect(ipc.scopeCatalog).toHaveBeenCalled());
    expect(screen.queryByTestId("sign-in-scope-update")).not.toBeInTheDocument();
  });

  it("newScopes follows the implied features and ignores the Graph prefix and case", () => {
    expect(newScopes(catalog, "revoke_permissions", ["https://graph.microsoft.com/directory.read.all", "user.read", "Team.ReadBasic.All"])).toEqual([
      "AppRoleAssignment.ReadWrite.All",
    ]);
  });
});

describe("focus after the dialog closes", () => {
  it("Escape gives focus back to the button that opened it, at once", async () => {
    const user = await openDialog("read_tenant");
    expect(screen.getByTestId("opener")).not.toHaveFocus();
    await user.keyboard("{Escape}");
    // Synchronously with the close, not after the surface's exit animation.
    expect(screen.getByTestId("opener")).toHaveFocus();
    await waitFor(() => expect(screen.queryByTestId("sign-in-dialog")).not.toBeInTheDocument());
    expect(screen.getByTestId("opener")).toHaveFocus();
  });

  it("a mouse click that did not focus the opener (WebKit) still gets focus back to it", async () => {
    const user = userEvent.setup();
    render(<Harness feature="read_tenant" />);
    const opener = screen.getByTestId("opener");
    // WebKit does not focus a button on click: press it without focusing, as WebKit does.
    opener.dispatchEvent(new MouseEvent("pointerdown", { bubbles: true }));
    opener.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    await screen.findByTestId("sign-in-dialog");
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("sign-in-dialog")).not.toBeInTheDocument());
    expect(opener).toHaveFocus();
  });

  it("an opener that disabled itself meanwhile: focus goes to the page title, never the body", async () => {
    const user = await openDialog("read_tenant");
    screen.getByTestId("opener").setAttribute("disabled", "");
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("sign-in-dialog")).not.toBeInTheDocument());
    expect(document.getElementById("page-title")).toHaveFocus();
  });
});
