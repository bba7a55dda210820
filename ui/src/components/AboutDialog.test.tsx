import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { FluentProvider, webLightTheme } from "@fluentui/react-components";
import { AboutDialog } from "./AboutDialog";
import { appInfo } from "../test/fixtures";

const renderAbout = (info = appInfo) =>
  render(
    <FluentProvider theme={webLightTheme}>
      <AboutDialog info={info} />
    </FluentProvider>,
  );

describe("About BotDeck", () => {
  it("shows the version and the commit, and closes with Escape", async () => {
    const user = userEvent.setup();
    renderAbout();
    expect(screen.queryByTestId("about-dialog")).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "About BotDeck" }));
    const dialog = await screen.findByTestId("about-dialog");
    expect(dialog).toHaveAttribute("role", "dialog");
    expect(dialog).toHaveTextContent("About BotDeck");
    expect(screen.getByTestId("about-version")).toHaveTextContent(/^0\.1\.0$/);
    expect(screen.getByTestId("about-commit")).toHaveTextContent(/^4fbbe19a0c1d$/);
    expect(dialog).toHaveTextContent(appInfo.dataDir);
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("about-dialog")).not.toBeInTheDocument());
    // Focus returns to the button that opened it, so the keyboard user is where they were.
    expect(screen.getByTestId("about-open")).toHaveFocus();
  });

  it("closes with its Close button", async () => {
    const user = userEvent.setup();
    renderAbout();
    await user.click(screen.getByTestId("about-open"));
    await user.click(await screen.findByTestId("about-close"));
    await waitFor(() => expect(screen.queryByTestId("about-dialog")).not.toBeInTheDocument());
  });

  it("says so when the app could not read its own facts", async () => {
    const user = userEvent.setup();
    render(
      <FluentProvider theme={webLightTheme}>
        <AboutDialog info={null} />
      </FluentProvider>,
    );
    await user.click(screen.getByTestId("about-open"));
    expect(await screen.findByTestId("about-unknown")).toHaveTextContent(/could not read its own version/);
    expect(screen.queryByTestId("about-commit")).not.toBeInTheDocument();
  });
});
