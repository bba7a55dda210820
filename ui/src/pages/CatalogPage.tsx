import { useCallback, useEffect, useRef, useState } from "react";
import {
  Button,
  Dropdown,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarBody,
  Option,
  SearchBox,
  Text,
  tokens,
} from "@fluentui/react-components";
import { ArrowSyncRegular, DismissRegular } from "@fluentui/react-icons";
import type { ApiError } from "../ipc";
import { catalogIpc, type CatalogView } from "../ipc/catalog";
import { useSession } from "../session";
import { AppDetails, type LocalVersion } from "../components/catalog/AppDetails";
import { CatalogTable, type Sort } from "../components/catalog/CatalogTable";
import { candidateInfo, matchOf, PublishCard, type Candidate } from "../components/catalog/PublishCard";
import { ConsentPrompt } from "../components/installs/ConsentPrompt";
import { useBackgroundWork } from "../work";
import type { PageId } from "./registry";

const useStyles = makeStyles({
  // minmax(0, 1fr): a long notice (the consent prompt lists scopes) wraps instead of widening
  // every card past the window.
  root: { display: "grid", gap: tokens.spacingVerticalL, maxWidth: "1100px", gridTemplateColumns: "minmax(0, 1fr)" },
  bar: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "end", flexWrap: "wrap" },
  search: { minWidth: "280px" },
  muted: { color: tokens.colorNeutralForeground3 },
  empty: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "center", flexWrap: "wrap" },
});

type DistributionFilter = "all" | "organization" | "store";
const distributionFilterLabel: Record<DistributionFilter, string> = {
  all: "All apps",
  organization: "Custom apps (your org)",
  store: "Teams Store apps",
};

