// Escape closes the topmost open dialog wherever focus is. Fluent's own Escape handling needs
// focus inside the surface, which a dialog loses when the button pressed in it disappears or
// before its opening animation has placed focus; a document-level handler does not. Dialogs
// register in opening order, so a sign-in opened from a confirmation closes first.
import { useEffect, useRef } from "react";

const stack: { current: () => void }[] = [];
let listening = false;

function onKeyDown(event: KeyboardEvent) {
  if (event.key !== "Escape" || event.defaultPrevented) return;
  const top = stack[stack.length - 1];
  if (!top) return;
  event.preventDefault();
  event.stopPropagation();
  top.current();
}

export function useEscape(open: boolean, onEscape: () => void) {
  const handler = useRef(onEscape);
  handler.current = onEscape;
  useEffect(() => {
    if (!open) return;
    const entry = { current: () => handler.current() };
    stack.push(entry);
    if (!listening) {
      // Capture: ahead of Fluent's surface handler, so one Escape closes one dialog.
      document.addEventListener("keydown", onKeyDown, true);
      listening = true;
    }
    return () => {
      const i = stack.indexOf(entry);
      if (i >= 0) stack.splice(i, 1);
      if (stack.length === 0 && listening) {
        document.removeEventListener("keydown", onKeyDown, true);
        listening = false;
      }
    };
  }, [open]);
}
