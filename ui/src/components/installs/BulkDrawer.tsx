import { useCallback, useEffect, useRef, useState } from "react";
import {
  Badge,
  Button,
  DrawerBody,
  DrawerHeader,
  DrawerHeaderTitle,
  Field,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  OverlayDrawer,
  ProgressBar,
  Radio,
  RadioGroup,
  Spinner,
  Text,
  tokens,
} from "@fluentui/react-components";
import { DismissRegular } from "@fluentui/react-icons";
import type { ApiError } from "../../ipc";
import {
  installsIpc,
  type BulkAction,
  type SavedPlan,
  type ItemResult,
  type RunProgress,
  type RunSummary,
  type Selection,
} from "../../ipc/installs";
import { CancelWorkButton, fraction, progressText, useBackgroundWork, type Outcome } from "../../work";
import { ConsentPrompt } from "./ConsentPrompt";
import { useEscape } from "../a11y/useEscape";
import { useReturnFocus } from "../a11y/useReturnFocus";
import { kindSingular, runOutcomeText } from "./format";
import { count } from "../plural";

const useStyles = makeStyles({
  body: { display: "grid", gap: tokens.spacingVerticalM, alignContent: "start" },
  list: {
    maxHeight: "220px",
    overflowY: "auto",
    margin: 0,
    paddingInlineStart: tokens.spacingHorizontalL,
    display: "grid",
    gap: tokens.spacingVerticalXXS,
  },
  row: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap", alignItems: "center" },
  muted: { color: tokens.colorNeutralForeground3 },
  section: {
    display: "grid",
    gap: tokens.spacingVerticalS,
    paddingBlock: tokens.spacingVerticalS,
    borderTop: `1px solid ${tokens.colorNeutralStroke2}`,
  },
  heading: { outlineOffset: "2px" },
});

const actionVerb: Record<BulkAction, string> = { install: "Install", upgrade: "Upgrade", uninstall: "Uninstall" };
const LIST_CAP = 200;

/** What a bulk run leaves in the work context: kept there so leaving the page loses nothing. */
export interface BulkOutcome {
  summary: RunSummary;
  items: ItemResult[];
}

export interface BulkSource {
  /** What the selection is, in words ("the 4 rows of the current filter"). */
  label: string;
  selection: Selection;
}

const needsSignIn = (e: ApiError | undefined | null) => !!e && (e.code === "consent_required" || e.code === "sign_in_required");

/**
 * Bulk install / upgrade / uninstall: preview (the core's plan: planned + skipped with
 * reasons), run with progress and cancel, then the outcome with the next step (retry failed,
 * continue what was not attempted, start another change) — never the old plan with its Run
 * button. A step that needs a new sign-in is repeated after it, in the drawer.
 */
