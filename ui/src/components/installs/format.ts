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

/** Same ordering as core's `version_key` (x.y.z, each part numeric; garbage sorts first). */
export function versionKey(v: string): number {
  const parts = v.trim().replace(/^v/, "").split(".");
  let key = 0;
  for (let i = 0; i < 3; i++) {
    const n = Number.parseInt(parts[i] ?? "0", 10);
    key = key * 1_000_000 + (Number.isFinite(n) ? Math.min(Math.max(n, 0), 999_999) : 0);
  }
  return key;
}

export function isOlder(version: string, than: string | null | undefined): boolean {
  return !!than && versionKey(version) < versionKey(than);
}
