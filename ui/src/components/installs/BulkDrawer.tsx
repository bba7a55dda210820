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
  type BulkPlan,
  type ItemResult,
  type RunProgress,
  type RunSummary,
  type Selection,
} from "../../ipc/installs";
import { fraction, progressText, useBackgroundWork } from "../../work";
import { kindSingular } from "./format";

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
  row: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
  muted: { color: tokens.colorNeutralForeground3 },
  section: {
    display: "grid",
    gap: tokens.spacingVerticalS,
    paddingBlock: tokens.spacingVerticalS,
    borderTop: `1px solid ${tokens.colorNeutralStroke2}`,
  },
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

/**
 * Bulk install / upgrade / uninstall: preview (the core's plan: planned + skipped with
 * reasons), run with progress and cancel, per-item results, retry failed, resume a run that
 * was interrupted. RSC consent is taken from the published definition by core.
 */
export function BulkDrawer({
  open,
  onClose,
  appId,
  sources,
  defaultAction,
  view = "form",
  onError,
}: {
  open: boolean;
  onClose: () => void;
  appId: string;
  sources: BulkSource[];
  defaultAction: BulkAction;
  /** "result": opened to show the running or last run (its per-item results, retry). */
  view?: "form" | "result";
  /** Preview errors; a run's own failure is its outcome, shown by the page. */
  onError: (e: ApiError) => void;
}) {
  const styles = useStyles();
  const work = useBackgroundWork();
  const [action, setAction] = useState<BulkAction>(defaultAction);
  const [sourceIndex, setSourceIndex] = useState(0);
  const [plan, setPlan] = useState<BulkPlan | null>(null);
  const [planning, setPlanning] = useState(false);
  const [showResult, setShowResult] = useState(false);
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const running = work.work?.key === "bulk";
  // Read once per opening, not a reason to reset the form whenever a run starts or ends.
  const runningRef = useRef(running);
  runningRef.current = running;
  const outcome = (work.outcomes.bulk as { value?: BulkOutcome } | undefined)?.value ?? null;
  const summary = showResult ? outcome?.summary ?? null : null;
  const items = summary ? outcome?.items ?? [] : [];
  const source = sources[Math.min(sourceIndex, sources.length - 1)];

  const loadRuns = useCallback(() => {
    installsIpc.runs().then(setRuns, () => setRuns([]));
  }, []);

  useEffect(() => {
    if (!open) return;
    setAction(defaultAction);
    setSourceIndex(0);
    setPlan(null);
    // A drawer opened while a run is going shows that run's result when it ends.
    setShowResult(view === "result" || runningRef.current);
    loadRuns();
  }, [open, defaultAction, view, loadRuns]);

  useEffect(() => setPlan(null), [action, sourceIndex]);

  const preview = async () => {
    if (!source) return;
    setPlanning(true);
    try {
      setPlan(await installsIpc.plan(appId, action, source.selection));
      setShowResult(false);
    } catch (err) {
      onError(err as ApiError);
    } finally {
      setPlanning(false);
    }
  };

  const execute = async (label: string, start: (onProgress: (p: RunProgress) => void) => Promise<RunSummary>) => {
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

  const run = () =>
    source &&
    execute(`${actionVerb[action]} ${plan?.appName ?? "the bot"}`, (p) => installsIpc.run(appId, action, source.selection, p));
  const retry = (runId: string) => execute("Retrying failed items", (p) => installsIpc.resume(runId, true, p));
  const resume = (runId: string) => execute("Resuming a run", (p) => installsIpc.resume(runId, false, p));

  const progress = running ? work.work?.progress ?? null : null;
  const interrupted = runs.filter((r) => r.pending > 0 && r.runId !== summary?.runId);
  const failedItems = items.filter((i) => i.state === "failed");

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
        <Field label="Change">
          <RadioGroup layout="horizontal" value={action} onChange={(_, d) => setAction(d.value as BulkAction)} disabled={running}>
            <Radio value="install" label="Install" data-testid="bulk-action-install" />
            <Radio value="upgrade" label="Upgrade" data-testid="bulk-action-upgrade" />
            <Radio value="uninstall" label="Uninstall" data-testid="bulk-action-uninstall" />
          </RadioGroup>
        </Field>
        <Field label="Targets">
          <RadioGroup value={String(sourceIndex)} onChange={(_, d) => setSourceIndex(Number(d.value))} disabled={running}>
            {sources.map((s, i) => (
              <Radio key={s.label} value={String(i)} label={s.label} data-testid={`bulk-source-${i}`} />
            ))}
          </RadioGroup>
        </Field>
        <div className={styles.row}>
          <Button onClick={() => void preview()} disabled={!source || planning || running} data-testid="bulk-preview">
            Preview
          </Button>
          {planning && <Spinner size="tiny" label="Planning…" />}
        </div>

        {plan && (
          <div className={styles.section} data-testid="bulk-plan" data-planned={plan.items.length} data-skipped={plan.skipped.length}>
            <Text weight="semibold">
              {actionVerb[plan.action]} {plan.appName} in {plan.items.length} target(s)
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
                disabled={plan.items.length === 0 || running}
                onClick={() => void run()}
                data-testid="bulk-run"
              >
                {actionVerb[plan.action]} {plan.items.length}
              </Button>
            </div>
          </div>
        )}

        {running && (
          <div className={styles.section} data-testid="bulk-progress">
            <Text>{progressText(progress)}</Text>
            <ProgressBar value={fraction(progress)} thickness="large" />
            <div>
              <Button onClick={() => void installsIpc.cancel()} data-testid="bulk-cancel">
                Cancel
              </Button>
            </div>
          </div>
        )}

        {summary && !running && (
          <div className={styles.section} data-testid="bulk-result" data-status={summary.status} data-failed={summary.failed}>
            <Text weight="semibold">
              Run {summary.status}: {summary.succeeded} done, {summary.alreadyDone} already done, {summary.failed} failed
              {summary.pending > 0 ? `, ${summary.pending} not sent` : ""}
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
                      {i.state.replace("_", " ")}
                    </Badge>{" "}
                    {i.targetName ?? i.targetId}
                    {i.message ? ` — ${i.message}` : ""}
                  </Text>
                </li>
              ))}
            </ul>
            <div className={styles.row}>
              {failedItems.length > 0 && (
                <Button onClick={() => void retry(summary.runId)} data-testid="bulk-retry">
                  Retry {failedItems.length} failed
                </Button>
              )}
              {summary.pending > 0 && (
                <Button onClick={() => void resume(summary.runId)} data-testid="bulk-resume-current">
                  Continue
                </Button>
              )}
            </div>
          </div>
        )}

        {interrupted.length > 0 && !running && (
          <div className={styles.section} data-testid="bulk-interrupted">
            <Text weight="semibold">Interrupted runs</Text>
            {interrupted.map((r) => (
              <div key={r.runId} className={styles.row}>
                <Text size={200}>
                  {actionVerb[r.action]} {r.appName} ({new Date(r.createdAt).toLocaleString()}): {r.pending} of {r.total} not finished
                </Text>
                <Button size="small" onClick={() => void resume(r.runId)} data-testid={`bulk-resume-${r.runId}`}>
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
