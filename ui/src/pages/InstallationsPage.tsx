import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  Button,
  Card,
  CardHeader,
  Checkbox,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  ProgressBar,
  SearchBox,
  Select,
  Text,
  tokens,
} from "@fluentui/react-components";
import { ArrowDownloadRegular, DismissRegular, WrenchRegular } from "@fluentui/react-icons";
import type { ApiError, Feature } from "../ipc";
import { catalogIpc } from "../ipc/catalog";
import {
  installsIpc,
  type BulkAction,
  type InstallState,
  type InstallsOverview,
  type InstallsSyncResult,
  type InventoryRow,
  type InventorySort,
  type SyncInfo,
  type TargetKind,
  type TargetRef,
} from "../ipc/installs";
import { useSession } from "../session";
import { CancelWorkButton, fraction, progressText, useBackgroundWork, type Outcome } from "../work";
import { CoveragePicture } from "../components/installs/CoveragePicture";
import { VersionSpread } from "../components/installs/VersionSpread";
import { InventoryTable, rowKey, type Filter } from "../components/installs/InventoryTable";
import { BulkDrawer, type BulkOutcome, type BulkSource } from "../components/installs/BulkDrawer";
import { kindsText, loadSyncChoice, saveSyncChoice, SyncButton, syncRequest, type SyncChoiceState } from "../components/installs/SyncButton";
import { ConsentPrompt } from "../components/installs/ConsentPrompt";
import { ago, kindSingular, runOutcomeText, versionProblem } from "../components/installs/format";
import { inventoryCsv } from "../components/installs/inventoryCsv";
import { copyText, downloadText } from "../components/permissions/exportText";
import { count } from "../components/plural";

const useStyles = makeStyles({
  // minmax(0, 1fr): long messages and the wide table wrap, never widen the page. The table
  // scrolls with the page: one scroll area.
  root: { display: "grid", gridTemplateColumns: "minmax(0, 1fr)", gap: tokens.spacingVerticalL },
  bar: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "end", flexWrap: "wrap" },
  pictures: { display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(320px, 1fr))", gap: tokens.spacingHorizontalL },
  muted: { color: tokens.colorNeutralForeground3 },
  progress: { display: "grid", gap: tokens.spacingVerticalXS, maxWidth: "640px" },
});

const emptyFilter: Filter = {
  kind: null,
  state: null,
  olderThan: null,
  version: null,
  text: null,
  includeArchived: null,
  sort: null,
  descending: false,
};

/** What the admin typed and chose, kept for the window's session: leaving the page loses nothing. */
interface SavedFilter {
  filter: Filter;
  text: string;
  older: string;
}

const FILTER_KEY = "botdeck.installs.filter";

export function loadFilter(): SavedFilter {
  try {
    const raw = sessionStorage.getItem(FILTER_KEY);
    if (!raw) return { filter: emptyFilter, text: "", older: "" };
    const saved = JSON.parse(raw) as Partial<SavedFilter>;
    const filter = { ...emptyFilter, ...(saved.filter ?? {}) };
    // Only known fields travel to core (it refuses unknown ones).
    const known = Object.fromEntries(Object.keys(emptyFilter).map((k) => [k, filter[k as keyof Filter]])) as unknown as Filter;
    return { filter: known, text: typeof saved.text === "string" ? saved.text : "", older: typeof saved.older === "string" ? saved.older : "" };
  } catch {
    return { filter: emptyFilter, text: "", older: "" };
  }
}

function saveFilter(saved: SavedFilter) {
  try {
    sessionStorage.setItem(FILTER_KEY, JSON.stringify(saved));
  } catch {
    // Storage full or refused: the filter simply does not outlive the page.
  }
}

interface Problem {
  error: ApiError;
  feature: Feature;
  /** The background work whose outcome this is (dismissing it forgets that outcome). */
  from?: "sync" | "bulk";
}

