import { describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { FluentProvider, webLightTheme } from "@fluentui/react-components";
import { PointerField } from "./PointerField";
import type { Finding } from "../../ipc/package";

const finding = (code: string, severity: Finding["severity"], message: string): Finding => ({
  code,
  severity,
  file: "manifest.json",
  path: "/name/short",
  message,
  hint: "",
  line: null,
  column: null,
});

function renderField(value: string, findings: Finding[] = []) {
  const onEdit = vi.fn();
  render(
    <FluentProvider theme={webLightTheme}>
      <PointerField pointer="/name/short" label="Short name" value={value} findings={findings} onEdit={onEdit} maxLength={30} />
    </FluentProvider>,
  );
  return onEdit;
}

describe("PointerField", () => {
  it("counts characters against the limit as the admin types, and marks the field at once when over", async () => {
    const user = userEvent.setup();
    renderField("FlashDuty");
    expect(screen.getByTestId("counter-/name/short")).toHaveTextContent("9 / 30");
    const input = screen.getByTestId("field-/name/short");
    await user.type(input, " is the on-call bot for teams");
    const counter = screen.getByTestId("counter-/name/short");
    expect(counter).toHaveTextContent("38 / 30");
    expect(counter).toHaveAttribute("data-over", "yes");
    // No round trip to Rust needed: the field says so while typing.
    expect(screen.getByTestId("problems-/name/short")).toHaveTextContent("Too long: 38 characters, at most 30.");
    expect(input).toHaveAttribute("aria-invalid", "true");
  });

  it("an emoji counts as one character, as in the schema", () => {
    renderField("Alert 🚨");
    expect(screen.getByTestId("counter-/name/short")).toHaveTextContent("7 / 30");
  });

  it("shows every problem of the field at once, not only the worst", () => {
    renderField("x", [finding("BD-NAME-002", "warning", "the short name is very short"), finding("BD-NAME-003", "error", "reserved word")]);
    const problems = screen.getByTestId("problems-/name/short");
    expect(problems).toHaveTextContent("BD-NAME-002: the short name is very short");
    expect(problems).toHaveTextContent("BD-NAME-003: reserved word");
    expect(screen.getByTestId("field-/name/short")).toHaveAttribute("aria-invalid", "true");
  });
});
