import { describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/react";
import { FluentProvider, webLightTheme } from "@fluentui/react-components";
import { ProfileDescription } from "./ProfileDescription";
import { flashdutyProfile, oxProfile } from "./permsFixtures";

const show = (p: Parameters<typeof ProfileDescription>[0]["profile"]) =>
  render(
    <FluentProvider theme={webLightTheme}>
      <ProfileDescription profile={p} />
    </FluentProvider>,
  );

describe("ProfileDescription", () => {
  it("shows both of OX's connection models the way OX describes them", () => {
    show(oxProfile);
    const models = screen.getByRole("list", { name: "Connection models" });
    const items = within(models).getAllByRole("listitem");
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent("Identity provider: OX acts as the signed-in Microsoft user");
    expect(items[1]).toHaveTextContent('Bot identity: The "OX Security" Teams app, deployed to users through Teams setup policies');
  });

  it("shows a vendor's other app ids and store app id, and no model list for a one-model profile", () => {
    show({
      ...flashdutyProfile,
      id: "pagerduty",
      otherAppIds: [{ appId: "8f79a561-d2f1-4a1e-8092-c2039043a40e", label: "EU service region" }],
      storeAppId: "c8c302dc-4e77-4536-890d-0c2bffbef9cc",
    });
    expect(screen.queryByRole("list", { name: "Connection models" })).not.toBeInTheDocument();
    const ids = screen.getByRole("list", { name: "Other app ids" });
    expect(ids).toHaveTextContent("8f79a561-d2f1-4a1e-8092-c2039043a40e (EU service region)");
    expect(ids).toHaveTextContent("Teams store app id c8c302dc-4e77-4536-890d-0c2bffbef9cc");
  });

  it("renders nothing without a profile", () => {
    const { container } = show(undefined);
    expect(container.querySelector("[data-testid='perm-profile-description']")).toBeNull();
  });
});
