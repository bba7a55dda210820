// IPC for the Links page. Only files under src/ipc/ import @tauri-apps/api.
import { Channel } from "@tauri-apps/api/core";
import { call } from "./index";
import type { Integration } from "./bindings/Integration";
import type { Link } from "./bindings/Link";
import type { LinkCounts } from "./bindings/LinkCounts";
import type { LinkDisconnectOutcome } from "./bindings/LinkDisconnectOutcome";
import type { LinkEvidenceResult } from "./bindings/LinkEvidenceResult";
import type { LinkFileFormat } from "./bindings/LinkFileFormat";
import type { LinkFilter } from "./bindings/LinkFilter";
import type { LinkFinding } from "./bindings/LinkFinding";
import type { LinkHealthReport } from "./bindings/LinkHealthReport";
import type { LinkImportReport } from "./bindings/LinkImportReport";
import type { LinkPreparedTarget } from "./bindings/LinkPreparedTarget";
import type { LinkReachOutcome } from "./bindings/LinkReachOutcome";
import type { LinkState } from "./bindings/LinkState";
import type { LinkTargetChoice } from "./bindings/LinkTargetChoice";
import type { LinkTargetChoices } from "./bindings/LinkTargetChoices";
import type { LinkTargetInput } from "./bindings/LinkTargetInput";
import type { LinkTargetKind } from "./bindings/LinkTargetKind";
import type { LinksAddRequest } from "./bindings/LinksAddRequest";
import type { LinksAddResult } from "./bindings/LinksAddResult";
import type { LinksOverview } from "./bindings/LinksOverview";
import type { LinksRemoveResult } from "./bindings/LinksRemoveResult";
import type { RunProgress } from "./bindings/RunProgress";
import type { RunSummary } from "./bindings/RunSummary";
import type { VendorProfile } from "./bindings/VendorProfile";

export type {
  Integration,
  Link,
  LinkCounts,
  LinkDisconnectOutcome,
  LinkEvidenceResult,
  LinkFileFormat,
  LinkFilter,
  LinkFinding,
  LinkHealthReport,
  LinkImportReport,
  LinkPreparedTarget,
  LinkReachOutcome,
  LinkState,
  LinkTargetChoice,
  LinkTargetChoices,
  LinkTargetInput,
  LinkTargetKind,
  LinksAddRequest,
  LinksAddResult,
  LinksOverview,
  LinksRemoveResult,
  VendorProfile,
};

function progressChannel(onProgress: (p: RunProgress) => void) {
  const channel = new Channel<RunProgress>();
  channel.onmessage = onProgress;
  return channel;
}

const noProgress = () => {};

export const linksIpc = {
  overview: (filter: LinkFilter = {} as LinkFilter) => call<LinksOverview>("links_overview", { filter }),
  add: (request: LinksAddRequest) => call<LinksAddResult>("links_add", { ...request }),
  confirm: (id: string, note?: string) => call<Link>("links_confirm", { id, note: note ?? null }),
  evidence: (ids: string[]) => call<LinkEvidenceResult[]>("links_evidence", { ids }),
  /** Re-checks links (none given: every link); progress is "checking links" done/total. */
  health: (ids: string[] = [], onProgress: (p: RunProgress) => void = noProgress) =>
    call<LinkHealthReport>("links_health", { ids, onProgress: progressChannel(onProgress) }),
  remove: (ids: string[], removeBot: boolean, onProgress: (p: RunProgress) => void = noProgress) =>
    call<LinksRemoveResult>("links_remove", { ids, removeBot, onProgress: progressChannel(onProgress) }),
  disconnect: (teamId: string, integrationId?: string) =>
    call<LinkDisconnectOutcome>("links_disconnect", { teamId, integrationId: integrationId ?? null }),
  reach: (appId: string, groupId: string, onProgress: (p: RunProgress) => void = noProgress) =>
    call<LinkReachOutcome>("links_reach", { appId, groupId, onProgress: progressChannel(onProgress) }),
  fix: (appId: string, targets: LinkTargetInput[], onProgress: (p: RunProgress) => void = noProgress) =>
    call<RunSummary[]>("links_fix", { appId, targets, onProgress: progressChannel(onProgress) }),
  exportLinks: (format: LinkFileFormat, filter: LinkFilter = {} as LinkFilter) =>
    call<string>("links_export", { format, filter }),
  importLinks: (format: LinkFileFormat, text: string, goodOnly: boolean, appId?: string | null) =>
    call<LinkImportReport>("links_import", { format, text, goodOnly, appId: appId ?? null }),
  /** A custom vendor profile from a file (`toml`) or the form (`profile`); `checkOnly` saves nothing. */
  saveVendor: (source: { toml: string } | { profile: VendorProfile }, checkOnly = false) =>
    call<VendorProfile>("links_save_vendor", { ...source, checkOnly }),
  /** The wizard's picker: teams, chats, users from the bot's inventory; a team's channels from Graph. */
  targets: (appId: string, kind: LinkTargetKind, text?: string, teamId?: string | null, limit = 50) =>
    call<LinkTargetChoices>("links_targets", { appId, kind, text: text ?? null, teamId: teamId ?? null, limit }),
};
