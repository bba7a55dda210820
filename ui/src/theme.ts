import { useEffect, useState } from "react";
import { teamsDarkTheme, teamsLightTheme, type Theme } from "@fluentui/react-components";
import type { ThemePreference } from "./ipc";

export type EffectiveTheme = "light" | "dark";

const query = "(prefers-color-scheme: dark)";

/** The OS preference, kept current while the window is open. */
export function useSystemTheme(): EffectiveTheme {
  const [dark, setDark] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const media = window.matchMedia(query);
    const onChange = (e: MediaQueryListEvent) => setDark(e.matches);
    media.addEventListener("change", onChange);
    return () => media.removeEventListener("change", onChange);
  }, []);
  return dark ? "dark" : "light";
}

export function effectiveTheme(pref: ThemePreference, system: EffectiveTheme): EffectiveTheme {
  return pref === "system" ? system : pref;
}

// Teams' own palette: the admin sees the design language of the product they administer.
export function fluentTheme(theme: EffectiveTheme): Theme {
  return theme === "dark" ? teamsDarkTheme : teamsLightTheme;
}
