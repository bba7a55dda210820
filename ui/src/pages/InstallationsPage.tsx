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
import { DismissRegular, WrenchRegular } from "@fluentui/react-icons";
import type { ApiError, Feature } from "../ipc";
import { catalogIpc } from "../ipc/catalog";
import {
  installsIpc,
  type BulkAction,
  type InstallState,
  type InstallsOverview,
  type InstallsSyncResult,
  type InventoryQuery,
  type InventoryRow,
  type SyncInfo,
  type TargetKind,
  type TargetRef,
} from "../ipc/installs";
import { useSession } from "../session";
import { fraction, progressText, useBackgroundWork, type Outcome } from "../work";
import { CoveragePicture } from "../components/installs/CoveragePicture";
import { VersionSpread } from "../components/installs/VersionSpread";
import { InventoryTable, rowKey } from "../components/installs/InventoryTable";
import { BulkDrawer, type BulkOutcome, type BulkSource } from "../components/installs/BulkDrawer";
import { kindsText, loadSyncChoice, saveSyncChoice, SyncButton, syncRequest, type SyncChoiceState } from "../components/installs/SyncButton";
import { ConsentPrompt } from "../components/installs/ConsentPrompt";
import { ago } from "../components/installs/format";

const useStyles = makeStyles({
  // minmax(0, 1fr): long messages and the wide table wrap or scroll inside, never widen the page.
  root: { display: "grid", gridTemplateColumns: "minmax(0, 1fr)", gap: tokens.spacingVerticalL },
  bar: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "end", flexWrap: "wrap" },
  pictures: { display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(320px, 1fr))", gap: tokens.spacingHorizontalL },
  muted: { color: tokens.colorNeutralForeground3 },
  progress: { display: "grid", gap: tokens.spacingVerticalXS, maxWidth: "640px" },
});

type Filter = Omit<InventoryQuery, "offset" | "limit">;

