import { useCallback, useEffect, useMemo, useState } from "react";
import {
  Button,
  Card,
  CardHeader,
  Checkbox,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  ProgressBar,
  SearchBox,
  Select,
  Text,
  tokens,
} from "@fluentui/react-components";
import { ArrowSyncRegular, DismissRegular, WrenchRegular } from "@fluentui/react-icons";
import type { ApiError, Feature } from "../ipc";
import { catalogIpc } from "../ipc/catalog";
import {
  installsIpc,
  type BulkAction,
  type InstallState,
  type InstallsOverview,
  type InventoryQuery,
  type InventoryRow,
  type TargetKind,
  type TargetRef,
} from "../ipc/installs";
import { useSession } from "../session";
import { fraction, progressText, useBackgroundWork } from "../work";
import { CoveragePicture } from "../components/installs/CoveragePicture";
import { VersionSpread } from "../components/installs/VersionSpread";
import { InventoryTable, rowKey } from "../components/installs/InventoryTable";
import { BulkDrawer, type BulkSource } from "../components/installs/BulkDrawer";
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
}

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
  const [loadingApps, setLoadingApps] = useState(false);
  const [loadedAt, setLoadedAt] = useState(() => Date.now());
  const [, tick] = useState(0);

  const syncing = work.work?.key === "sync";
  const signedIn = !!session?.signedIn;

  const refresh = useCallback(async (id: string | null) => {
    try {
      const next = await installsIpc.overview(id);
      setOverview(next);
      setAppId(next.appId);
      setLoadedAt(Date.now());
      setReloadKey((k) => k + 1);
    } catch (err) {
      setProblem({ error: err as ApiError, feature: "read_tenant" });
    }
  }, []);

  useEffect(() => {
    void refresh(null);
  }, [refresh]);

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
      await refresh(appId);
    } catch (err) {
      fail(err as ApiError);
    } finally {
      setLoadingApps(false);
    }
  };

  const sync = async () => {
    if (!appId) return;
    setProblem(null);
    setNotice(null);
    work.begin("sync", "Sync", () => void installsIpc.cancel());
    try {
      const result = await installsIpc.sync(appId, (p) => work.report("sync", p));
      const r = result.report;
      const text =
        r.status === "completed"
          ? `Synced ${result.appName}: ${r.targets.toLocaleString()} targets, ${r.failed} failed read(s)${r.resumed ? " (continued an unfinished sync)" : ""}.`
          : `The sync was ${r.status}; the next sync continues where it stopped.`;
      const warnings = r.warnings.length ? ` ${r.warnings.join(" ")}` : "";
      setNotice({ intent: r.status === "completed" && !r.warnings.length ? "success" : "warning", text: text + warnings });
    } catch (err) {
      fail(err as ApiError);
    } finally {
      work.end("sync");
      await refresh(appId);
    }
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
  const ageSecs = lastSync ? lastSync.ageSecs + Math.floor((Date.now() - loadedAt) / 1000) : 0;
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

  return (
    <div className={styles.root} data-testid="installations-page">
      {problem &&
        (problem.error.code === "consent_required" || problem.error.code === "sign_in_required" ? (
          <ConsentPrompt
            feature={problem.feature}
            message={problem.error.message}
            onSignedIn={() => {
              setProblem(null);
              setNotice({ intent: "success", text: "Signed in. Try again." });
            }}
          />
        ) : (
          <MessageBar intent="error" layout="multiline" data-testid="installs-error" data-code={problem.error.code}>
            <MessageBarBody>{problem.error.message}</MessageBarBody>
            <Button appearance="transparent" icon={<DismissRegular />} aria-label="Dismiss" onClick={() => setProblem(null)} />
          </MessageBar>
        ))}
      {notice && (
        <MessageBar intent={notice.intent} layout="multiline" data-testid="installs-notice">
          <MessageBarBody>{notice.text}</MessageBarBody>
          <Button appearance="transparent" icon={<DismissRegular />} aria-label="Dismiss" onClick={() => setNotice(null)} />
        </MessageBar>
      )}

      <div className={styles.bar}>
        <Field label="Bot">
          <Select
            value={appId ?? ""}
            onChange={(_, d) => void refresh(d.value || null)}
            data-testid="installs-app"
            disabled={syncing}
          >
            <option value="">{overview?.apps.length ? "Choose the bot…" : "No org apps in the cache"}</option>
            {overview?.apps.map((a) => (
              <option key={a.id} value={a.id}>
                {a.displayName}
              </option>
            ))}
          </Select>
        </Field>
        <Button onClick={() => void loadApps()} disabled={!signedIn || loadingApps} data-testid="installs-load-apps">
          {loadingApps ? "Reading the catalog…" : overview?.apps.length ? "Refresh app list" : "Load the org catalog"}
        </Button>
        <Button
          appearance="primary"
          icon={<ArrowSyncRegular />}
          disabled={!appId || !signedIn || syncing || work.work?.key === "bulk"}
          onClick={() => void sync()}
          data-testid="installs-sync"
        >
          Sync
        </Button>
        {syncing && (
          <Button onClick={() => void installsIpc.cancel()} data-testid="installs-sync-cancel">
            Cancel sync
          </Button>
        )}
        <Text className={styles.muted} data-testid="sync-age" data-status={lastSync?.status ?? "never"}>
          {!lastSync
            ? "Never synced"
            : lastSync.status === "completed"
              ? `${app?.displayName ?? "Cache"} synced ${ago(ageSecs)}`
              : `Last sync ${lastSync.status} (${lastSync.done}/${lastSync.total}); Sync continues it`}
        </Text>
      </div>
      {!signedIn && <Text className={styles.muted}>Sign in (top right) to read the catalog and sync; the cache below works offline.</Text>}

      {syncing && (
        <div className={styles.progress} data-testid="sync-progress">
          <Text>{progressText(progress)}</Text>
          <ProgressBar value={fraction(progress)} thickness="large" />
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
              onClick={() => setDrawer(published && filter.olderThan ? "upgrade" : "install")}
              disabled={!signedIn || syncing}
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
            onChanged={() => {
              // A finished run makes any earlier "try again" advice stale; its results are in the drawer.
              setNotice(null);
              void refresh(appId);
            }}
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
