import { describe, expect, it } from "vitest";
import { count } from "./plural";

describe("count", () => {
  it("says one or many, never '(s)'", () => {
    expect(count(1, "target")).toBe("1 target");
    expect(count(0, "error")).toBe("0 errors");
    expect(count(19, "target")).toBe("19 targets");
    expect(count(2, "team/chat", "teams/chats")).toBe("2 teams/chats");
  });
});
