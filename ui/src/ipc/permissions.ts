// IPC for the Permissions page. Only files under src/ipc/ import @tauri-apps/api; this one goes
// through `call` so every rejection is an ApiError the page can branch on.
import { Channel } from "@tauri-apps/api/core";
import { call } from "./index";
import type { RunProgress } from "./bindings/RunProgress";
import type { FixOutcome } from "./bindings/FixOutcome";
import type { FixPlan } from "./bindings/FixPlan";
import type { BotProfile } from "./bindings/BotProfile";
import type { PermsFixRequest } from "./bindings/PermsFixRequest";
import type { PermsInspectRequest } from "./bindings/PermsInspectRequest";
import type { PermsReport } from "./bindings/PermsReport";
import type { ProfileFormat } from "./bindings/ProfileFormat";

export type { FixOutcome, FixPlan, BotProfile, PermsFixRequest, PermsInspectRequest, PermsReport, ProfileFormat };
export type { CellState } from "./bindings/CellState";
export type { DiffRow } from "./bindings/DiffRow";
export type { MatrixColumn } from "./bindings/MatrixColumn";
export type { PermissionDiff } from "./bindings/PermissionDiff";
export type { PermissionKind } from "./bindings/PermissionKind";
export type { PermissionMatrix } from "./bindings/PermissionMatrix";
export type { RowState } from "./bindings/RowState";

export const permsIpc = {
  profiles: () => call<BotProfile[]>("perms_profiles"),
  /** `text` is the picked file's content, read in the webview (no file system access here). */
  importProfile: (fileName: string, text: string) => call<BotProfile>("perms_import_profile", { fileName, text }),
  exportProfile: (permProfileId: string, format: ProfileFormat) =>
    call<string>("perms_export_profile", { permProfileId, format }),
  deleteProfile: (permProfileId: string) => call<BotProfile[]>("perms_delete_profile", { permProfileId }),
  /** The last complete read from the cache (no network, no sign-in); null when never read. */
  cached: (request: PermsInspectRequest) => call<PermsReport | null>("perms_cached", { ...request }),
  /** Reads the tenant now (every team's RSC when asked), with progress; the read is cached. */
  inspect: (request: PermsInspectRequest, onProgress: (p: RunProgress) => void = () => {}) => {
    const channel = new Channel<RunProgress>();
    channel.onmessage = onProgress;
    return call<PermsReport>("perms_inspect", { ...request, onProgress: channel });
  },
  /** Stops the running read after the requests on the wire; the cached read stays. */
  cancel: () => call<boolean>("perms_cancel"),
  planFix: (request: PermsFixRequest) => call<FixPlan>("perms_plan_fix", { ...request }),
  applyFix: (request: PermsFixRequest) => call<FixOutcome>("perms_apply_fix", { ...request }),
};

export type PermsIpc = typeof permsIpc;
