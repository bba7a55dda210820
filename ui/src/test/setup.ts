import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterAll, afterEach } from "vitest";
import { RETURN_FOCUS_LOOKS_MS } from "../components/a11y/useReturnFocus";

afterEach(() => cleanup());

// findBy*/waitFor return as soon as their condition holds; the default 1 s bound only fails
// them on a loaded machine (a cold CI run next to other builds), never catches a real bug.
configure({ asyncUtilTimeout: 10_000 });

// A closed dialog looks at focus again up to RETURN_FOCUS_LOOKS_MS later. Those looks must run
// before the file's jsdom is torn down, or they throw "document is not defined" into the run.
// A timer set now fires after them however slow the machine is (timers fire in due order).
afterAll(() => new Promise<void>((resolve) => setTimeout(resolve, Math.max(...RETURN_FOCUS_LOOKS_MS) + 50)));

// jsdom lacks matchMedia; the theme follows the OS through it.
if (!window.matchMedia) {
  Object.defineProperty(window, "matchMedia", {
    writable: true,
    value: (query: string) => ({
      matches: false,
      media: query,
      onchange: null,
      addEventListener: () => {},
      removeEventListener: () => {},
      addListener: () => {},
      removeListener: () => {},
      dispatchEvent: () => false,
    }),
  });
}

// jsdom lacks ResizeObserver; Fluent's MessageBar measures itself with it.
if (!("ResizeObserver" in window)) {
  class ResizeObserverStub {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  Object.defineProperty(window, "ResizeObserver", { writable: true, value: ResizeObserverStub });
  Object.defineProperty(globalThis, "ResizeObserver", { writable: true, value: ResizeObserverStub });
}