export function BulkDrawer({
  open,
  onClose,
  appId,
  sources,
  defaultAction,
  initialSource = 0,
  autoPreview = false,
  view = "form",
}: {
  open: boolean;
  onClose: () => void;
  appId: string;
  sources: BulkSource[];
  defaultAction: BulkAction;
  /** The targets chosen when the drawer opens (e.g. "one row" from a row's menu). */
  initialSource?: number;
  /** Show the plan at once (the admin already said what to change, e.g. from the Catalog). */
  autoPreview?: boolean;
  /** "result": opened to show the running or last run (its per-item results, retry). */
  view?: "form" | "result";
}) {
  const styles = useStyles();
  const work = useBackgroundWork();
  // Escape closes the drawer wherever focus is, and focus goes back to what opened it.
  useReturnFocus(open);
  useEscape(open, onClose);
  const [action, setAction] = useState<BulkAction>(defaultAction);
  const [sourceIndex, setSourceIndex] = useState(initialSource);
  const [plan, setPlan] = useState<SavedPlan | null>(null);
  const [planning, setPlanning] = useState(false);
  const [planError, setPlanError] = useState<ApiError | null>(null);
  const [showResult, setShowResult] = useState(false);
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const running = work.work?.key === "bulk";
  // Read once per opening, not a reason to reset the form whenever a run starts or ends.
  const runningRef = useRef(running);
  runningRef.current = running;
  // The step to repeat after "Sign in again" (a preview or a run).
  const lastStep = useRef<(() => void) | null>(null);
  const cancelRef = useRef<HTMLButtonElement | null>(null);
  const resultRef = useRef<HTMLDivElement | null>(null);
  const bulkOutcome = work.outcomes.bulk as Outcome<BulkOutcome> | undefined;
  const outcome = bulkOutcome?.value ?? null;
  const runError = showResult && !running ? bulkOutcome?.error ?? null : null;
  const summary = showResult ? outcome?.summary ?? null : null;
  const items = summary ? outcome?.items ?? [] : [];
  const source = sources[Math.min(sourceIndex, sources.length - 1)];
  const sourceRef = useRef(source);
  sourceRef.current = source;

  const loadRuns = useCallback(() => {
    installsIpc.runs().then(setRuns, () => setRuns([]));
  }, []);

  const preview = useCallback(
    async (forAction: BulkAction, chosen = sourceRef.current) => {
      if (!chosen) return;
      lastStep.current = () => void preview(forAction, chosen);
      setPlanning(true);
      setPlanError(null);
      try {
        setPlan(await installsIpc.plan(appId, forAction, chosen.selection));
        setShowResult(false);
      } catch (err) {
        setPlan(null);
        setPlanError(err as ApiError);
      } finally {
        setPlanning(false);
      }
    },
    [appId],
  );

  useEffect(() => {
    if (!open) return;
    setAction(defaultAction);
    setSourceIndex(initialSource);
    setPlan(null);
    setPlanError(null);
    // A drawer opened while a run is going shows that run's result when it ends.
    const result = view === "result" || runningRef.current;
    setShowResult(result);
    loadRuns();
    if (autoPreview && !result) void preview(defaultAction, sourceRef.current);
    // Opening decides; later changes of the sources (a new total) do not re-plan.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open, defaultAction, view, initialSource, autoPreview, loadRuns]);


  // Keyboard focus follows the work: the Run button disappears when the run starts (focus goes
  // to Cancel), Cancel disappears when it ends (focus goes to the outcome).
  useEffect(() => {
    if (!open) return;
    if (running) cancelRef.current?.focus();
    else if (showResult) resultRef.current?.focus();
  }, [open, running, showResult]);

  const execute = async (label: string, start: (onProgress: (p: RunProgress) => void) => Promise<RunSummary>) => {
    // The plan is spent: what follows is this run's progress, then its outcome.
    setPlan(null);
    setShowResult(true);
    // The run and its per-item results belong to the work context, not to this drawer: the
    // admin may close it or leave the page, and finds both again on return.
    await work.run<BulkOutcome>(
      "bulk",
      label,
      async (report) => {
        const summary = await start(report);
        // The run happened even if its item list cannot be read; the summary still counts.
        const items = await installsIpc.runItems(summary.runId, null).catch(() => []);
        return { summary, items };
      },
      () => void installsIpc.cancel(),
    );
    loadRuns();
  };

  // What runs is the plan the admin saw, by its id: if the tenant changed since, the run is
  // refused with what changed and the admin previews again.
  const run = (forPlan: SavedPlan) => {
    lastStep.current = () => void run(forPlan);
    void execute(`${actionVerb[forPlan.action]} ${forPlan.appName}`, (p) => installsIpc.runPlan(forPlan.planId, p));
  };
  const retry = (runId: string) => {
    lastStep.current = () => retry(runId);
    void execute("Retrying failed items", (p) => installsIpc.resume(runId, true, p));
  };
  const resume = (runId: string) => {
    lastStep.current = () => resume(runId);
    void execute("Continuing a run", (p) => installsIpc.resume(runId, false, p));
  };
  const startOver = () => {
    work.forget("bulk");
    setShowResult(false);
    setPlan(null);
    setPlanError(null);
  };
  const signedInAgain = () => {
    const again = lastStep.current;
    setPlanError(null);
    if (runError) work.forget("bulk");
    again?.();
  };

  const progress = running ? work.work?.progress ?? null : null;
  const interrupted = runs.filter((r) => r.pending > 0 && r.runId !== summary?.runId);
  const failedItems = items.filter((i) => i.state === "failed");
  const problem = planError ?? runError;

  return (
    <OverlayDrawer open={open} position="end" size="medium" onOpenChange={(_, d) => !d.open && onClose()} data-testid="bulk-drawer">
      <DrawerHeader>
        <DrawerHeaderTitle
          action={<Button appearance="subtle" aria-label="Close" icon={<DismissRegular />} onClick={onClose} data-testid="bulk-close" />}
        >
          Bulk change
        </DrawerHeaderTitle>
      </DrawerHeader>
      <DrawerBody className={styles.body}>
        {problem && needsSignIn(problem) && (
          <ConsentPrompt feature={planError ? "read_tenant" : "install"} message={problem.message} onSignedIn={signedInAgain} />
        )}
        {problem && !needsSignIn(problem) && (
          <MessageBar intent="error" layout="multiline" data-testid="bulk-error" data-code={problem.code}>
            <MessageBarBody>
              <MessageBarTitle>{planError ? "No plan" : "The run did not start"}</MessageBarTitle>
              {problem.message}
            </MessageBarBody>
          </MessageBar>
        )}

        {!showResult && (
          <>
            <Field label="Change">
              <RadioGroup layout="horizontal" value={action} onChange={(_, d) => {
                  // A plan is for one change of one set of targets: another choice needs a new preview.
                  setAction(d.value as BulkAction);
                  setPlan(null);
                }} disabled={running}>
                <Radio value="install" label="Install" data-testid="bulk-action-install" />
                <Radio value="upgrade" label="Upgrade" data-testid="bulk-action-upgrade" />
                <Radio value="uninstall" label="Uninstall" data-testid="bulk-action-uninstall" />
              </RadioGroup>
            </Field>
            <Field label="Targets">
              <RadioGroup value={String(sourceIndex)} onChange={(_, d) => {
                  setSourceIndex(Number(d.value));
                  setPlan(null);
                }} disabled={running}>
                {sources.map((s, i) => (
                  <Radio key={s.label} value={String(i)} label={s.label} data-testid={`bulk-source-${i}`} />
                ))}
              </RadioGroup>
            </Field>
            <div className={styles.row}>
              <Button
                onClick={() => void preview(action)}
                disabledFocusable={!source || planning || running}
                data-testid="bulk-preview"
              >
                Preview
              </Button>
              {planning && <Spinner size="tiny" label="Planning…" />}
            </div>
          </>
        )}

        {plan && !showResult && (
          <div className={styles.section} data-testid="bulk-plan" data-planned={plan.items.length} data-skipped={plan.skipped.length}>
            <Text weight="semibold">
              {actionVerb[plan.action]} {plan.appName} in {count(plan.items.length, "target")}
              {plan.targetVersion && plan.action !== "uninstall" ? ` → ${plan.targetVersion}` : ""}; {plan.skipped.length} skipped
            </Text>
            {plan.action !== "uninstall" && plan.consent.length > 0 && (
              <Text size={200} className={styles.muted}>
                Resource-specific consent granted with it: {plan.consent.map((c) => c.permissionValue).join(", ")}
              </Text>
            )}
            {plan.warnings.map((w) => (
              <MessageBar key={w} intent="warning">
                <MessageBarBody>{w}</MessageBarBody>
              </MessageBar>
            ))}
            {plan.items.length > 0 && (
              <ul className={styles.list} data-testid="bulk-planned">
                {plan.items.slice(0, LIST_CAP).map((i) => (
                  <li key={`${i.kind}:${i.targetId}`}>
                    <Text size={200}>
                      {kindSingular[i.kind]} <b>{i.targetName ?? i.targetId}</b>
                      {i.fromVersion ? ` (now ${i.fromVersion})` : ""}
                      {i.note ? ` — ${i.note}` : ""}
                    </Text>
                  </li>
                ))}
                {plan.items.length > LIST_CAP && <Text size={200}>… and {plan.items.length - LIST_CAP} more</Text>}
              </ul>
            )}
            {plan.skipped.length > 0 && (
              <>
                <Text size={200} weight="semibold">
                  Skipped
                </Text>
                <ul className={styles.list} data-testid="bulk-skipped">
                  {plan.skipped.slice(0, LIST_CAP).map((s) => (
                    <li key={`${s.kind}:${s.targetId}`}>
                      <Text size={200}>
                        {s.targetName ?? s.targetId} — {s.reason}
                      </Text>
                    </li>
                  ))}
                </ul>
              </>
            )}
            <div className={styles.row}>
              <Button
                appearance="primary"
                disabled={plan.items.length === 0 || running || !source}
                onClick={() => run(plan)}
                data-testid="bulk-run"
              >
                {actionVerb[plan.action]} {plan.items.length}
              </Button>
              {plan.items.length === 0 && <Text className={styles.muted}>Nothing to {plan.action}: every selected target is skipped.</Text>}
            </div>
          </div>
        )}

        {running && (
          <div className={styles.section} data-testid="bulk-progress">
            <Text>
              {work.work?.label}: {work.work?.cancelling ? "cancelling after the requests on the wire…" : progressText(progress)}
            </Text>
            <ProgressBar value={fraction(progress)} thickness="large" aria-label="Bulk change progress" />
            <div ref={(el) => (cancelRef.current = el?.querySelector("button") ?? null)}>
              <CancelWorkButton workKey="bulk" testId="bulk-cancel" />
            </div>
          </div>
        )}

        {summary && !running && (
          <div
            className={styles.section}
            data-testid="bulk-result"
            data-status={summary.status}
            data-failed={summary.failed}
            data-not-attempted={summary.pending}
          >
            <Text weight="semibold" as="h2" className={styles.heading} tabIndex={-1} ref={resultRef} data-testid="bulk-result-text">
              {outcome ? `${bulkOutcome?.label}. ` : ""}
              {runOutcomeText(summary)}
            </Text>
            <ul className={styles.list} data-testid="bulk-items">
              {items.slice(0, LIST_CAP).map((i) => (
                <li key={`${i.kind}:${i.targetId}`}>
                  <Text size={200}>
                    <Badge
                      size="small"
                      appearance="tint"
                      color={i.state === "failed" ? "danger" : i.state === "succeeded" || i.state === "already_done" ? "success" : "subtle"}
                    >
                      {i.state === "pending" ? "not attempted" : i.state.replace("_", " ")}
                    </Badge>{" "}
                    {i.targetName ?? i.targetId}
                    {i.message ? ` — ${i.message}` : ""}
                  </Text>
                </li>
              ))}
              {items.length > LIST_CAP && <Text size={200}>… and {items.length - LIST_CAP} more</Text>}
            </ul>
            <Text size={200} className={styles.muted}>
              Next:
            </Text>
            <div className={styles.row}>
              {failedItems.length > 0 && (
                <Button appearance="primary" onClick={() => retry(summary.runId)} data-testid="bulk-retry">
                  Retry {failedItems.length} failed
                </Button>
              )}
              {summary.pending > 0 && (
                <Button appearance={failedItems.length > 0 ? "secondary" : "primary"} onClick={() => resume(summary.runId)} data-testid="bulk-resume-current">
                  Continue with the {summary.pending} not attempted
                </Button>
              )}
              <Button onClick={startOver} data-testid="bulk-start-over">
                Start another change
              </Button>
              <Button appearance="subtle" onClick={onClose} data-testid="bulk-done">
                Close
              </Button>
            </div>
          </div>
        )}

        {runError && !running && (
          <div className={styles.row}>
            {runError.code === "conflict" ? (
              <Button
                appearance="primary"
                onClick={() => {
                  startOver();
                  void preview(action);
                }}
                data-testid="bulk-preview-again"
              >
                Preview again
              </Button>
            ) : (
              <Button onClick={startOver} data-testid="bulk-start-over">
                Back to the plan
              </Button>
            )}
          </div>
        )}

        {showResult && !summary && !running && !runError && (
          <div className={styles.section}>
            <Text>No run to show yet.</Text>
            <div>
              <Button onClick={startOver} data-testid="bulk-start-over">
                Plan a change
              </Button>
            </div>
          </div>
        )}

        {interrupted.length > 0 && !running && (
          <div className={styles.section} data-testid="bulk-interrupted">
            <Text weight="semibold">Interrupted runs</Text>
            {interrupted.map((r) => (
              <div key={r.runId} className={styles.row}>
                <Text size={200}>
                  {actionVerb[r.action]} {r.appName} ({new Date(r.createdAt).toLocaleString()}): {r.pending} of {r.total} not attempted
                </Text>
                <Button size="small" onClick={() => resume(r.runId)} data-testid={`bulk-resume-${r.runId}`}>
                  Resume
                </Button>
              </div>
            ))}
          </div>
        )}
      </DrawerBody>
    </OverlayDrawer>
  );
}