const emptyFilter: Filter = {
  kind: null,
  state: null,
  olderThan: null,
  version: null,
  text: null,
  includeArchived: null,
};

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
      ? `Synced ${result.appName}${scope}: ${r.targets.toLocaleString()} targets, ${r.failed} failed read(s)${r.resumed ? " (continued an unfinished sync)" : ""}.`
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
  const [filter, setFilter] = useState<Filter>(emptyFilter);
  const [textInput, setTextInput] = useState("");
  const [olderInput, setOlderInput] = useState("");
  const [reloadKey, setReloadKey] = useState(0);
  const [filteredTotal, setFilteredTotal] = useState(0);
  const [selected, setSelected] = useState<Map<string, TargetRef>>(new Map());
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState<{ intent: "success" | "warning"; text: string } | null>(null);
  const [drawer, setDrawer] = useState<BulkAction | null>(null);
  const [drawerView, setDrawerView] = useState<"form" | "result">("form");
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

  // A run that failed to start (consent, sign-in) is shown on the page, not in the drawer.
  useEffect(() => {
    if (bulkOutcome?.error) setDrawer(null);
  }, [bulkOutcome]);

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

  // Typing filters after a short pause, not per keystroke.
  useEffect(() => {
    const t = window.setTimeout(() => {
      setFilter((f) => ({ ...f, text: textInput.trim() || null, olderThan: olderInput.trim() || null }));
    }, 200);
    return () => window.clearTimeout(t);
  }, [textInput, olderInput]);

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

  const sync = (fresh: boolean) => {
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
  const filterActive = Object.values(filter).some((v) => v !== null);

  const sources: BulkSource[] = useMemo(() => {
    const list: BulkSource[] = [];
    if (selected.size > 0) list.push({ label: `The ${selected.size} checked row(s)`, selection: { filter: null, ids: [...selected.values()] } });
    if (filterActive)
      list.push({
        label: `Every row of the current filter (${filteredTotal.toLocaleString()})`,
        selection: { filter: { ...filter, offset: 0, limit: 0 }, ids: [] },
      });
    list.push({
      label: "Teams without the bot",
      selection: { filter: { ...emptyFilter, kind: "team", state: "not_installed", offset: 0, limit: 0 }, ids: [] },
    });
    if (published)
      list.push({
        label: `Installations older than ${published}`,
        selection: { filter: { ...emptyFilter, olderThan: published, offset: 0, limit: 0 }, ids: [] },
      });
    return list;
  }, [selected, filter, filterActive, filteredTotal, published]);

  const progress = syncing ? work.work?.progress ?? null : null;
  // A sync's report is old news once a bulk run ended after it (that run's summary is what
  // matters, and it is the way back to its per-item results).
  const syncCurrent = !!syncOutcome && (!bulkOutcome || syncOutcome.at >= bulkOutcome.at);
  const shownProblem: Problem | null =
    problem ??
    (syncCurrent && syncOutcome?.error ? { error: syncOutcome.error, feature: "read_tenant", from: "sync" } : null) ??
    (bulkOutcome?.error ? { error: bulkOutcome.error, feature: "install", from: "bulk" } : null);
  const dismissProblem = () => {
    if (shownProblem?.from) work.forget(shownProblem.from);
    else setProblem(null);
  };
  const syncNotice = syncCurrent && syncOutcome?.value ? syncText(syncOutcome.value) : null;
  const bulkResult = bulkOutcome?.value?.summary ?? null;
  const openDrawer = (action: BulkAction, view: "form" | "result") => {
    setDrawerView(view);
    setDrawer(action);
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
              setNotice({ intent: "success", text: "Signed in. Try again." });
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
        >
          <MessageBarBody>
            <MessageBarTitle>{bulkOutcome.label}</MessageBarTitle>
            Run {bulkResult.status}: {bulkResult.succeeded} done, {bulkResult.alreadyDone} already done, {bulkResult.failed} failed
            {bulkResult.pending > 0 ? `, ${bulkResult.pending} not sent` : ""}.
          </MessageBarBody>
          <MessageBarActions
            containerAction={
              <Button appearance="transparent" icon={<DismissRegular />} aria-label="Dismiss" onClick={() => work.forget("bulk")} />
            }
          >
            <Button onClick={() => openDrawer(bulkResult.action, "result")} data-testid="bulk-outcome-show">
              {bulkResult.failed > 0 ? "Results and retry" : "Show results"}
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
        {syncing && (
          <Button onClick={() => void installsIpc.cancel()} data-testid="installs-sync-cancel">
            Cancel sync
          </Button>
        )}
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
            <Button onClick={() => void installsIpc.cancel()} data-testid="bulk-running-cancel">
              Cancel
            </Button>
          </div>
        </div>
      )}

      {appId && overview && overview.coverage.length > 0 && (
        <div className={styles.pictures}>
          <Card>
            <CardHeader header={<Text weight="semibold">Coverage</Text>} />
            <CoveragePicture coverage={overview.coverage} />
          </Card>
          <Card>
            <CardHeader
              header={<Text weight="semibold">Versions</Text>}
              description={published ? `Published: ${published}` : "No published version"}
            />
            <VersionSpread versions={overview.versions} published={published} />
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
            <Field label="Older than version">
              <Input
                value={olderInput}
                onChange={(_, d) => setOlderInput(d.value)}
                placeholder={published ?? "1.0.2"}
                data-testid="filter-older"
                style={{ width: 120 }}
              />
            </Field>
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
          />
          <BulkDrawer
            open={drawer !== null}
            onClose={() => setDrawer(null)}
            appId={appId}
            sources={sources}
            defaultAction={drawer ?? "install"}
            view={drawerView}
            onError={(e) => {
              // Signing in again happens on the page; other errors are shown there too.
              setDrawer(null);
              fail(e, "install");
            }}
          />
        </>
      )}
    </div>
  );
}
