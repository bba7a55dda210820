// IPC for the Installations page. Only files under src/ipc/ import @tauri-apps/api.
import { Channel } from "@tauri-apps/api/core";
import { call } from "./index";
import type { BulkAction } from "./bindings/BulkAction";
import type { BulkPlan } from "./bindings/BulkPlan";
import type { CoverageRow } from "./bindings/CoverageRow";
import type { InstallState } from "./bindings/InstallState";
import type { InstallsOverview } from "./bindings/InstallsOverview";
import type { InstallsSyncRequest } from "./bindings/InstallsSyncRequest";
import type { InstallsSyncResult } from "./bindings/InstallsSyncResult";
import type { InventoryPage } from "./bindings/InventoryPage";
import type { InventoryQuery } from "./bindings/InventoryQuery";
import type { InventoryRow } from "./bindings/InventoryRow";
import type { InventorySort } from "./bindings/InventorySort";
import type { ItemResult } from "./bindings/ItemResult";
import type { ItemState } from "./bindings/ItemState";
import type { RunProgress } from "./bindings/RunProgress";
import type { RunSummary } from "./bindings/RunSummary";
import type { SavedPlan } from "./bindings/SavedPlan";
import type { Selection } from "./bindings/Selection";
import type { SyncInfo } from "./bindings/SyncInfo";
import type { TargetKind } from "./bindings/TargetKind";
import type { TargetRef } from "./bindings/TargetRef";
import type { VersionCount } from "./bindings/VersionCount";

export type {
  BulkAction,
  BulkPlan,
  CoverageRow,
  InstallState,
  InstallsOverview,
  InstallsSyncResult,
  InventoryPage,
  InventoryQuery,
  InventoryRow,
  InventorySort,
  ItemResult,
  ItemState,
  RunProgress,
  RunSummary,
  SavedPlan,
  Selection,
  SyncInfo,
  TargetKind,
  TargetRef,
  VersionCount,
};

/** What `installs_sync` may be asked for; absent fields take core's defaults (everything, channels with teams). */
export type SyncChoice = Partial<Pick<InstallsSyncRequest, "kinds" | "channels" | "fresh">>;

function progressChannel(onProgress: (p: RunProgress) => void) {
  const channel = new Channel<RunProgress>();
  channel.onmessage = onProgress;
  return channel;
}

/** The dry run, saved: `installs_run` takes its `planId`. */
const plan = (appId: string, action: BulkAction, selection: Selection) =>
  call<SavedPlan>("installs_plan", { appId, action, selection });

/** Runs the plan previewed as `planId`; refused (`conflict`) when the tenant changed since. */
const runPlan = (planId: string, onProgress: (p: RunProgress) => void) =>
  call<RunSummary>("installs_run", { planId, onProgress: progressChannel(onProgress) });

export const installsIpc = {
  overview: (appId?: string | null) => call<InstallsOverview>("installs_overview", { appId: appId ?? null }),
  query: (appId: string, query: InventoryQuery) => call<InventoryPage>("installs_query", { appId, query }),
  sync: (appId: string, onProgress: (p: RunProgress) => void, opts: SyncChoice = {}) =>
    call<InstallsSyncResult>("installs_sync", {
      appId,
      kinds: opts.kinds ?? null,
      channels: opts.channels ?? null,
      fresh: opts.fresh ?? false,
      onProgress: progressChannel(onProgress),
    }),
  cancel: () => call<boolean>("installs_cancel"),
  plan,
  runPlan,
  /** A change confirmed without a preview list (adding the bot to one team): planned, then
   * that plan is run, through the same two commands. */
  run: async (appId: string, action: BulkAction, selection: Selection, onProgress: (p: RunProgress) => void) =>
    runPlan((await plan(appId, action, selection)).planId, onProgress),
  resume: (runId: string, retryFailed: boolean, onProgress: (p: RunProgress) => void) =>
    call<RunSummary>("installs_resume", { runId, retryFailed, onProgress: progressChannel(onProgress) }),
  runs: () => call<RunSummary[]>("installs_runs"),
  runItems: (runId: string, state?: ItemState | null) =>
    call<ItemResult[]>("installs_run_items", { runId, state: state ?? null }),
};

export type InstallsIpc = typeof installsIpc;
