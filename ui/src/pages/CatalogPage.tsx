import { useCallback, useEffect, useRef, useState } from "react";
import { Button, Input, makeStyles, MessageBar, MessageBarBody, SearchBox, Text, tokens } from "@fluentui/react-components";
import { ArrowSyncRegular, DismissRegular } from "@fluentui/react-icons";
import type { ApiError } from "../ipc";
import { catalogIpc, type CatalogView } from "../ipc/catalog";
import { useSession } from "../session";
import { AppCard, type LocalVersion } from "../components/catalog/AppCard";
import { candidateInfo, matchOf, PublishCard, type Candidate } from "../components/catalog/PublishCard";
import { ConsentPrompt } from "../components/installs/ConsentPrompt";
import { useBackgroundWork } from "../work";
import type { PageId } from "./registry";

const useStyles = makeStyles({
  // minmax(0, 1fr): a long notice (the consent prompt lists scopes) wraps instead of widening
  // every card past the window.
  root: { display: "grid", gap: tokens.spacingVerticalL, maxWidth: "980px", gridTemplateColumns: "minmax(0, 1fr)" },
  bar: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "center", flexWrap: "wrap" },
  muted: { color: tokens.colorNeutralForeground3 },
});

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
  const apps = (view?.apps ?? []).filter(
    (v) => !q || v.app.displayName.toLowerCase().includes(q) || (v.app.externalId ?? "").toLowerCase().includes(q) || v.app.id === q,
  );
  const consent = error && (error.code === "consent_required" || error.code === "sign_in_required");
  // The open package is whatever the Package page holds now, not what it held when picked.
  const localPackage = view?.localPackage ?? null;
  const candidate: Candidate | null = picked?.source === "package" ? (localPackage ? { source: "package", info: localPackage } : null) : picked;
  const match = matchOf(candidate, view?.apps ?? []);
  const info = candidateInfo(candidate);
  const localOf = (v: (typeof apps)[number]): LocalVersion | null => {
    if (match && info?.version && match.app.id === v.app.id) return { label: info.label, version: info.version };
    if (v.update.localVersion) return { label: "open package", version: v.update.localVersion };
    return null;
  };

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
      <div className={styles.bar}>
        <SearchBox value={needle} onChange={(_, d) => setNeedle(d.value)} placeholder="Find the bot by name or manifest id" data-testid="catalog-search" style={{ minWidth: 340 }} />
        <Button icon={<ArrowSyncRegular />} disabled={!signedIn || loading} onClick={() => void load(true)} data-testid="catalog-refresh">
          {loading ? "Reading…" : "Refresh"}
        </Button>
        <Text className={styles.muted} data-testid="catalog-source">
          {view ? (view.live ? "From your tenant, just now" : "From the local cache") : ""}
          {view?.localPackage ? ` · open package: ${view.localPackage.name} ${view.localPackage.version}` : ""}
        </Text>
      </div>
      {signedIn && (
        <PublishCard
          apps={view?.apps ?? []}
          localPackage={localPackage}
          candidate={candidate}
          onCandidate={setPicked}
          onPublished={() => void load(true)}
          onError={fail}
        />
      )}
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
            style={{ minWidth: 340 }}
          />
          <Button type="submit" disabled={finding || !storeApp.trim()} data-testid="catalog-find">
            {finding ? "Looking…" : "Add store app"}
          </Button>
          <Text className={styles.muted}>Store apps are installed, upgraded and inspected here; their publisher releases new versions.</Text>
        </form>
      )}
      {!signedIn && <Text className={styles.muted}>Sign in (top right) to read and change the org catalog.</Text>}
      {view && apps.length === 0 && <Text data-testid="catalog-empty">{q ? "No app matches." : "No org apps in the catalog."}</Text>}
      {apps.map((v) => (
        <AppCard
          key={v.app.id}
          view={v}
          local={localOf(v)}
          onChanged={() => void load(true)}
          onError={fail}
          onUpgradeOutdated={onNavigate ? upgradeOutdated : undefined}
        />
      ))}
    </div>
  );
}
