import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "@testing-library/react";
import { installFocusGuard } from "./focusGuard";

let stop: () => void = () => {};
afterEach(() => {
  stop();
  document.body.innerHTML = "";
});

function page(html: string) {
  document.body.innerHTML = `<h1 id="page-title" tabindex="-1">Catalog</h1>${html}`;
  stop = installFocusGuard(document);
}

describe("focus never falls to the page body", () => {
  it("a button that disables itself hands focus to the page title", async () => {
    page(`<button id="refresh">Refresh</button><button>Other</button>`);
    const refresh = document.getElementById("refresh") as HTMLButtonElement;
    refresh.focus();
    refresh.disabled = true;
    // jsdom, like Chromium, may keep a disabled element active or drop focus to the body.
    refresh.blur();
    await waitFor(() => expect(document.getElementById("page-title")).toHaveFocus());
  });

  it("a control removed from a dialog hands focus to the dialog's first usable control", async () => {
    page(`<div role="dialog"><button id="run">Run</button><button id="close">Close</button></div>`);
    const run = document.getElementById("run") as HTMLButtonElement;
    run.focus();
    run.remove();
    await waitFor(() => expect(document.getElementById("close")).toHaveFocus());
  });

  it("leaves focus alone when the admin moved it on purpose", async () => {
    page(`<button id="a">A</button><input id="b" />`);
    (document.getElementById("a") as HTMLButtonElement).focus();
    (document.getElementById("b") as HTMLInputElement).focus();
    (document.getElementById("a") as HTMLButtonElement).disabled = true;
    await new Promise((r) => setTimeout(r, 20));
    expect(document.getElementById("b")).toHaveFocus();
  });
});
