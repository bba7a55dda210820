// Permission inspector: one bot (app id) against one permission profile — needed, granted,
// missing, excess, per-user consents and per-team RSC on one screen, with the admin consent
// link for what is missing, a matrix picture, CSV/JSON exports, and revoke/trim with a
// confirmation. Reading needs a `review_permissions` sign-in; fixing `revoke_permissions`.
import { useCallback, useEffect, useMemo, useState } from "react";
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
import { permsIpc, type DiffRow, type FixOutcome, type PermissionProfile, type PermsReport } from "../ipc/permissions";
import { useSession } from "../session";
import { SignInDialog } from "../components/SignInDialog";
import { DiffTable } from "../components/permissions/DiffTable";
import { MatrixView } from "../components/permissions/MatrixView";
import { FixDialog } from "../components/permissions/FixDialog";
import { ProfileTools } from "../components/permissions/ProfileTools";
import { ProfileDescription } from "../components/permissions/ProfileDescription";
import { copyText, downloadText, exportBaseName } from "../components/permissions/exportText";
import { rowStateMeta } from "../components/permissions/states";

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
  update: { fontWeight: tokens.fontWeightBold, letterSpacing: "0.04em" },
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
  const [profiles, setProfiles] = useState<PermissionProfile[]>([]);
  const [profileId, setProfileId] = useState(DEFAULT_PROFILE);
  const [appId, setAppId] = useState("");
  const [model, setModel] = useState(ALL_MODELS);
  const [allTeams, setAllTeams] = useState(true);
  const [report, setReport] = useState<PermsReport | null>(null);
  const [loading, setLoading] = useState(false);
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

  const inspect = useCallback(async () => {
    setLoading(true);
    setExportNote(null);
    try {
      const next = await permsIpc.inspect({
        permProfileId: profileId,
        appId: appId.trim() || null,
        model: model || null,
        allTeams,
        teamIds: [],
        chatIds: [],
      });
      setReport(next);
      setError(null);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setLoading(false);
    }
  }, [profileId, appId, model, allTeams]);

  // Check as soon as there is a signed-in tenant and the profiles are known; again after a
  // sign-in (new scopes) or a tenant switch.
  const ready = signedIn && profiles.length > 0 && !!selected;
  useEffect(() => {
    if (ready) void inspect();
    // Only on these transitions, not on every keystroke in the app-id field.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ready, current?.id, current?.tokenExpiresAt]);

  const needsSignIn = !signedIn || (error && (error.code === "consent_required" || error.code === "sign_in_required"));
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
              Check permissions
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
      {error && !needsSignIn && (
        <MessageBar intent="error" layout="multiline" data-testid="perm-error" data-code={error.code}>
          <MessageBarBody>{error.message}</MessageBarBody>
          {error.link && (
            <MessageBarActions>
              <Button icon={<OpenRegular />} onClick={() => void ipc.openExternal(error.link!).catch(setError)}>
                Open admin consent page
              </Button>
            </MessageBarActions>
          )}
        </MessageBar>
      )}
      {loading && (
        <Spinner
          size="small"
          labelPosition="after"
          label={allTeams ? "Reading grants, including every team's resource-specific consent…" : "Reading grants…"}
          data-testid="perm-loading"
        />
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

      {diff && report && (
        <>
          {diff.updateAvailable && (
            <MessageBar intent="error" layout="multiline" data-testid="update-available">
              <MessageBarBody>
                <MessageBarTitle className={styles.update}>UPDATE AVAILABLE</MessageBarTitle>
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
                  App <span className={styles.mono}>{diff.appId}</span> · read{" "}
                  {new Date(report.granted.inspectedAt).toLocaleTimeString()}
                  {report.granted.rscTargets.length > 0 &&
                    ` · resource-specific consent read in ${report.granted.rscTargets.length} team(s)/chat(s)`}
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
              {view === "diff" ? <DiffTable rows={diff.rows} onFix={setFixing} /> : <MatrixView matrix={report.matrix} />}
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
            // The new token (expiry) re-runs the check through the effect above.
            void update(s);
          }}
        />
      )}
    </div>
  );
}
