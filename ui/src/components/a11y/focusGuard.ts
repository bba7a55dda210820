// Keyboard focus never falls to the page body. A button that disables itself while its work
// runs ("Refresh" → "Reading…"), or a control that leaves the page, takes focus with it; the
// next Tab would then start again from the top of the window. The guard notices and puts focus
// on the nearest sensible place: the first usable control in the same dialog, or the page's
// title (which is focusable for this reason), never the body.
const SURFACE = '[role="dialog"], [role="alertdialog"]';
const USABLE =
  'button:not([disabled]), a[href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function unusable(el: Element | null): boolean {
  return !el || !el.isConnected || (el as HTMLButtonElement).disabled === true;
}

/** Starts watching `doc`; returns the function that stops it. */
export function installFocusGuard(doc: Document = document): () => void {
  let last: HTMLElement | null = null;
  let lastSurface: Element | null = null;
  const onFocusIn = (event: FocusEvent) => {
    if (event.target instanceof HTMLElement && event.target !== doc.body) {
      last = event.target;
      lastSurface = event.target.closest(SURFACE);
    }
  };
  const check = () => {
    if (!last) return;
    const active = doc.activeElement;
    const fell = !active || active === doc.body || (active === last && unusable(last));
    if (!fell || !unusable(last)) return;
    const surface = lastSurface?.isConnected ? lastSurface : null;
    const inSurface = surface?.querySelector<HTMLElement>(USABLE) ?? null;
    const next = inSurface ?? doc.getElementById("page-title");
    last = null;
    next?.focus();
  };
  // A task later, not at once: a closing dialog gives focus back to its opener first
  // (useReturnFocus), and that is the better place.
  let pending = 0;
  const later = () => {
    if (!pending) pending = window.setTimeout(() => ((pending = 0), check()), 0);
  };
  doc.addEventListener("focusin", onFocusIn, true);
  const observer = new MutationObserver(later);
  observer.observe(doc.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["disabled"] });
  return () => {
    doc.removeEventListener("focusin", onFocusIn, true);
    observer.disconnect();
    window.clearTimeout(pending);
  };
}
