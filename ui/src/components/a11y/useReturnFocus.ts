// Where focus goes when a dialog closes: back to what opened it. Fluent restores focus only to
// a DialogTrigger; our dialogs are opened from buttons, links and table rows, so each remembers
// the element that had focus when it opened and gives focus back when it closes (or unmounts)
// — unless the admin has already put focus somewhere else on purpose.
import { useEffect, useRef } from "react";

export function restoreFocus(target: HTMLElement | null) {
  if (!target) return;
  const now = document.activeElement;
  const lost = !now || now === document.body || !document.body.contains(now);
  if (!lost) return;
  const usable = document.body.contains(target) && !(target as HTMLButtonElement).disabled;
  // A button that disabled itself (or left the page) cannot take focus: the page title can.
  (usable ? target : document.getElementById("page-title"))?.focus();
}

export function useReturnFocus(open: boolean) {
  // Read while rendering the opening: a dialog's own effects (which run before ours) have
  // already moved focus inside it by the time an effect here could look.
  const opener = useRef<HTMLElement | null>(null);
  const wasOpen = useRef(false);
  if (open && !wasOpen.current) {
    const active = typeof document === "undefined" ? null : document.activeElement;
    opener.current = active instanceof HTMLElement && active !== document.body ? active : null;
  }
  wasOpen.current = open;
  useEffect(() => {
    if (!open) return;
    const target = opener.current;
    // After the surface is gone: Fluent animates it out, so it may still hold focus for a few
    // hundred milliseconds and then drop it on the body. Look again until then.
    return () => {
      for (const ms of [0, 120, 300, 600]) window.setTimeout(() => restoreFocus(target), ms);
    };
  }, [open]);
}
