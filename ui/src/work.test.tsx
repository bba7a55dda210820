import { describe, expect, it, vi } from "vitest";
import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { FluentProvider, webLightTheme } from "@fluentui/react-components";
import { BackgroundWorkProvider, CancelWorkButton, StatusWork, WorkAnnouncer, useBackgroundWork, type WorkProgress } from "./work";

let api: ReturnType<typeof useBackgroundWork> | null = null;
function Grab() {
  api = useBackgroundWork();
  return null;
}

function renderBar() {
  return render(
    <FluentProvider theme={webLightTheme}>
      <BackgroundWorkProvider>
        <Grab />
        <footer data-testid="bar">
          <WorkAnnouncer />
          <StatusWork />
          <span>Data: /home/admin/.local/share/botdeck</span>
        </footer>
        <CancelWorkButton workKey="bulk" testId="cancel" />
      </BackgroundWorkProvider>
    </FluentProvider>,
  );
}

describe("status bar", () => {
  it("is not a live region; its announcer speaks on start, cancel and end, never per progress tick", async () => {
    const user = userEvent.setup();
    renderBar();
    const bar = screen.getByTestId("bar");
    expect(bar).not.toHaveAttribute("role");
    expect(bar).not.toHaveAttribute("aria-live");
    const live = screen.getByRole("status");
    expect(live).not.toHaveTextContent("Data:");
    expect(live).toHaveTextContent("");
    const cancel = vi.fn();
    let report: (p: WorkProgress) => void = () => {};
    let finish: () => void = () => {};
    act(() => {
      void api!.run(
        "bulk",
        "Install FlashDuty",
        (r) => {
          report = r;
          return new Promise<void>((resolve) => {
            finish = resolve;
          });
        },
        cancel,
      );
    });
    expect(live).toHaveTextContent("Install FlashDuty started");
    act(() => report({ phase: "installing", done: 3, total: 26, failed: 0 }));
    expect(screen.getByTestId("status-work")).toHaveTextContent("installing 3/26");
    expect(live).toHaveTextContent("Install FlashDuty started");
    await user.click(screen.getByTestId("cancel"));
    expect(cancel).toHaveBeenCalledTimes(1);
    expect(live).toHaveTextContent("Install FlashDuty: cancelling");
    expect(screen.getByTestId("cancel")).toHaveTextContent("Cancelling…");
    expect(screen.getByTestId("status-work-cancel")).toHaveTextContent("Cancelling…");
    // Still focusable while it waits: focus does not fall to the body.
    expect(document.activeElement).toBe(screen.getByTestId("cancel"));
    await user.click(screen.getByTestId("status-work-cancel"));
    expect(cancel).toHaveBeenCalledTimes(1);
    await act(async () => finish());
    expect(live).toHaveTextContent("Install FlashDuty finished");
    expect(screen.getByTestId("cancel")).toHaveTextContent("Cancel");
  });
});
