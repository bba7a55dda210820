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

/** A version as a filter takes it: `1`, `1.0` or `1.0.2` (optional leading v) — as core's check. */
export function isVersionText(text: string): boolean {
  return /^[vV]?\d{1,6}(\.\d{1,6}){0,2}$/.test(text.trim());
}

/** What a filter's version field says about its input, or null when it is fine. */
export function versionProblem(text: string): string | null {
  if (!text.trim() || isVersionText(text)) return null;
  return `"${text.trim()}" is not a version: type numbers separated by dots, such as 1.0.2`;
}

export interface RunCounts {
  status: string;
  succeeded: number;
  alreadyDone: number;
  failed: number;
  pending: number;
  cancelRequested?: boolean;
}

/**
 * A bulk run's outcome in words: done, failed and not attempted apart, and what a cancel did
 * ("Cancelled: 4 done, 0 failed, 22 not attempted"; a cancel that came after the last request
 * was sent says so instead of claiming to have stopped anything).
 */
export function runOutcomeText(s: RunCounts): string {
  const done = s.succeeded + s.alreadyDone;
  const already = s.alreadyDone > 0 ? ` (${s.alreadyDone} of them already done before)` : "";
  const counts = `${done} done${already}, ${s.failed} failed`;
  if (s.status === "cancelled") return `Cancelled: ${counts}, ${s.pending} not attempted.`;
  if (s.pending > 0) return `Interrupted: ${counts}, ${s.pending} not attempted.`;
  if (s.cancelRequested) return `Completed before the cancel took effect (every request was already sent): ${counts}.`;
  return `Completed: ${counts}.`;
}
