// IPC for the Catalog page. Only files under src/ipc/ import @tauri-apps/api.
import { invoke } from "@tauri-apps/api/core";
import type { CommandName } from "./commands";
import { call, isApiError, type ApiError } from "./index";
import type { AppDefinition } from "./bindings/AppDefinition";
import type { CatalogApp } from "./bindings/CatalogApp";
import type { CatalogAppView } from "./bindings/CatalogAppView";
import type { CatalogView } from "./bindings/CatalogView";
import type { Distribution } from "./bindings/Distribution";
import type { Finding } from "./bindings/Finding";
import type { LocalPackageInfo } from "./bindings/LocalPackageInfo";
import type { PackageCheck } from "./bindings/PackageCheck";
import type { PublishOutcome } from "./bindings/PublishOutcome";
import type { PublishRefusal } from "./bindings/PublishRefusal";
import type { PublishResult } from "./bindings/PublishResult";
import type { PublishingState } from "./bindings/PublishingState";
import type { UpdateStatus } from "./bindings/UpdateStatus";

export type {
  AppDefinition,
  CatalogApp,
  CatalogAppView,
  CatalogView,
  Distribution,
  Finding,
  LocalPackageInfo,
  PackageCheck,
  PublishOutcome,
  PublishRefusal,
  PublishResult,
  PublishingState,
  UpdateStatus,
};

/** Same cap as the command's: refused here before the bytes cross IPC. */
export const MAX_PACKAGE_BYTES = 16 * 1024 * 1024;

function flag(value: boolean | undefined) {
  return value ? "1" : "0";
}

/** Sends a picked package as raw bytes (no base64); rejections become ApiErrors like `call`'s. */
async function sendZip<T>(command: CommandName, file: File, headers: Record<string, string>): Promise<T> {
  if (file.size > MAX_PACKAGE_BYTES) {
    const mib = (file.size / (1024 * 1024)).toFixed(1);
    const error: ApiError = {
      code: "invalid_input",
      message: `${file.name} is ${mib} MiB; a Teams app package is at most 16 MiB.`,
      retryable: false,
    };
    throw error;
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (err) {
    const error: ApiError = { code: "invalid_input", message: `${file.name} could not be read: ${String(err)}`, retryable: false };
    throw error;
  }
  try {
    return await invoke<T>(command, bytes, { headers });
  } catch (err) {
    if (isApiError(err)) throw err;
    const message = typeof err === "string" ? err : err instanceof Error ? err.message : String(err);
    const error: ApiError = { code: "internal", message, retryable: false };
    throw error;
  }
}

export const catalogIpc = {
  list: (refresh: boolean) => call<CatalogView>("catalog_list", { refresh }),
  /** Finds an app outside the org catalog (a Teams store bot) by name or id; it is listed from then on. */
  find: (app: string) => call<CatalogView>("catalog_find", { app }),
  /** The zip travels as raw bytes (no base64); options in headers. */
  publish: (file: File, opts: { updateIfExists?: boolean; review?: boolean } = {}) =>
    sendZip<PublishResult>("catalog_publish", file, {
      "x-botdeck-update-if-exists": flag(opts.updateIfExists),
      "x-botdeck-review": flag(opts.review),
    }),
  update: (catalogId: string, file: File, opts: { review?: boolean } = {}) =>
    sendZip<PublishResult>("catalog_update", file, { "x-botdeck-catalog-id": catalogId, "x-botdeck-review": flag(opts.review) }),
  /** Reads a chosen zip locally (manifest id, version, findings); nothing is uploaded. */
  inspect: (file: File) => sendZip<PackageCheck>("catalog_inspect", file, {}),
  /** Publishes the package open in the Package page; with a catalog id, as its update. */
  publishOpen: (catalogId: string | null, opts: { review?: boolean } = {}) =>
    call<PublishResult>("catalog_publish_open", { catalogId, review: !!opts.review }),
  review: (catalogId: string, definitionId: string, approve: boolean) =>
    call<CatalogApp>("catalog_review", { catalogId, definitionId, approve }),
  withdraw: (catalogId: string, definitionId: string) =>
    call<CatalogApp | null>("catalog_withdraw", { catalogId, definitionId }),
  remove: (catalogId: string) => call<null>("catalog_delete", { catalogId }),
};

export type CatalogIpc = typeof catalogIpc;
