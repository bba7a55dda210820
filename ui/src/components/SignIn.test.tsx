import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

vi.mock("../ipc", () => import("../test/ipcMock"));

import { App } from "../App";
import { validity } from "./SignInDialog";
import { ipc, resetIpcMock } from "../test/ipcMock";
import { signedInSession, signedOutSession } from "../test/fixtures";

beforeEach(() => {
  resetIpcMock();
});

async function openSignIn() {
  const user = userEvent.setup();
  render(<App />);
  await waitFor(() => expect(screen.getByTestId("profile-label")).toHaveTextContent("Contoso (demo) — not signed in"));
  await user.click(screen.getByTestId("profile-area"));
  await user.click(await screen.findByTestId("menu-sign-in"));
  await screen.findByTestId("sign-in-dialog");
  return user;
}

describe("sign-in", () => {
  it("shows the device code large, opens the page in the system browser, and ends signed in", async () => {
    let finish: (v: unknown) => void = () => {};
    ipc.signInDeviceCode.mockImplementation((_id: string, _feature: string, onEvent: (e: unknown) => void) => {
      onEvent({
        kind: "deviceCode",
        userCode: "NT52MDG9Z",
        verificationUri: "https://microsoft.com/devicelogin",
        expiresInSecs: 900,
        message: null,
      });
      return new Promise((resolve) => {
        finish = resolve;
      });
    });
    const user = await openSignIn();
    await user.click(screen.getByTestId("sign-in-start"));
    expect(await screen.findByTestId("device-code")).toHaveTextContent("NT52MDG9Z");
    expect(screen.getByText(/valid for 15 minutes/)).toBeInTheDocument();
    expect(ipc.signInDeviceCode).toHaveBeenCalledWith("p-demo", "read_tenant", expect.any(Function));
    await user.click(screen.getByTestId("open-verification"));
    expect(ipc.openExternal).toHaveBeenCalledWith("https://microsoft.com/devicelogin");
    finish(signedInSession);
    await waitFor(() => expect(screen.getByTestId("profile-label")).toHaveTextContent("Megan Bowen · Contoso"));
    expect(screen.queryByTestId("sign-in-dialog")).not.toBeInTheDocument();
  });

  it("explains a declined sign-in and offers to try again", async () => {
    ipc.signInDeviceCode.mockRejectedValueOnce({
      code: "sign_in_failed",
      message: "the sign-in was declined",
      retryable: false,
    });
    ipc.signInDeviceCode.mockResolvedValueOnce(signedInSession);
    const user = await openSignIn();
    await user.click(screen.getByTestId("sign-in-start"));
    expect(await screen.findByTestId("sign-in-error")).toHaveTextContent("declined");
    await user.click(screen.getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(screen.getByTestId("profile-label")).toHaveTextContent("Megan Bowen"));
    expect(ipc.signInDeviceCode).toHaveBeenCalledTimes(2);
  });

  it("a tenant whose first sign-in was refused and not kept leaves the menu, with no Try again", async () => {
    const user = await openSignIn();
    ipc.signInDeviceCode.mockRejectedValueOnce({
      code: "sign_in_failed",
      message: 'the tenant was not found. BotDeck did not keep the tenant "Contoso (demo)": add it again.',
      retryable: false,
    });
    // The app removed the profile; the session has no tenant left.
    ipc.getSession.mockResolvedValue({ profiles: [], current: null, signedIn: false, roleAdvice: [], canSignIn: true });
    await user.click(screen.getByTestId("sign-in-start"));
    expect(await screen.findByTestId("sign-in-error")).toHaveTextContent("did not keep the tenant");
    expect(screen.queryByRole("button", { name: "Try again" })).not.toBeInTheDocument();
    await user.click(screen.getByTestId("sign-in-cancel"));
    await waitFor(() => expect(screen.getByTestId("profile-label")).toHaveTextContent("Not signed in"));
    expect(screen.getByTestId("profile-label")).not.toHaveTextContent("Contoso (demo)");
  });

  it("offers the admin consent page when consent is required", async () => {
    ipc.signInBrowser.mockRejectedValue({
      code: "consent_required",
      message: "an administrator must consent to BotDeck's permissions",
      retryable: false,
      actionUrl: "https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id=x",
    });
    const user = await openSignIn();
    await user.click(screen.getByTestId("method-browser"));
    await user.click(screen.getByTestId("sign-in-start"));
    await user.click(await screen.findByTestId("open-consent"));
    expect(ipc.openExternal).toHaveBeenCalledWith(
      "https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id=x",
    );
  });

  it("cancels a running sign-in", async () => {
    ipc.signInDeviceCode.mockImplementation(() => new Promise(() => {}));
    const user = await openSignIn();
    await user.click(screen.getByTestId("sign-in-start"));
    await user.click(screen.getByRole("button", { name: "Cancel sign-in" }));
    expect(ipc.cancelSignIn).toHaveBeenCalled();
    await waitFor(() => expect(screen.queryByTestId("sign-in-dialog")).not.toBeInTheDocument());
  });

  it("does not offer sign-in when the keyring is unusable", async () => {
    ipc.getSession.mockResolvedValue({ ...signedOutSession, canSignIn: false });
    const user = userEvent.setup();
    render(<App />);
    await waitFor(() => expect(screen.getByTestId("profile-label")).toHaveTextContent("not signed in"));
    await user.click(screen.getByTestId("profile-area"));
    const item = await screen.findByTestId("menu-sign-in");
    expect(item).toHaveTextContent("OS keyring not usable");
    expect(item).toHaveAttribute("aria-disabled", "true");
  });

  it("signs out", async () => {
    ipc.getSession.mockResolvedValue(signedInSession);
    ipc.signOut.mockResolvedValue(signedOutSession);
    const user = userEvent.setup();
    render(<App />);
    await waitFor(() => expect(screen.getByTestId("profile-label")).toHaveTextContent("Megan Bowen"));
    await user.click(screen.getByTestId("profile-area"));
    await user.click(await screen.findByTestId("menu-sign-out"));
    expect(ipc.signOut).toHaveBeenCalledWith("p-demo");
    await waitFor(() => expect(screen.getByTestId("profile-label")).toHaveTextContent("not signed in"));
  });
});

