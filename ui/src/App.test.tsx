import { describe, expect, it, vi, beforeEach } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { appInfo } from "./test/fixtures";

vi.mock("./ipc", () => import("./test/ipcMock"));

import { App } from "./App";
import { ipc as mockedIpc, resetIpcMock } from "./test/ipcMock";

const mocked = mockedIpc;

beforeEach(() => {
  resetIpcMock();
});

describe("app frame", () => {
  it("offers every section in the navigation and opens each", async () => {
    const user = userEvent.setup();
    render(<App />);
    const nav = screen.getByRole("navigation", { name: "Main navigation" });
    const labels = ["Overview", "Package", "Catalog", "Installations", "Permissions", "Links", "Activity", "Settings"];
    expect(within(nav).getAllByRole("tab")).toHaveLength(labels.length);
    for (const label of labels) expect(within(nav).getByRole("tab", { name: label })).toBeInTheDocument();
    for (const id of ["catalog", "installations", "links"]) {
      await user.click(screen.getByTestId(`nav-${id}`));
      expect(await screen.findByTestId(`${id}-page`)).toBeInTheDocument();
      expect(screen.queryByTestId("planned-page")).not.toBeInTheDocument();
    }
  });

  // Tab and arrow-key traversal is Fluent's (tabster), which jsdom cannot drive; the e2e suite
  // walks the real window with the keyboard. Here: a focused section opens with Enter or Space.
  it("opens a focused section with Enter or Space", async () => {
    const user = userEvent.setup();
    render(<App />);
    screen.getByTestId("nav-settings").focus();
    await user.keyboard("{Enter}");
    expect(screen.getByTestId("page-settings")).toBeInTheDocument();
    screen.getByTestId("nav-links").focus();
    await user.keyboard(" ");
    expect(screen.getByTestId("page-links")).toBeInTheDocument();
  });

  it("switches theme, applies it and saves it", async () => {
    const user = userEvent.setup();
    render(<App />);
    await waitFor(() => expect(screen.getByTestId("app-root")).toHaveAttribute("data-theme", "light"));
    await user.click(screen.getByTestId("theme-toggle"));
    expect(screen.getByTestId("app-root")).toHaveAttribute("data-theme", "dark");
    expect(mocked.setTheme).toHaveBeenCalledWith("dark");
  });

  it("keeps the theme for the session and says so when saving fails", async () => {
    mocked.setTheme.mockRejectedValue({ code: "store", message: "the local cache is not available", retryable: false });
    const user = userEvent.setup();
    render(<App />);
    await waitFor(() => expect(screen.getByTestId("app-root")).toHaveAttribute("data-theme", "light"));
    await user.click(screen.getByTestId("theme-toggle"));
    expect(screen.getByTestId("app-root")).toHaveAttribute("data-theme", "dark");
    expect(await screen.findByText(/changed but not saved: the local cache is not available/)).toBeInTheDocument();
  });

  it("shows start-up notices such as a recreated cache", async () => {
    mocked.appInfo.mockResolvedValue({
      ...appInfo,
      notices: [
        {
          id: "cache-recreated",
          level: "warning",
          title: "The local cache was damaged and has been recreated",
          message: "The damaged file was kept at /x.corrupt. Nothing is lost.",
        },
      ],
    });
    render(<App />);
    expect(await screen.findByTestId("notice-cache-recreated")).toHaveTextContent("damaged and has been recreated");
  });

  it("marks the demo tenant clearly", async () => {
    mocked.appInfo.mockResolvedValue({ ...appInfo, demo: true });
    render(<App />);
    expect(await screen.findByTestId("demo-badge")).toHaveTextContent("Demo tenant");
  });

  it("reports when the app state cannot be read", async () => {
    mocked.appInfo.mockRejectedValue({ code: "internal", message: "boom", retryable: false });
    render(<App />);
    expect(await screen.findByText("BotDeck could not read its state")).toBeInTheDocument();
  });
});

describe("offline", () => {
  it("shows an app-wide offline indicator when a command finds the tenant unreachable", async () => {
    const { OFFLINE_EVENT } = await vi.importActual<typeof import("./ipc")>("./ipc");
    render(<App />);
    expect(screen.queryByTestId("offline-indicator")).not.toBeInTheDocument();
    window.dispatchEvent(
      new CustomEvent(OFFLINE_EVENT, {
        detail: { code: "offline", message: "cannot reach graph.microsoft.com", retryable: true },
      }),
    );
    expect(await screen.findByTestId("offline-indicator")).toHaveTextContent("Offline");
  });
});

describe("settings page", () => {
  it("lists the doctor checks with their status and hints", async () => {
    const user = userEvent.setup();
    render(<App />);
    await user.click(screen.getByTestId("nav-settings"));
    const keyring = await screen.findByTestId("doctor-keyring");
    expect(keyring).toHaveAttribute("data-status", "fail");
    expect(keyring).toHaveTextContent("never stores tokens elsewhere");
    expect(screen.getByTestId("path-state")).toHaveTextContent("state.sqlite3");
    expect(screen.getByTestId("path-cache")).toHaveTextContent("cache.sqlite3");
    expect(screen.getByTestId("path-log")).toHaveTextContent(".log");
  });

  it("re-runs the checks on request", async () => {
    const user = userEvent.setup();
    render(<App />);
    await user.click(screen.getByTestId("nav-settings"));
    await screen.findByTestId("doctor-keyring");
    const before = mocked.runDoctor.mock.calls.length;
    await user.click(screen.getByTestId("doctor-rerun"));
    await waitFor(() => expect(mocked.runDoctor.mock.calls.length).toBe(before + 1));
    expect(mocked.runDoctor).toHaveBeenLastCalledWith("thorough");
  });

  it("looks only quickly at the databases on the Overview, whatever the cache holds", async () => {
    render(<App />);
    await waitFor(() => expect(mocked.runDoctor).toHaveBeenCalled());
    expect(mocked.runDoctor).toHaveBeenCalledWith("quick");
    expect(mocked.runDoctor).not.toHaveBeenCalledWith("thorough");
  });

  it("chooses a theme from the radio group", async () => {
    const user = userEvent.setup();
    render(<App />);
    await user.click(screen.getByTestId("nav-settings"));
    await user.click(screen.getByLabelText("Dark"));
    expect(mocked.setTheme).toHaveBeenCalledWith("dark");
    expect(screen.getByTestId("app-root")).toHaveAttribute("data-theme", "dark");
  });
});

describe("activity page", () => {
  it("says where the log file is", async () => {
    const user = userEvent.setup();
    render(<App />);
    await user.click(screen.getByTestId("nav-activity"));
    expect(await screen.findByTestId("activity-log-file")).toHaveTextContent("botdeck.2026-11-22.log");
  });
});