function syncText(result: InstallsSyncResult): { intent: "success" | "warning"; text: string } {
  const r = result.report;
  const what = kindsText(result.kinds);
  const scope = what ? ` (${what} only)` : "";
  const text =
    r.status === "completed"
      ? `Synced ${result.appName}${scope}: ${r.targets.toLocaleString()} targets, ${count(r.failed, "failed read")}${r.resumed ? " (continued an unfinished sync)" : ""}.`
      : `The sync of ${result.appName}${scope} was ${r.status}; the cache keeps what it read, and the next sync continues where it stopped.`;
  const warnings = r.warnings.length ? ` ${r.warnings.join(" ")}` : "";
  return { intent: r.status === "completed" && !r.warnings.length ? "success" : "warning", text: text + warnings };
}

/** "synced 5 min ago", and what the last sync did when it did not complete. */
function ageText(latest: SyncInfo | null, completed: SyncInfo | null, name: string, since: number, busy: boolean): string {
  if (!latest) return "Never synced";
  const scope = (info: SyncInfo) => {
    const what = kindsText(info.kinds);
    return what ? ` (${what})` : "";
  };
  if (latest.status === "completed") return `${name} synced ${ago(latest.ageSecs + since)}${scope(latest)}`;
  // "running" in the cache with nothing running in this window: BotDeck stopped mid-sync.
  const status = latest.status === "running" && !busy ? "interrupted" : latest.status;
  const stopped = `last sync ${status} at ${latest.done.toLocaleString()}/${latest.total.toLocaleString()}${scope(latest)}`;
  if (!completed) return `Never fully synced; ${stopped}. Sync continues it`;
  return `${name} synced ${ago(completed.ageSecs + since)}${scope(completed)}; ${stopped}. Sync continues it`;
}

/** How often the page asks whether a run it cannot follow has ended. */
export const ORPHAN_POLL_MS = 3000;