export function CatalogPage({ onNavigate }: { onNavigate?: (page: PageId) => void } = {}) {
  const styles = useStyles();
  const { requestBulk } = useBackgroundWork();
  // "Upgrade N outdated installations": the Installations page opens the bulk upgrade of
  // exactly those, planned.
  const upgradeOutdated = (appId: string, published: string) => {
    requestBulk({ appId, action: "upgrade", olderThan: published });
    onNavigate?.("installations");
  };
  const { session } = useSession();
  const [view, setView] = useState<CatalogView | null>(null);
  const [needle, setNeedle] = useState("");
  const [distribution, setDistribution] = useState<DistributionFilter>("all");
  const [sort, setSort] = useState<Sort>({ key: "name", dir: "ascending" });
  const [openId, setOpenId] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [picked, setPicked] = useState<Candidate | null>(null);
  const [storeApp, setStoreApp] = useState("");
  const [finding, setFinding] = useState(false);
  // What to repeat after "sign in again" (the upload or review that asked for consent).
  const retry = useRef<(() => void) | null>(null);
  const signedIn = !!session?.signedIn;
  const fail = useCallback((e: ApiError, again?: () => void) => {
    retry.current = again ?? null;
    setError(e);
  }, []);

  // A refresh after a change can overlap the admin's own Refresh: the newest read wins, so an
  // older answer never puts back a version the catalog has moved past.
  const latestLoad = useRef(0);
  const load = useCallback(async (refresh: boolean) => {
    const request = ++latestLoad.current;
    setLoading(true);
    try {
      const next = await catalogIpc.list(refresh);
      if (request !== latestLoad.current) return;
      setView(next);
      setError(null);
    } catch (err) {
      if (request === latestLoad.current) setError(err as ApiError);
    } finally {
      if (request === latestLoad.current) setLoading(false);
    }
  }, []);

  // The cache first (instant, offline), then Graph when signed in.
  useEffect(() => {
    void load(false).then(() => {
      if (signedIn) void load(true);
    });
  }, [load, signedIn]);

  // A Teams store bot (PagerDuty) is not in the org catalog: look it up once, then it is listed.
  const findStoreApp = async () => {
    const wanted = storeApp.trim();
    if (!wanted) return;
    setFinding(true);
    try {
      await catalogIpc.find(wanted);
      setStoreApp("");
      await load(false);
    } catch (err) {
      fail(err as ApiError);
    } finally {
      setFinding(false);
    }
  };

  const q = needle.trim().toLowerCase();
  const all = view?.apps ?? [];
  const apps = all.filter(
    (v) =>
      (distribution === "all" || v.distribution === distribution) &&
      (!q || v.app.displayName.toLowerCase().includes(q) || (v.app.externalId ?? "").toLowerCase().includes(q) || v.app.id === q),
  );
  const filtered = !!q || distribution !== "all";
  const clearFilters = () => {
    setNeedle("");
    setDistribution("all");
  };
  const consent = error && (error.code === "consent_required" || error.code === "sign_in_required");
  // The open package is whatever the Package page holds now, not what it held when picked.
  const localPackage = view?.localPackage ?? null;
  const candidate: Candidate | null = picked?.source === "package" ? (localPackage ? { source: "package", info: localPackage } : null) : picked;
  const match = matchOf(candidate, all);
  const info = candidateInfo(candidate);
  const localOf = (v: (typeof all)[number]): LocalVersion | null => {
    if (match && info?.version && match.app.id === v.app.id) return { label: info.label, version: info.version };
    if (v.update.localVersion) return { label: "open package", version: v.update.localVersion };
    return null;
  };
  const opened = openId ? (all.find((v) => v.app.id === openId) ?? null) : null;
  // Never read: the cache is empty and this is not an answer from the tenant.
  const neverRead = !!view && !view.live && all.length === 0;

  const refreshBar = (
    <>
      <Button icon={<ArrowSyncRegular />} disabled={!signedIn || loading} onClick={() => void load(true)} data-testid="catalog-refresh">
        {loading ? "Reading…" : "Refresh"}
      </Button>
      <Text className={styles.muted} data-testid="catalog-source">
        {view ? (view.live ? "From your tenant, just now" : neverRead ? "" : "From the local cache") : ""}
        {view?.localPackage ? ` · open package: ${view.localPackage.name} ${view.localPackage.version}` : ""}
      </Text>
    </>
  );

  return (
    <div className={styles.root} data-testid="catalog-page">
      {error && consent && (
        <ConsentPrompt
          feature="publish"
          message={error.message}
          onSignedIn={() => {
            const again = retry.current;
            retry.current = null;
            setError(null);
            if (again) again();
            else void load(true);
          }}
        />
      )}
      {error && !consent && (
        <MessageBar intent="error" data-testid="catalog-error" data-code={error.code}>
          <MessageBarBody>{error.message}</MessageBarBody>
          <Button appearance="transparent" icon={<DismissRegular />} aria-label="Dismiss" onClick={() => setError(null)} data-testid="catalog-error-dismiss" />
        </MessageBar>
      )}
      {opened && <div className={styles.bar}>{refreshBar}</div>}
      {opened ? (
        <AppDetails
          key={opened.app.id}
          view={opened}
          local={localOf(opened)}
          signedIn={signedIn}
          onBack={() => setOpenId(null)}
          onChanged={() => void load(true)}
          onError={fail}
          onCheckPermissions={onNavigate ? () => onNavigate("permissions") : undefined}
          onInstallations={onNavigate ? () => onNavigate("installations") : undefined}
          onUpgradeOutdated={onNavigate ? upgradeOutdated : undefined}
        />
      ) : (
        <>
          <div className={styles.bar}>
            <SearchBox
              value={needle}
              onChange={(_, d) => setNeedle(d.value)}
              placeholder="Find by name or manifest id"
              aria-label="Find an app by name or manifest id"
              data-testid="catalog-search"
              className={styles.search}
            />
            <Field label="Distribution">
              <Dropdown
                value={distributionFilterLabel[distribution]}
                selectedOptions={[distribution]}
                onOptionSelect={(_, d) => setDistribution((d.optionValue as DistributionFilter) ?? "all")}
                data-testid="catalog-distribution-filter"
              >
                {(Object.keys(distributionFilterLabel) as DistributionFilter[]).map((k) => (
                  <Option key={k} value={k}>
                    {distributionFilterLabel[k]}
                  </Option>
                ))}
              </Dropdown>
            </Field>
            {refreshBar}
          </div>
          {signedIn && (
            <form
              className={styles.bar}
              onSubmit={(e) => {
                e.preventDefault();
                void findStoreApp();
              }}
            >
              <Input
                value={storeApp}
                onChange={(_, d) => setStoreApp(d.value)}
                placeholder="A Teams store app, e.g. PagerDuty (name or app id)"
                aria-label="Teams store app name or id"
                data-testid="catalog-find-input"
                className={styles.search}
              />
              <Button type="submit" disabled={finding || !storeApp.trim()} data-testid="catalog-find">
                {finding ? "Looking…" : "Add store app"}
              </Button>
              <Text className={styles.muted}>Store apps are installed, upgraded and inspected here; their publisher releases new versions.</Text>
            </form>
          )}
          {!signedIn && !neverRead && <Text className={styles.muted}>Sign in (top right) to read the catalog again and change it.</Text>}
          {neverRead && (
            <Text data-testid="catalog-empty" data-reason="never-read">
              {signedIn
                ? "Reading your org catalog…"
                : "The org catalog has not been read yet on this computer: sign in (top right) to read it."}
            </Text>
          )}
          {view && !neverRead && apps.length === 0 && (
            <div className={styles.empty} data-testid="catalog-empty" data-reason={filtered ? "filtered" : "empty"}>
              <Text>{filtered ? "No app matches these filters." : "Your org catalog has no apps."}</Text>
              {filtered && (
                <Button onClick={clearFilters} data-testid="catalog-clear-filters">
                  Clear filters
                </Button>
              )}
            </div>
          )}
          {apps.length > 0 && (
            <CatalogTable
              apps={apps}
              sort={sort}
              onSort={setSort}
              onOpen={setOpenId}
              onUpgradeOutdated={onNavigate ? upgradeOutdated : undefined}
            />
          )}
        </>
      )}
      {/* After the list, like the admin center's "Upload an app": the table stays in view. */}
      <PublishCard
        apps={all}
        localPackage={localPackage}
        candidate={candidate}
        signedIn={signedIn}
        onCandidate={setPicked}
        onPublished={() => void load(true)}
        onError={fail}
      />
    </div>
  );
}
