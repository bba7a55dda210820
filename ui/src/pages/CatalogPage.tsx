import { useCallback, useEffect, useState } from "react";
import { Button, makeStyles, MessageBar, MessageBarBody, SearchBox, Text, tokens } from "@fluentui/react-components";
import { ArrowSyncRegular, DismissRegular } from "@fluentui/react-icons";
import type { ApiError } from "../ipc";
import { catalogIpc, type CatalogView } from "../ipc/catalog";
import { useSession } from "../session";
import { AppCard } from "../components/catalog/AppCard";
import { PublishCard } from "../components/catalog/PublishCard";
import { ConsentPrompt } from "../components/installs/ConsentPrompt";

const useStyles = makeStyles({
  root: { display: "grid", gap: tokens.spacingVerticalL, maxWidth: "980px" },
  bar: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "center", flexWrap: "wrap" },
  muted: { color: tokens.colorNeutralForeground3 },
});

export function CatalogPage() {
  const styles = useStyles();
  const { session } = useSession();
  const [view, setView] = useState<CatalogView | null>(null);
  const [needle, setNeedle] = useState("");
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const signedIn = !!session?.signedIn;

  const load = useCallback(async (refresh: boolean) => {
    setLoading(true);
    try {
      setView(await catalogIpc.list(refresh));
      setError(null);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setLoading(false);
    }
  }, []);

  // The cache first (instant, offline), then Graph when signed in.
  useEffect(() => {
    void load(false).then(() => {
      if (signedIn) void load(true);
    });
  }, [load, signedIn]);

  const q = needle.trim().toLowerCase();
  const apps = (view?.apps ?? []).filter(
    (v) => !q || v.app.displayName.toLowerCase().includes(q) || (v.app.externalId ?? "").toLowerCase().includes(q) || v.app.id === q,
  );
  const consent = error && (error.code === "consent_required" || error.code === "sign_in_required");

  return (
    <div className={styles.root} data-testid="catalog-page">
      {error && consent && <ConsentPrompt feature="publish" message={error.message} onSignedIn={() => void load(true)} />}
      {error && !consent && (
        <MessageBar intent="error" data-testid="catalog-error" data-code={error.code}>
          <MessageBarBody>{error.message}</MessageBarBody>
          <Button appearance="transparent" icon={<DismissRegular />} aria-label="Dismiss" onClick={() => setError(null)} />
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
      {signedIn && <PublishCard onPublished={() => void load(true)} onError={setError} />}
      {!signedIn && <Text className={styles.muted}>Sign in (top right) to read and change the org catalog.</Text>}
      {view && apps.length === 0 && <Text data-testid="catalog-empty">{q ? "No org app matches." : "No org apps in the catalog."}</Text>}
      {apps.map((v) => (
        <AppCard key={v.app.id} view={v} onChanged={() => void load(true)} onError={setError} />
      ))}
    </div>
  );
}
