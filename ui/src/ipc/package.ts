// IPC for the Package page. Only files under src/ipc/ import @tauri-apps/api.
//
// The open package lives in the app (Rust); every call answers with a fresh PackageView
// (findings included), so the page never validates anything itself. Files the admin picks are
// sent as raw bytes (Tauri's InvokeBody::Raw) with the name in a URI-encoded header.
import { invoke } from "@tauri-apps/api/core";
import type { CommandName } from "./commands";
import { call, isApiError, type ApiError } from "./index";
import type { BuildResult } from "./bindings/BuildResult";
import type { BumpLevel } from "./bindings/BumpLevel";
import type { DiffResult } from "./bindings/DiffResult";
import type { IconChange } from "./bindings/IconChange";
import type { IconFixPreview } from "./bindings/IconFixPreview";
import type { IconRole } from "./bindings/IconRole";
import type { ManifestEdit } from "./bindings/ManifestEdit";
import type { NewPackageRequest } from "./bindings/NewPackageRequest";
import type { PackageView } from "./bindings/PackageView";

export type { BuildResult, BumpLevel, DiffResult, IconChange, IconFixPreview, IconRole, ManifestEdit, NewPackageRequest, PackageView };
export type { Finding } from "./bindings/Finding";
export type { Severity } from "./bindings/Severity";
export type { ManifestForm } from "./bindings/ManifestForm";
export type { CommandListForm } from "./bindings/CommandListForm";
export type { CommandForm } from "./bindings/CommandForm";
export type { RscPermissionForm } from "./bindings/RscPermissionForm";
export type { IconView } from "./bindings/IconView";
export type { PackageDiff } from "./bindings/PackageDiff";
export type { DiffEntry } from "./bindings/DiffEntry";
export type { FileChange } from "./bindings/FileChange";
export type { ApiError };

/** Same cap as the app's (and the core's archive import): checked before reading the file. */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

function tooLarge(file: File): ApiError {
  const mib = (file.size / (1024 * 1024)).toFixed(1);
  return {
    code: "invalid_input",
    message: `${file.name} is ${mib} MiB; BotDeck opens files of at most 64 MiB (Teams itself accepts 10 MB packages).`,
    retryable: false,
  };
}

/** Blob.arrayBuffer where it exists (WebKit), FileReader otherwise (jsdom in tests). */
function readBytes(file: File): Promise<Uint8Array> {
  if (typeof file.arrayBuffer === "function") return file.arrayBuffer().then((b) => new Uint8Array(b));
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error);
    reader.readAsArrayBuffer(file);
  });
}

/** Sends a picked file as raw bytes; rejections become ApiErrors like `call`'s. */
async function sendFile<T>(command: CommandName, file: File, headers: Record<string, string> = {}): Promise<T> {
  if (file.size > MAX_UPLOAD_BYTES) throw tooLarge(file);
  let bytes: Uint8Array;
  try {
    bytes = await readBytes(file);
  } catch (err) {
    const wrapped: ApiError = { code: "invalid_input", message: `${file.name} could not be read: ${String(err)}`, retryable: false };
    throw wrapped;
  }
  try {
    return await invoke<T>(command, bytes, {
      headers: { "x-botdeck-file-name": encodeURIComponent(file.name), ...headers },
    });
  } catch (err) {
    if (isApiError(err)) throw err;
    const message = typeof err === "string" ? err : err instanceof Error ? err.message : String(err);
    const wrapped: ApiError = { code: "internal", message, retryable: false };
    throw wrapped;
  }
}

export const packageIpc = {
  open: (file: File) => sendFile<PackageView>("package_open", file),
  openPath: (path: string) => call<PackageView>("package_open_path", { path }),
  newApp: (req: NewPackageRequest) => call<PackageView>("package_new", { ...req }),
  current: () => call<PackageView | null>("package_current"),
  close: () => call<null>("package_close"),
  edit: (edits: ManifestEdit[]) => call<PackageView>("package_edit", { edits }),
  setManifest: (text: string) => call<PackageView>("package_set_manifest", { text }),
  setCatalogVersion: (catalogVersion: string | null) =>
    call<PackageView>("package_set_catalog_version", { catalogVersion }),
  bump: (level: BumpLevel) => call<PackageView>("package_bump", { level }),
  iconFixPreview: (icon: IconRole) => call<IconFixPreview>("package_icon_fix_preview", { icon }),
  iconFix: (icon: IconRole) => call<IconChange>("package_icon_fix", { icon }),
  iconReplace: (icon: IconRole, file: File) => sendFile<IconChange>("package_icon_replace", file, { "x-botdeck-icon": icon }),
  build: (directory: string | null, fileName: string | null) =>
    call<BuildResult>("package_build", {
      ...(directory ? { directory } : {}),
      ...(fileName ? { fileName } : {}),
    }),
  diff: (file: File) => sendFile<DiffResult>("package_diff", file),
};

export type PackageIpc = typeof packageIpc;