export function InstallationsPage() {
  const styles = useStyles();
  const { session } = useSession();
  const work = useBackgroundWork();
  const [overview, setOverview] = useState<InstallsOverview | null>(null);
  const [appId, setAppId] = useState<string | null>(null);
  const [initial] = useState(loadFilter);
  const [filter, setFilter] = useState<Filter>(initial.filter);
  const [textInput, setTextInput] = useState(initial.text);
  const [olderInput, setOlderInput] = useState(initial.older);
  const [exporting, setExporting] = useState(false);
  const [reloadKey, setReloadKey] = useState(0);
  const [filteredTotal, setFilteredTotal] = useState(0);
  const [selected, setSelected] = useState<Map<string, TargetRef>>(new Map());
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState<{ intent: "success" | "warning"; text: string } | null>(null);
  const [drawer, setDrawer] = useState<BulkAction | null>(null);
  const [drawerView, setDrawerView] = useState<"form" | "result">("form");
  // Which targets the drawer opens with, and whether it plans at once (a row's own menu, the
  // Catalog's "Upgrade N outdated installations").
  const [drawerPreset, setDrawerPreset] = useState<{ source: BulkSource | null; autoPreview: boolean }>({
    source: null,
    autoPreview: false,
  });
  const [syncChoice, setSyncChoice] = useState<SyncChoiceState>(loadSyncChoice);
  const [loadingApps, setLoadingApps] = useState(false);
  const [loadedAt, setLoadedAt] = useState(() => Date.now());
  const [, tick] = useState(0);

  const syncing = work.work?.key === "sync";
  const bulkRunning = work.work?.key === "bulk";
  // The app is running a sync or bulk run this window did not start — it was reloaded mid-run,
  // so the run's progress channel died with the old page. The run itself goes on in the app.
  const orphanRun = !!overview?.busy && !work.work;
  const signedIn = !!session?.signedIn;
  // Outcomes live above the pages: a run that ended while the admin was elsewhere is shown here.
  const syncOutcome = work.outcomes.sync as Outcome<InstallsSyncResult> | undefined;
  const bulkOutcome = work.outcomes.bulk as Outcome<BulkOutcome> | undefined;

  // Answers can arrive out of order (a bot chosen while the app list is still loading): only
  // the newest request's answer is shown, so an older one never undoes the admin's choice.
  const latestRefresh = useRef(0);
  // The bot last chosen, ahead of the cache's answer: whatever refreshes later asks for this one.
  const chosen = useRef<string | null>(null);
  const refresh = useCallback(async (id: string | null) => {
    const request = ++latestRefresh.current;
    try {
      const next = await installsIpc.overview(id);
      if (request !== latestRefresh.current) return;
      chosen.current = next.appId;
      setOverview(next);
      setAppId(next.appId);
      setLoadedAt(Date.now());
      setReloadKey((k) => k + 1);
    } catch (err) {
      if (request === latestRefresh.current) setProblem({ error: err as ApiError, feature: "read_tenant" });
    }
  }, []);

  useEffect(() => {
    void refresh(null);
  }, [refresh]);

  // A sync or bulk run ended (here or while this page was not even mounted): re-read the cache.
  const seenFinished = useRef(work.finished);
  useEffect(() => {
    if (seenFinished.current === work.finished) return;
    seenFinished.current = work.finished;
    // A finished run makes any earlier "signed in, try again" advice stale.
    setNotice(null);
    void refresh(chosen.current);
  }, [work.finished, refresh]);

  // Another page asked for a bulk change (the Catalog's "Upgrade N outdated installations"):
  // choose that bot and open the drawer with those targets planned.
  const { bulkRequest, requestBulk } = work;
  const [pendingRequest, setPendingRequest] = useState<typeof bulkRequest>(null);
  useEffect(() => {
    if (!bulkRequest) return;
    requestBulk(null);
    setPendingRequest(bulkRequest);
    chosen.current = bulkRequest.appId;
    void refresh(bulkRequest.appId);
  }, [bulkRequest, requestBulk, refresh]);
  // The drawer opens once the page shows that bot: it plans against the page's app.
  useEffect(() => {
    if (!pendingRequest || appId !== pendingRequest.appId) return;
    setPendingRequest(null);
    setDrawerPreset({
      source: {
        label: `Installations older than ${pendingRequest.olderThan}`,
        selection: { filter: { ...emptyFilter, olderThan: pendingRequest.olderThan, offset: 0, limit: 0 }, ids: [] },
      },
      autoPreview: true,
    });
    setDrawerView("form");
    setDrawer(pendingRequest.action);
  }, [pendingRequest, appId]);

  const chooseSync = useCallback((next: SyncChoiceState) => {
    setSyncChoice(next);
    saveSyncChoice(next);
  }, []);

  // Without a progress channel, the only way to learn that such a run ended is to ask.
  useEffect(() => {
    if (!orphanRun) return;
    const t = window.setInterval(() => void refresh(chosen.current), ORPHAN_POLL_MS);
    return () => window.clearInterval(t);
  }, [orphanRun, refresh]);

  // "synced 3 min ago" keeps counting while the page is open.
  useEffect(() => {
    const t = window.setInterval(() => tick((n) => n + 1), 30_000);
    return () => window.clearInterval(t);
  }, []);

  // Typing filters after a short pause, not per keystroke. A version that is not one is said
  // next to the field and not applied (core would refuse it too).
  const olderProblem = versionProblem(olderInput);
  useEffect(() => {
    const t = window.setTimeout(() => {
      setFilter((f) => ({
        ...f,
        text: textInput.trim() || null,
        olderThan: olderProblem ? f.olderThan && null : olderInput.trim() || null,
      }));
    }, 200);
    return () => window.clearTimeout(t);
  }, [textInput, olderInput, olderProblem]);

  useEffect(() => saveFilter({ filter, text: textInput, older: olderInput }), [filter, textInput, olderInput]);

  useEffect(() => setSelected(new Map()), [appId]);

  const fail = useCallback((error: ApiError, feature: Feature = "read_tenant") => setProblem({ error, feature }), []);

  const loadApps = async () => {
    setLoadingApps(true);
    setProblem(null);
    try {
      await catalogIpc.list(true);
      // The bot chosen now, not when the list was asked for: the admin may have picked one meanwhile.
      await refresh(chosen.current);
    } catch (err) {
      fail(err as ApiError);
    } finally {
      setLoadingApps(false);
    }
  };

  const choose = (id: string | null) => {
    chosen.current = id;
    void refresh(id);
  };

  // What to repeat after "Sign in again" on the page (a sync that asked for it).
  const retryAfterSignIn = useRef<(() => void) | null>(null);
  const sync = (fresh: boolean) => {
    retryAfterSignIn.current = () => sync(fresh);
    const options = syncRequest(syncChoice, fresh);
    if (!appId || !options) return;
    setProblem(null);
    setNotice(null);
    const what = kindsText(options.kinds);
    const label = `${fresh ? "Full resync" : "Sync"}${what ? ` of ${what}` : ""}`;
    // Not awaited here: the run belongs to the work context and outlives this page.
    void work.run("sync", label, (report) => installsIpc.sync(appId, report, options), () => void installsIpc.cancel());
  };

  const toggle = useCallback((row: InventoryRow, on: boolean) => {
    setSelected((prev) => {
      const next = new Map(prev);
      if (on) next.set(rowKey(row), { kind: row.kind, id: row.id });
      else next.delete(rowKey(row));
      return next;
    });
  }, []);

  const published = overview?.publishedVersion ?? null;
  const app = overview?.apps.find((a) => a.id === appId) ?? null;
  const lastSync = overview?.sync ?? null;
  const sinceLoad = Math.floor((Date.now() - loadedAt) / 1000);
  const filterActive = [filter.kind, filter.state, filter.olderThan, filter.version, filter.text, filter.includeArchived].some((v) => v !== null);

  const sources: BulkSource[] = useMemo(() => {
    const list: BulkSource[] = [];
    if (drawerPreset.source) list.push(drawerPreset.source);
    if (selected.size > 0) list.push({ label: `The ${count(selected.size, "checked row")}`, selection: { filter: null, ids: [...selected.values()] } });
    if (filterActive)
      list.push({
        label: `Every row of the current filter (${filteredTotal.toLocaleString()})`,
        selection: { filter: { ...filter, offset: 0, limit: 0 }, ids: [] },
      });
    list.push({
      label: "Teams without the bot",
      selection: { filter: { ...emptyFilter, kind: "team", state: "not_installed", offset: 0, limit: 0 }, ids: [] },
    });
    if (published && drawerPreset.source?.label !== `Installations older than ${published}`)
      list.push({
        label: `Installations older than ${published}`,
        selection: { filter: { ...emptyFilter, olderThan: published, offset: 0, limit: 0 }, ids: [] },
      });
    return list;
  }, [selected, filter, filterActive, filteredTotal, published, drawerPreset.source]);


  const progress = syncing ? work.work?.progress ?? null : null;
  // A sync's report is old news once a bulk run ended after it (that run's summary is what
  // matters, and it is the way back to its per-item results).
  const syncCurrent = !!syncOutcome && (!bulkOutcome || syncOutcome.at >= bulkOutcome.at);
  const shownProblem: Problem | null =
    problem ??
    (syncCurrent && syncOutcome?.error ? { error: syncOutcome.error, feature: "read_tenant", from: "sync" } : null) ??
    // While the drawer is open it shows (and repeats after a sign-in) its own run's error.
    (bulkOutcome?.error && drawer === null ? { error: bulkOutcome.error, feature: "install", from: "bulk" } : null);
  const dismissProblem = () => {
    if (shownProblem?.from) work.forget(shownProblem.from);
    else setProblem(null);
  };
  const syncNotice = syncCurrent && syncOutcome?.value ? syncText(syncOutcome.value) : null;
  const bulkResult = bulkOutcome?.value?.summary ?? null;
  const openDrawer = (action: BulkAction, view: "form" | "result") => {
    setDrawerPreset({ source: null, autoPreview: false });
    setDrawerView(view);
    setDrawer(action);
  };
  const openForRow = (row: InventoryRow, action: BulkAction) => {
    setDrawerPreset({
      source: { label: `This ${kindSingular[row.kind]}: ${row.displayName}`, selection: { filter: null, ids: [{ kind: row.kind, id: row.id }] } },
      autoPreview: true,
    });
    setDrawerView("form");
    setDrawer(action);
  };
  const sortBy = (sort: InventorySort, descending: boolean) => setFilter((f) => ({ ...f, sort, descending }));
  const pickVersion = (version: string | null) => setFilter((f) => ({ ...f, version, state: null }));

  const exportCsv = async () => {
    if (!appId) return;
    setExporting(true);
    try {
      const rows: InventoryRow[] = [];
      // Pages of 1000 (the most one call returns), until the filter's total is read.
      for (let offset = 0; ; offset += 1000) {
        const page = await installsIpc.query(appId, { ...filter, offset, limit: 1000 });
        rows.push(...page.rows);
        if (page.rows.length === 0 || rows.length >= page.total) break;
      }
      const csv = inventoryCsv(rows);
      const name = `botdeck-inventory-${(app?.displayName ?? "bot").replace(/[^A-Za-z0-9-]/g, "")}.csv`;
      const saved = downloadText(name, csv, "text/csv");
      const copied = await copyText(csv);
      setNotice({
        intent: "success",
        text: `Exported ${count(rows.length, "row")}${filterActive ? " of the current filter" : ""} as ${name}${saved ? "" : " (the download did not start)"}${copied ? "; also copied to the clipboard" : ""}.`,
      });
    } catch (err) {
      fail(err as ApiError);
    } finally {
      setExporting(false);
    }
  };

  return (
    <div className={styles.root} data-testid="installations-page">
      {shownProblem &&
        (shownProblem.error.code === "consent_required" || shownProblem.error.code === "sign_in_required" ? (
          <ConsentPrompt
            feature={shownProblem.feature}
            message={shownProblem.error.message}
            onSignedIn={() => {
              dismissProblem();
              // Repeat what asked for the sign-in (a sync); a bulk step repeats in its drawer.
              const again = retryAfterSignIn.current;
              retryAfterSignIn.current = null;
              if (again && shownProblem.from !== "bulk") again();
              else if (shownProblem.from === "bulk") openDrawer(bulkOutcome?.value?.summary.action ?? "install", "form");
              else void refresh(chosen.current);
            }}
          />
        ) : (
          <MessageBar intent="error" layout="multiline" data-testid="installs-error" data-code={shownProblem.error.code}>
            <MessageBarBody>
              {shownProblem.from && <MessageBarTitle>{shownProblem.from === "sync" ? "The sync failed" : "The bulk run failed"}</MessageBarTitle>}
              {shownProblem.error.message}
            </MessageBarBody>
            <Button appearance="transparent" icon={<DismissRegular />} aria-label="Dismiss" onClick={dismissProblem} />
          </MessageBar>
        ))}
      {notice && (
        <MessageBar intent={notice.intent} layout="multiline" data-testid="installs-notice">
          <MessageBarBody>{notice.text}</MessageBarBody>
          <Button appearance="transparent" icon={<DismissRegular />} aria-label="Dismiss" onClick={() => setNotice(null)} />
        </MessageBar>
      )}
      {!notice && syncNotice && (
        <MessageBar intent={syncNotice.intent} layout="multiline" data-testid="installs-notice" data-from="sync">
          <MessageBarBody>{syncNotice.text}</MessageBarBody>
          <Button appearance="transparent" icon={<DismissRegular />} aria-label="Dismiss" onClick={() => work.forget("sync")} />
        </MessageBar>
      )}
      {bulkResult && bulkOutcome && drawer === null && (
        <MessageBar
          intent={bulkResult.failed > 0 || bulkResult.pending > 0 ? "warning" : "success"}
          layout="multiline"
          data-testid="bulk-outcome"
          data-status={bulkResult.status}
          data-failed={bulkResult.failed}
          data-not-attempted={bulkResult.pending}
        >
          <MessageBarBody>
            <MessageBarTitle>{bulkOutcome.label}</MessageBarTitle>
            {runOutcomeText(bulkResult)}
          </MessageBarBody>
          <MessageBarActions
            containerAction={
              <Button appearance="transparent" icon={<DismissRegular />} aria-label="Dismiss" onClick={() => work.forget("bulk")} />
            }
          >
            <Button onClick={() => openDrawer(bulkResult.action, "result")} data-testid="bulk-outcome-show">
              {bulkResult.failed > 0 ? "Results and retry" : bulkResult.pending > 0 ? "Results and continue" : "Show results"}
            </Button>
          </MessageBarActions>
        </MessageBar>
      )}

      <div className={styles.bar}>
        <Field label="Bot">
          <Select
            value={appId ?? ""}
            onChange={(_, d) => choose(d.value || null)}
            data-testid="installs-app"
            disabled={syncing}
          >
            <option value="">{overview?.apps.length ? "Choose the bot…" : "No org apps in the cache"}</option>
            {overview?.apps.map((a) => (
              <option key={a.id} value={a.id}>
                {a.displayName}
                {a.distributionMethod === "store" ? " (Teams store)" : a.distributionMethod === "sideloaded" ? " (sideloaded)" : ""}
              </option>
            ))}
          </Select>
        </Field>
        <Button onClick={() => void loadApps()} disabled={!signedIn || loadingApps} data-testid="installs-load-apps">
          {loadingApps ? "Reading the catalog…" : overview?.apps.length ? "Refresh app list" : "Load the org catalog"}
        </Button>
        <SyncButton
          choice={syncChoice}
          onChoice={chooseSync}
          onSync={sync}
          disabled={!appId || !signedIn || syncing || bulkRunning || orphanRun}
        />
        {syncing && <CancelWorkButton workKey="sync" label="Cancel sync" testId="installs-sync-cancel" />}
        <Text className={styles.muted} data-testid="sync-age" data-status={lastSync?.status ?? "never"}>
          {ageText(lastSync, overview?.lastCompleted ?? null, app?.displayName ?? "Cache", sinceLoad, syncing || orphanRun)}
        </Text>
      </div>
      {orphanRun && (
        <MessageBar intent="info" data-testid="installs-orphan-run">
          <MessageBarBody>
            <MessageBarTitle>A run is still going</MessageBarTitle>
            A sync or bulk change started before this window was reloaded is still running in BotDeck. This page
            refreshes when it ends; its results stay in the run history.
          </MessageBarBody>
          <MessageBarActions>
            <Button onClick={() => void installsIpc.cancel()} data-testid="installs-orphan-cancel">
              Cancel it
            </Button>
          </MessageBarActions>
        </MessageBar>
      )}
      {!signedIn && <Text className={styles.muted}>Sign in (top right) to read the catalog and sync; the cache below works offline.</Text>}
      {signedIn && !appId && !syncing && (
        // Nothing chosen yet: say what the page will show and how to get there, not a blank page.
        <Text className={styles.muted} data-testid="installs-choose-hint">
          {overview?.apps.length
            ? "Choose the bot above to see where it is installed — teams, group chats and users — and at which version."
            : "No app is in the cache yet: choose “Load the org catalog” to list the bots, then choose yours and Sync."}
        </Text>
      )}
      {syncChoice.kinds.length === 0 && (
        <Text className={styles.muted} data-testid="sync-choice-invalid">
          Choose at least one of teams, group chats and users to sync (Sync options).
        </Text>
      )}

      {syncing && (
        <div className={styles.progress} data-testid="sync-progress">
          <Text>
            {work.work?.label}: {progressText(progress)}
          </Text>
          <ProgressBar value={fraction(progress)} thickness="large" />
        </div>
      )}
      {bulkRunning && drawer === null && (
        <div className={styles.progress} data-testid="bulk-running">
          <Text>
            {work.work?.label}: {progressText(work.work?.progress ?? null)}
          </Text>
          <ProgressBar value={fraction(work.work?.progress ?? null)} thickness="large" />
          <div className={styles.bar}>
            <Button onClick={() => openDrawer("install", "result")} data-testid="bulk-running-show">
              Show the run
            </Button>
            <CancelWorkButton workKey="bulk" testId="bulk-running-cancel" />
          </div>
        </div>
      )}

      {appId && overview && overview.coverage.length > 0 && (
        <div className={styles.pictures}>
          <Card>
            <CardHeader header={<Text weight="semibold">Coverage</Text>} description="Current, outdated and missing, per kind" />
            <CoveragePicture coverage={overview.coverage} versions={overview.versions} published={published} />
          </Card>
          <Card>
            <CardHeader
              header={<Text weight="semibold">Versions</Text>}
              description={published ? `Published: ${published}` : "No published version"}
            />
            <VersionSpread
              versions={overview.versions}
              published={published}
              kinds={overview.coverage.filter((c) => c.installed + c.notInstalled + c.failed + c.unknown > 0).map((c) => c.kind)}
              active={filter.version}
              onPick={pickVersion}
            />
          </Card>
        </div>
      )}

      {appId && (
        <MessageBar intent="info" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>Private and shared channels</MessageBarTitle>
            Bots like this one are not supported in private or shared channels. Installing in the team still works: the bot
            is reachable in the team's standard channels (General).
          </MessageBarBody>
        </MessageBar>
      )}

      {appId && (
        <>
          <div className={styles.bar}>
            <Field label="Kind">
              <Select
                value={filter.kind ?? ""}
                onChange={(_, d) => setFilter((f) => ({ ...f, kind: (d.value || null) as TargetKind | null }))}
                data-testid="filter-kind"
              >
                <option value="">All</option>
                <option value="team">Teams</option>
                <option value="chat">Group chats</option>
                <option value="user">Users</option>
              </Select>
            </Field>
            <Field label="Bot">
              <Select
                value={filter.state ?? ""}
                onChange={(_, d) => setFilter((f) => ({ ...f, state: (d.value || null) as InstallState | null }))}
                data-testid="filter-state"
              >
                <option value="">Any</option>
                <option value="installed">Installed</option>
                <option value="not_installed">Not installed</option>
                <option value="failed">Read failed</option>
                <option value="unknown">Not read yet</option>
              </Select>
            </Field>
            <Field
              label="Older than version"
              validationState={olderProblem ? "error" : "none"}
              validationMessage={olderProblem ?? undefined}
              data-testid="filter-older-field"
            >
              <Input
                value={olderInput}
                onChange={(_, d) => setOlderInput(d.value)}
                placeholder={published ?? "1.0.2"}
                data-testid="filter-older"
                style={{ width: 120 }}
              />
            </Field>
            {filter.version && (
              <Button appearance="outline" icon={<DismissRegular />} iconPosition="after" onClick={() => pickVersion(null)} data-testid="filter-version-clear">
                At version {filter.version}
              </Button>
            )}
            <Field label="Search">
              <SearchBox value={textInput} onChange={(_, d) => setTextInput(d.value)} placeholder="Name, UPN or id" data-testid="filter-text" />
            </Field>
            <Checkbox
              label="Hide archived"
              checked={filter.includeArchived === false}
              onChange={(_, d) => setFilter((f) => ({ ...f, includeArchived: d.checked ? false : null }))}
              data-testid="filter-hide-archived"
            />
            <Button
              appearance="primary"
              icon={<WrenchRegular />}
              onClick={() => openDrawer(published && filter.olderThan ? "upgrade" : "install", "form")}
              disabled={!signedIn || syncing || orphanRun}
              data-testid="bulk-open"
            >
              Bulk change…
            </Button>
            <Button
              icon={<ArrowDownloadRegular />}
              onClick={() => void exportCsv()}
              disabledFocusable={exporting || filteredTotal === 0}
              data-testid="installs-export"
            >
              {exporting ? "Exporting…" : "Export CSV"}
            </Button>
            {filterActive && (
              <Button
                appearance="subtle"
                onClick={() => {
                  setFilter((f) => ({ ...emptyFilter, sort: f.sort, descending: f.descending }));
                  setTextInput("");
                  setOlderInput("");
                }}
                data-testid="filter-clear"
              >
                Clear filters
              </Button>
            )}
            {selected.size > 0 && (
              <Button appearance="subtle" onClick={() => setSelected(new Map())} data-testid="selection-clear">
                Clear {selected.size} checked
              </Button>
            )}
          </div>
          <InventoryTable
            appId={appId}
            query={filter}
            reloadKey={reloadKey}
            published={published}
            selected={new Set(selected.keys())}
            onToggle={toggle}
            onTotal={setFilteredTotal}
            onError={fail}
            onSort={sortBy}
            onRowAction={openForRow}
          />
          <BulkDrawer
            open={drawer !== null}
            onClose={() => setDrawer(null)}
            appId={appId}
            sources={sources}
            defaultAction={drawer ?? "install"}
            initialSource={0}
            autoPreview={drawerPreset.autoPreview}
            view={drawerView}
          />
        </>
      )}
    </div>
  );
}
