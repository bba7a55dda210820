// Where focus goes when a dialog closes: back to what opened it. Fluent restores focus only to
// a DialogTrigger; our dialogs are opened from buttons, links and table rows, so each remembers
// the element that had focus when it opened and gives focus back when it closes (or unmounts)
// — unless the admin has already put focus somewhere else on purpose.
//
// Two things WebKit (the desktop window) does differently from jsdom and Chromium, and which
// made focus land on the page body after Escape:
//  - a mouse click does not focus a button (Safari's rule), so "what had focus" at opening is
//    the body; the opener is then the control the pointer last pressed;
//  - Fluent animates a closing surface out, and focus stays inside it until it is removed, then
//    drops to the body. Waiting for that left a window in which focus was nowhere; instead focus
//    is taken out of the closing surface at once.
import { useEffect, useRef } from "react";

const SURFACE = '[role="dialog"], [role="alertdialog"]';
const CONTROL = 'button, a[href], input, select, textarea, [tabindex], [role="button"], [role="row"], [role="tab"]';

/** The control the pointer last pressed (WebKit leaves it unfocused). */
let lastPressed: HTMLElement | null = null;
let tracking = false;
function trackPointer() {
  if (tracking || typeof document === "undefined") return;
  tracking = true;
  document.addEventListener(
    "pointerdown",
    (event) => {
      const target = event.target instanceof Element ? event.target.closest(CONTROL) : null;
      lastPressed = target instanceof HTMLElement ? target : null;
    },
    true,
  );
}

/** What a dialog opening now should give focus back to. */
export function currentOpener(): HTMLElement | null {
  if (typeof document === "undefined") return null;
  const active = document.activeElement;
  if (active instanceof HTMLElement && active !== document.body) return active;
  return lastPressed && document.body.contains(lastPressed) ? lastPressed : null;
}

function focusable(el: HTMLElement | null): el is HTMLElement {
  return !!el && document.body.contains(el) && !(el as HTMLButtonElement).disabled && !el.closest("[inert]");
}

/**
 * Gives focus back to `target` when focus is nowhere useful: on the body, on a removed element,
 * or still inside a closing dialog surface (one that does not hold `target`, so a sign-in
 * opened from a confirmation gives focus back inside the confirmation).
 */
export function restoreFocus(target: HTMLElement | null) {
  const now = document.activeElement;
  const surface = now instanceof Element ? now.closest(SURFACE) : null;
  const lost =
    !now ||
    now === document.body ||
    !document.body.contains(now) ||
    (surface !== null && closing.has(surface) && !(target && surface.contains(target)));
  if (!lost) return;
  // A button that disabled itself (or left the page) cannot take focus: the page title can.
  const next = focusable(target) ? target : document.getElementById("page-title");
  next?.focus();
}

/** When, after a dialog closes, focus is looked at again (Fluent may move it while the surface animates out). */
export const RETURN_FOCUS_LOOKS_MS = [50, 200, 500] as const;

/** Surfaces whose dialog has closed but which are still animating out. */
const closing = new WeakSet<Element>();

export function useReturnFocus(open: boolean) {
  trackPointer();
  // Read while rendering the opening: a dialog's own effects (which run before ours) have
  // already moved focus inside it by the time an effect here could look.
  const opener = useRef<HTMLElement | null>(null);
  const wasOpen = useRef(false);
  if (open && !wasOpen.current) opener.current = currentOpener();
  wasOpen.current = open;
  useEffect(() => {
    if (!open) return;
    const target = opener.current;
    return () => {
      // The surface focus is in now is the one closing (a dialog only closes from inside it
      // or by Escape, which focus inside it received).
      const active = document.activeElement;
      const surface = active instanceof Element ? active.closest(SURFACE) : null;
      if (surface && !(target && surface.contains(target))) closing.add(surface);
      restoreFocus(target);
      // Fluent may still move focus while the surface animates out; look again until it is gone.
      for (const ms of RETURN_FOCUS_LOOKS_MS) window.setTimeout(() => restoreFocus(target), ms);
    };
  }, [open]);
}
