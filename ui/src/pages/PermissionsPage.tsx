// Permission inspector: one bot (app id) against one permission profile — needed, granted,
// missing, excess, per-user consents and per-team RSC on one screen, with the admin consent
// link for what is missing, a matrix picture, CSV/JSON exports, and revoke/trim with a
// confirmation. The page opens from the last complete read (cached in SQLite, with its age);
// reading the tenant again is on demand, with progress per team and Cancel. Reading needs a
// `review_permissions` sign-in; fixing `revoke_permissions`.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  Badge,
  Button,
  Card,
  CardHeader,
  Dropdown,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Option,
  ProgressBar,
  Spinner,
  Switch,
  Tab,
  TabList,
  Text,
  tokens,
} from "@fluentui/react-components";
import {
  ArrowClockwiseRegular,
  ArrowDownloadRegular,
  CopyRegular,
  OpenRegular,
  PersonArrowRightRegular,
} from "@fluentui/react-icons";
import { ipc, type ApiError, type Feature } from "../ipc";
import type { RunProgress } from "../ipc/bindings/RunProgress";
import { ago } from "../components/installs/format";
import { permsIpc, type DiffRow, type FixOutcome, type BotProfile, type PermsReport } from "../ipc/permissions";
import { useSession } from "../session";
import { SignInDialog } from "../components/SignInDialog";
import { DiffTable } from "../components/permissions/DiffTable";
import { MatrixView } from "../components/permissions/MatrixView";
import { FixDialog } from "../components/permissions/FixDialog";
import { ProfileTools } from "../components/permissions/ProfileTools";
import { ProfileDescription } from "../components/permissions/ProfileDescription";
import { copyText, downloadText, exportBaseName } from "../components/permissions/exportText";
import { rowStateMeta } from "../components/permissions/states";
import { count } from "../components/plural";

const useStyles = makeStyles({
  stack: { display: "grid", gap: tokens.spacingVerticalL, maxWidth: "1200px", gridTemplateColumns: "minmax(0, 1fr)" },
  // minmax(0, 1fr): a wide matrix scrolls inside the card instead of widening the page.
  body: {
    display: "grid",
    gap: tokens.spacingVerticalM,
    gridTemplateColumns: "minmax(0, 1fr)",
    paddingInline: tokens.spacingHorizontalXS,
  },
  controls: { display: "flex", gap: tokens.spacingHorizontalL, flexWrap: "wrap", alignItems: "end" },
  appId: { minWidth: "340px" },
  fill: { width: "100%" },
  tools: { display: "flex", gap: tokens.spacingHorizontalL, flexWrap: "wrap", alignItems: "start", justifyContent: "space-between" },
  mono: { fontFamily: tokens.fontFamilyMonospace, wordBreak: "break-all" },
  consentUrl: {
    display: "block",
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    wordBreak: "break-all",
    marginBlock: tokens.spacingVerticalXS,
  },
  reading: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "end", flexWrap: "wrap" },
  grow: { flexGrow: 1, minWidth: "260px" },
  summary: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap", alignItems: "center" },
  hint: { color: tokens.colorNeutralForeground3 },
  toolbar: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap", alignItems: "center" },
});

/** The demo tenant's FlashDuty bot: the default until the admin picks something else. */
const DEFAULT_PROFILE = "flashduty";
const ALL_MODELS = "";