describe("device code validity", () => {
  it("says seconds when the code expires within a minute", () => {
    expect(validity(45)).toBe("45 seconds");
    expect(validity(1)).toBe("1 second");
    expect(validity(60)).toBe("1 minute");
    expect(validity(899)).toBe("14 minutes");
  });
});

describe("adding a tenant", () => {
  it("shows the backend's validation message and keeps the form", async () => {
    ipc.createProfile.mockRejectedValue({
      code: "invalid_input",
      message: 'tenant: "nope" is neither a tenant id (GUID) nor a domain',
      retryable: false,
    });
    const user = userEvent.setup();
    render(<App />);
    await user.click(screen.getByTestId("profile-area"));
    await user.click(await screen.findByTestId("menu-add-profile"));
    await user.type(screen.getByTestId("profile-name"), "Fabrikam");
    await user.type(screen.getByTestId("profile-tenant"), "nope");
    await user.type(screen.getByTestId("profile-client-id"), "4b1f0e6a-8c2d-4f3b-9a7e-2d5c8e1f0b36");
    await user.click(screen.getByTestId("add-profile-save"));
    expect(await screen.findByTestId("add-profile-error")).toHaveTextContent("neither a tenant id");
    expect(screen.getByTestId("profile-name")).toHaveValue("Fabrikam");
    expect(ipc.createProfile).toHaveBeenCalledWith({
      name: "Fabrikam",
      tenant: "nope",
      clientId: "4b1f0e6a-8c2d-4f3b-9a7e-2d5c8e1f0b36",
      cloud: { kind: "global" },
    });
  });

  it("Escape cancels a running sign-in, closes the dialog and gives focus back to what opened it", async () => {
    ipc.signInDeviceCode.mockImplementation(() => new Promise(() => {}));
    const user = await openSignIn();
    await user.click(screen.getByTestId("sign-in-start"));
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("sign-in-dialog")).not.toBeInTheDocument());
    expect(ipc.cancelSignIn).toHaveBeenCalledTimes(1);
    // The menu item that opened it is gone with its menu: focus goes to the page, not to nowhere.
    await waitFor(() => expect(document.activeElement).not.toBe(document.body));
  });
});
