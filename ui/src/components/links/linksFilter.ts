// The Overview's link-health card opens the Links page filtered on one state. Pages are
// chosen by id only, so the wish travels through sessionStorage and is taken once.
import type { LinkState } from "../../ipc/links";

const KEY = "botdeck.links.stateFilter";
const STATES: LinkState[] = ["linked", "awaiting", "broken", "planned"];

export function openLinksFiltered(state: LinkState) {
  try {
    sessionStorage.setItem(KEY, state);
  } catch {
    /* storage refused: the page opens unfiltered */
  }
}

export function takeLinksFilter(): LinkState | null {
  try {
    const v = sessionStorage.getItem(KEY);
    sessionStorage.removeItem(KEY);
    return STATES.find((s) => s === v) ?? null;
  } catch {
    return null;
  }
}