export function PermissionsPage() {
  const styles = useStyles();
  const { session, update } = useSession();
  const [profiles, setProfiles] = useState<BotProfile[]>([]);
  const [profileId, setProfileId] = useState(DEFAULT_PROFILE);
  const [appId, setAppId] = useState("");
  const [model, setModel] = useState(ALL_MODELS);
  const [allTeams, setAllTeams] = useState(true);
  const [report, setReport] = useState<PermsReport | null>(null);
  const [loading, setLoading] = useState(false);
  const [progress, setProgress] = useState<RunProgress | null>(null);
  const [cancelling, setCancelling] = useState(false);
  // Set once the cache was looked up for the current input (null report then means "never read").
  const [cacheChecked, setCacheChecked] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  const [error, setError] = useState<ApiError | null>(null);
  const [view, setView] = useState<"diff" | "matrix">("diff");
  const [fixing, setFixing] = useState<DiffRow | null>(null);
  const [outcome, setOutcome] = useState<FixOutcome | null>(null);
  const [signInFeature, setSignInFeature] = useState<Feature | null>(null);
  const [exportNote, setExportNote] = useState<string | null>(null);

  const selected = useMemo(() => profiles.find((p) => p.id === profileId) ?? null, [profiles, profileId]);
  const current = session?.current ?? null;
  const signedIn = !!session?.signedIn;

  useEffect(() => {
    permsIpc.profiles().then(setProfiles, setError);
  }, []);

  // A profile about one app brings its app id; the admin can overwrite it.
  useEffect(() => {
    if (selected) setAppId(selected.appId ?? "");
    setModel(ALL_MODELS);
  }, [selected]);

  // The age label moves on by itself while the page is open.
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), 30_000);
    return () => window.clearInterval(t);
  }, []);

  // `appIdNow`: the profile's app id when a new profile was just chosen (the field catches up
  // a render later).
  const request = useCallback(
    (appIdNow?: string | null) => ({
      permProfileId: profileId,
      appId: appIdNow !== undefined ? appIdNow : appId.trim() || null,
      model: model || null,
      allTeams,
      teamIds: [],
      chatIds: [],
    }),
    [profileId, appId, model, allTeams],
  );

  // Only the newest answer is shown: a slow read for the previous app never lands on this one.
  const latest = useRef(0);
  const inspect = useCallback(async (appIdNow?: string | null) => {
    const mine = ++latest.current;
    setLoading(true);
    setCancelling(false);
    setProgress(null);
    setExportNote(null);
    try {
      const next = await permsIpc.inspect(request(appIdNow), (p) => {
        if (mine === latest.current) setProgress(p);
      });
      if (mine !== latest.current) return;
      setReport(next);
      setCacheChecked(true);
      setNow(Date.now());
      setError(null);
    } catch (err) {
      if (mine === latest.current) setError(err as ApiError);
    } finally {
      if (mine === latest.current) {
        setLoading(false);
        setProgress(null);
        setCancelling(false);
      }
    }
  }, [request]);

  /** The last complete read of this app, from the cache: instant, offline, no sign-in. */
  const showCached = useCallback(async (appIdNow?: string | null) => {
    const mine = ++latest.current;
    try {
      const cached = await permsIpc.cached(request(appIdNow));
      if (mine !== latest.current) return;
      setReport(cached);
      setCacheChecked(true);
      setNow(Date.now());
      // Never read before: read it once now, when a sign-in allows it.
      if (!cached && signedIn) void inspect(appIdNow);
    } catch (err) {
      if (mine === latest.current) setError(err as ApiError);
    }
  }, [request, signedIn, inspect]);

  const cancel = async () => {
    setCancelling(true);
    try {
      await permsIpc.cancel();
    } catch (err) {
      setError(err as ApiError);
    }
  };

  // Open from the cache as soon as the profiles are known; again after a tenant switch or a
  // new profile choice. A sign-in with new scopes reads the tenant (what the admin asked for).
  const ready = profiles.length > 0 && !!selected && !!current;
  useEffect(() => {
    if (ready) void showCached(selected?.appId ?? null);
    // Only on these transitions, not on every keystroke in the app-id field.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ready, current?.id, profileId]);

  // A different bot or profile in the fields: the results shown are another app's, so they go.
  const shownFor = report ? `${report.diff.profileId}|${report.diff.appId.toLowerCase()}` : null;
  const askedFor = `${profileId}|${(appId.trim() || selected?.appId || "").toLowerCase()}`;
  useEffect(() => {
    if (shownFor && shownFor !== askedFor) {
      setReport(null);
      setOutcome(null);
      setError(null);
      setCacheChecked(false);
    }
  }, [shownFor, askedFor]);

  const needsSignIn = !signedIn || (error && (error.code === "consent_required" || error.code === "sign_in_required"));
  const cancelled = error?.code === "cancelled";
  const notInTenant = !!report && !report.diff.servicePrincipal;
  const ageSecs = report ? Math.max(0, (now - Date.parse(report.granted.inspectedAt)) / 1000) : 0;
  const diff = report?.diff ?? null;
  const base = report ? exportBaseName(report.diff.profileId, report.diff.appId) : "";

  const exportFile = async (kind: "diff-csv" | "matrix-csv" | "json", how: "download" | "copy") => {
    if (!report) return;
    const text =
      kind === "diff-csv"
        ? report.diffCsv
        : kind === "matrix-csv"
          ? report.matrixCsv
          : JSON.stringify({ diff: report.diff, matrix: report.matrix }, null, 2);
    const name = kind === "json" ? `${base}.json` : `${base}-${kind === "diff-csv" ? "diff" : "matrix"}.csv`;
    const ok =
      how === "download"
        ? downloadText(name, text, kind === "json" ? "application/json" : "text/csv")
        : await copyText(text);
    setExportNote(ok ? (how === "download" ? `Saved ${name}.` : "Copied to the clipboard.") : "That did not work here; try the other option.");
  };

  const applied = (o: FixOutcome) => {
    setFixing(null);
    setOutcome(o);
    void inspect();
  };

  return (
    <div className={styles.stack} data-testid="permissions-page">
      <Card>
        <CardHeader
          header={<Text weight="semibold">Bot and permission profile</Text>}
          description="Pick what the bot needs (a vendor's profile or your own) and the bot's Entra app id."
        />
        <div className={styles.body}>
          <div className={styles.controls}>
            <Field label="Permission profile">
              <Dropdown
                value={selected?.name ?? profileId}
                selectedOptions={[profileId]}
                onOptionSelect={(_, d) => d.optionValue && setProfileId(d.optionValue)}
                data-testid="perm-profile-select"
              >
                {profiles.map((p) => (
                  <Option key={p.id} value={p.id} text={p.name}>
                    {p.name}
                    {p.source === "custom" ? " (custom)" : ""}
                  </Option>
                ))}
              </Dropdown>
            </Field>
            {selected && selected.models.length > 0 && (
              <Field label="Connection model">
                <Dropdown
                  value={model ? selected.models.find((m) => m.id === model)?.name ?? model : "The ones in use"}
                  selectedOptions={[model]}
                  onOptionSelect={(_, d) => setModel(d.optionValue ?? ALL_MODELS)}
                  data-testid="perm-model-select"
                >
                  <Option value={ALL_MODELS} text="The ones in use">
                    The ones in use
                  </Option>
                  {selected.models.map((m) => (
                    <Option key={m.id} value={m.id} text={m.name}>
                      {m.name}
                    </Option>
                  ))}
                </Dropdown>
              </Field>
            )}
            <Field label="Bot app id (Entra)" className={styles.appId}>
              <Input
                className={styles.fill}
                value={appId}
                onChange={(_, d) => setAppId(d.value)}
                placeholder="00000000-0000-0000-0000-000000000000"
                data-testid="perm-app-id"
              />
            </Field>
            <Switch
              checked={allTeams}
              onChange={(_, d) => setAllTeams(d.checked)}
              label="Per-team RSC (every team)"
              data-testid="perm-all-teams"
            />
            <Button
              appearance="primary"
              icon={<ArrowClockwiseRegular />}
              onClick={() => void inspect()}
              disabled={loading || !signedIn}
              data-testid="perm-check"
            >
              {report ? "Read again from the tenant" : "Check permissions"}
            </Button>
          </div>
          <div className={styles.tools}>
            <ProfileDescription profile={selected} />
            <ProfileTools
            selected={selected}
            onImported={(p) => {
              setProfiles((list) => [...list.filter((x) => x.id !== p.id), p]);
              setProfileId(p.id);
            }}
            onDeleted={(list) => {
              setProfiles(list);
              setProfileId(DEFAULT_PROFILE);
            }}
            />
          </div>
        </div>
      </Card>

      {needsSignIn && current && (
        <MessageBar intent={signedIn ? "warning" : "info"} layout="multiline" data-testid="perm-sign-in-needed" data-code={error?.code ?? "signed_out"}>
          <MessageBarBody>
            <MessageBarTitle>{signedIn ? "More permission needed" : "Not signed in"}</MessageBarTitle>
            {signedIn
              ? `${error?.message ?? ""} Reading the bot's grants needs permission review scopes.`
              : `Sign in to ${current.name} to review the bot's permissions.`}
          </MessageBarBody>
          <MessageBarActions>
            <Button
              icon={<PersonArrowRightRegular />}
              disabled={!session?.canSignIn}
              onClick={() => setSignInFeature("review_permissions")}
              data-testid="perm-sign-in"
            >
              {signedIn ? "Sign in again to grant permission review" : "Sign in to review permissions"}
            </Button>
          </MessageBarActions>
        </MessageBar>
      )}
      {error && cancelled && (
        <MessageBar intent="info" layout="multiline" data-testid="perm-cancelled">
          <MessageBarBody>
            Reading stopped. {report ? `What you see is the read from ${ago(ageSecs)}.` : "Nothing was read yet."}
          </MessageBarBody>
        </MessageBar>
      )}
      {error && !needsSignIn && !cancelled && (
        <MessageBar intent="error" layout="multiline" data-testid="perm-error" data-code={error.code}>
          <MessageBarBody>{error.message}</MessageBarBody>
          {error.actionUrl && (
            <MessageBarActions>
              <Button icon={<OpenRegular />} onClick={() => void ipc.openExternal(error.actionUrl!).catch(setError)}>
                Open admin consent page
              </Button>
            </MessageBarActions>
          )}
        </MessageBar>
      )}
      {loading && (
        <div className={styles.reading} data-testid="perm-loading">
          {progress && progress.total > 0 ? (
            <Field
              label={`Reading resource-specific consent: ${progress.done} of ${progress.total} teams`}
              validationState="none"
              className={styles.grow}
            >
              <ProgressBar value={progress.done / progress.total} data-testid="perm-progress" data-done={progress.done} data-total={progress.total} />
            </Field>
          ) : (
            <Spinner
              size="small"
              labelPosition="after"
              label={allTeams ? "Reading grants, then every team's resource-specific consent…" : "Reading grants…"}
            />
          )}
          <Button onClick={() => void cancel()} disabled={cancelling} data-testid="perm-cancel">
            {cancelling ? "Cancelling…" : "Cancel"}
          </Button>
        </div>
      )}
      {!report && !loading && cacheChecked && !error && (
        <Text data-testid="perm-never-read">
          {signedIn
            ? "Not read yet for this bot: “Check permissions” reads it from your tenant."
            : "This bot's permissions have not been read yet on this computer: sign in to read them."}
        </Text>
      )}
      {notInTenant && report && (
        <MessageBar intent="warning" layout="multiline" data-testid="perm-not-in-tenant">
          <MessageBarBody>
            <MessageBarTitle>Not in this tenant</MessageBarTitle>
            No app with id <span className={styles.mono}>{report.diff.appId}</span> exists in {current?.name ?? "this tenant"}: nobody
            has added it or consented to it. Check the id (it is the bot&apos;s Entra application id, in the vendor&apos;s setup
            guide). If it is right, add the bot first — its vendor&apos;s setup asks for the consent.
          </MessageBarBody>
        </MessageBar>
      )}
      {outcome && (
        <MessageBar
          intent={outcome.outcome === "failed" ? "error" : "success"}
          layout="multiline"
          data-testid="fix-outcome"
          data-outcome={outcome.outcome}
        >
          <MessageBarBody>{outcome.message}</MessageBarBody>
          <MessageBarActions
            containerAction={
              <Button appearance="transparent" size="small" onClick={() => setOutcome(null)} aria-label="Dismiss">
                Dismiss
              </Button>
            }
          />
        </MessageBar>
      )}

      {diff && report && !notInTenant && (
        <>
          {diff.updateAvailable && (
            <MessageBar intent="error" layout="multiline" data-testid="perm-consent-needed">
              <MessageBarBody>
                <MessageBarTitle>Consent needed</MessageBarTitle>
                {diff.servicePrincipal?.displayName ?? diff.appId} is missing{" "}
                {diff.summary.missingRequired} required permission{diff.summary.missingRequired === 1 ? "" : "s"}:{" "}
                <b data-testid="missing-required">
                  {diff.rows
                    .filter((r) => r.state === "missing_required")
                    .map((r) => `${r.permission} (${r.kind})`)
                    .join(", ")}
                </b>
                .
                {diff.consent && (
                  <>
                    {" "}
                    An administrator grants it here:
                    <span className={styles.consentUrl} data-testid="consent-url" data-url={diff.consent.url}>
                      {diff.consent.url}
                    </span>
                    <Text size={200}>{diff.consent.note}</Text>
                  </>
                )}
                <Text size={200} block data-testid="consent-vendor-term">
                  {diff.profileId === "pagerduty"
                    ? "PagerDuty's own screens call this “UPDATE AVAILABLE”: it means the same missing consent, not a newer package."
                    : "Some vendors (PagerDuty) call this “UPDATE AVAILABLE”; it is a missing consent, not a newer package."}
                </Text>
              </MessageBarBody>
              {diff.consent && (
                <MessageBarActions>
                  <Button
                    appearance="primary"
                    icon={<OpenRegular />}
                    onClick={() => void ipc.openExternal(diff.consent!.url).catch(setError)}
                    data-testid="consent-open"
                  >
                    Grant admin consent
                  </Button>
                  <Button icon={<CopyRegular />} onClick={() => void copyText(diff.consent!.url)} data-testid="consent-copy">
                    Copy link
                  </Button>
                </MessageBarActions>
              )}
            </MessageBar>
          )}

          <Card data-testid="perm-result">
            <CardHeader
              header={
                <Text weight="semibold" data-testid="perm-app-name">
                  {diff.servicePrincipal?.displayName ?? "Not consented in this tenant"} — {diff.profileName}
                </Text>
              }
              description={
                <Text size={200} className={styles.hint}>
                  App <span className={styles.mono}>{diff.appId}</span> ·{" "}
                  <span data-testid="perm-age" data-from-cache={report.fromCache ? "yes" : "no"} title={new Date(report.granted.inspectedAt).toLocaleString()}>
                    read {ago(ageSecs)}
                    {report.fromCache ? " (saved on this computer)" : ""}
                  </span>
                  {report.granted.rscTargets.length > 0 &&
                    ` · resource-specific consent read in ${count(report.granted.rscTargets.length, "team/chat", "teams/chats")}`}
                </Text>
              }
            />
            <div className={styles.body}>
              <div className={styles.summary}>
                <Text>Connects as:</Text>
                <Badge appearance="outline" data-testid="connection-model">
                  {diff.connection.label}
                </Badge>
                {diff.connection.profileModelsInUse.length > 0 && selected && (
                  <Text size={200} className={styles.hint}>
                    Profile model in use: {diff.connection.profileModelsInUse.map((m) => selected.models.find((x) => x.id === m)?.name ?? m).join(", ")}
                  </Text>
                )}
              </div>
              <div className={styles.summary} data-testid="perm-summary">
                {(
                  [
                    ["granted", diff.summary.granted],
                    ["missing_required", diff.summary.missingRequired],
                    ["missing_optional", diff.summary.missingOptional],
                    ["excess", diff.summary.excess],
                    ["broader", diff.summary.broader],
                    ["per_user_consent", diff.summary.perUserConsents],
                    ["rsc_partial", diff.summary.rscPartial],
                    ["not_checked", diff.summary.notChecked],
                  ] as const
                )
                  .filter(([, n]) => n > 0)
                  .map(([state, n]) => (
                    <Badge key={state} appearance="tint" color={rowStateMeta[state].color} data-testid={`summary-${state}`}>
                      {n} {rowStateMeta[state].label.toLowerCase()}
                    </Badge>
                  ))}
              </div>
              {diff.summary.perUserConsents > 0 && (
                <Text size={200} className={styles.hint}>
                  Per-user consents are a user's own grant; the Entra admin portal cannot revoke them — BotDeck can.
                </Text>
              )}
              {[...diff.warnings, ...report.granted.rscFailures.map((f) => `${f.target.name ?? f.target.id}: ${f.message}`)].map(
                (w) => (
                  <MessageBar key={w} intent="warning" layout="multiline">
                    <MessageBarBody>{w}</MessageBarBody>
                  </MessageBar>
                ),
              )}
              <div className={styles.toolbar}>
                <TabList selectedValue={view} onTabSelect={(_, d) => setView(d.value as "diff" | "matrix")}>
                  <Tab value="diff" data-testid="tab-diff">
                    Differences
                  </Tab>
                  <Tab value="matrix" data-testid="tab-matrix">
                    Matrix
                  </Tab>
                </TabList>
                <span style={{ flexGrow: 1 }} />
                <Button size="small" icon={<ArrowDownloadRegular />} onClick={() => void exportFile("diff-csv", "download")} data-testid="export-diff-csv">
                  Diff CSV
                </Button>
                <Button size="small" icon={<ArrowDownloadRegular />} onClick={() => void exportFile("matrix-csv", "download")} data-testid="export-matrix-csv">
                  Matrix CSV
                </Button>
                <Button size="small" icon={<ArrowDownloadRegular />} onClick={() => void exportFile("json", "download")} data-testid="export-json">
                  JSON
                </Button>
                <Button size="small" icon={<CopyRegular />} onClick={() => void exportFile(view === "diff" ? "diff-csv" : "matrix-csv", "copy")} data-testid="export-copy">
                  Copy CSV
                </Button>
              </div>
              {exportNote && (
                <Text size={200} data-testid="export-note">
                  {exportNote}
                </Text>
              )}
              {view === "diff" ? (
                <DiffTable rows={diff.rows} granted={report.granted} onFix={setFixing} />
              ) : (
                <MatrixView matrix={report.matrix} />
              )}
            </div>
          </Card>
        </>
      )}

      {fixing && report && (
        <FixDialog
          row={fixing}
          appId={report.diff.appId}
          permProfileId={report.diff.profileId}
          profile={current}
          onClose={() => setFixing(null)}
          onApplied={applied}
          onSignedIn={(s) => void update(s)}
        />
      )}
      {current && signInFeature && (
        <SignInDialog
          profile={current}
          feature={signInFeature}
          open
          onClose={() => setSignInFeature(null)}
          onSignedIn={(s) => {
            setSignInFeature(null);
            setError(null);
            void update(s);
            // The admin signed in to read: read now, with the new scopes.
            void inspect();
          }}
        />
      )}
    </div>
  );
}
