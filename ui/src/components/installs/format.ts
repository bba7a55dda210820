import type { InstallState, TargetKind } from "../../ipc/installs";

export function ago(secs: number): string {
  if (secs < 45) return "just now";
  const min = Math.round(secs / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.round(min / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

export const kindLabel: Record<TargetKind, string> = { team: "Teams", chat: "Group chats", user: "Users" };
export const kindSingular: Record<TargetKind, string> = { team: "team", chat: "chat", user: "user" };

export const stateLabel: Record<InstallState, string> = {
  installed: "Installed",
  not_installed: "Not installed",
  failed: "Read failed",
  unknown: "Not read yet",
};

/** A version's x.y.z parts as core's `version_key` reads them: numeric, clamped to 0..999 999,
 * missing or garbled parts are 0 (so garbage sorts first). */
function versionParts(v: string): [number, number, number] {
  const parts = v.trim().replace(/^v/, "").split(".");
  const part = (i: number) => {
    const n = Number.parseInt(parts[i] ?? "0", 10);
    return Number.isFinite(n) ? Math.min(Math.max(n, 0), 999_999) : 0;
  };
  return [part(0), part(1), part(2)];
}

/** Orders versions like core does: negative when `a` is older than `b`, 0 when equal, positive
 * when newer. Compared part by part — packing the parts into one number would pass 2^53 for
 * large majors and make distinct versions look equal. */
export function compareVersions(a: string, b: string): number {
  const y = versionParts(b);
  for (const [i, part] of versionParts(a).entries()) {
    const other = y[i] ?? 0;
    if (part !== other) return part < other ? -1 : 1;
  }
  return 0;
}

export function isOlder(version: string, than: string | null | undefined): boolean {
  return !!than && compareVersions(version, than) < 0;
}
