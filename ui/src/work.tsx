// Background work (an inventory sync, a bulk run) outlives the page that started it: the
// state lives here, above the pages, so the status bar shows it everywhere and the page finds
// it again when the admin comes back.
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";
import { Button, ProgressBar, makeStyles, tokens } from "@fluentui/react-components";
import type { ApiError } from "./ipc";
import type { Phase } from "./ipc/bindings/Phase";

export interface WorkProgress {
  phase: Phase;
  done: number;
  total: number;
  failed: number;
}

export interface Work {
  /** Which page's work this is ("sync", "bulk"). */
  key: string;
  label: string;
  progress: WorkProgress | null;
  cancel?: () => void;
  /** Cancel was asked for: the run stops after the requests on the wire. */
  cancelling?: boolean;
}

/**
 * Another page asks the Installations page to open a bulk change (the Catalog's "Upgrade N
 * outdated installations"): which bot, which change, which targets.
 */
export interface BulkRequest {
  appId: string;
  action: "install" | "upgrade" | "uninstall";
  /** Installations below this version. */
  olderThan: string;
}

/**
 * How a run ended, kept above the pages: the admin may have gone to another page meanwhile and
 * must still find the result (and a per-item list to retry from) when coming back.
 */
export interface Outcome<T = unknown> {
  key: string;
  label: string;
  /** `Date.now()` when it ended. */
  at: number;
  value?: T;
  error?: ApiError;
}

interface WorkContextValue {
  work: Work | null;
  begin: (key: string, label: string, cancel?: () => void) => void;
  report: (key: string, progress: WorkProgress) => void;
  end: (key: string) => void;
  /** The last outcome per key, until dismissed or replaced by the next run of that key. */
  outcomes: Partial<Record<string, Outcome>>;
  /** Counts finished runs: a page that was away when one ended re-reads what it shows. */
  finished: number;
  /** Runs `start` as this key's background work and keeps its outcome; never rejects. */
  run: <T>(
    key: string,
    label: string,
    start: (report: (p: WorkProgress) => void) => Promise<T>,
    cancel?: () => void,
  ) => Promise<Outcome<T>>;
  forget: (key: string) => void;
  /** Asks the running work to stop (once); the slot shows "Cancelling…" until it ends. */
  cancel: (key: string) => void;
  bulkRequest: BulkRequest | null;
  requestBulk: (request: BulkRequest | null) => void;
}

const WorkContext = createContext<WorkContextValue>({
  work: null,
  begin: () => {},
  report: () => {},
  end: () => {},
  outcomes: {},
  finished: 0,
  run: async (key, label) => ({ key, label, at: Date.now() }),
  forget: () => {},
  cancel: () => {},
  bulkRequest: null,
  requestBulk: () => {},
});

export function BackgroundWorkProvider({ children }: { children: ReactNode }) {
  const [work, setWork] = useState<Work | null>(null);
  const [outcomes, setOutcomes] = useState<Partial<Record<string, Outcome>>>({});
  const [finished, setFinished] = useState(0);
  const [bulkRequest, requestBulk] = useState<BulkRequest | null>(null);
  // The current work, for callbacks that must act once (never inside a state updater).
  const workRef = useRef<Work | null>(null);
  workRef.current = work;
  const cancel = useCallback((key: string) => {
    const w = workRef.current;
    if (!w || w.key !== key || w.cancelling) return;
    w.cancel?.();
    workRef.current = { ...w, cancelling: true };
    setWork((now) => (now && now.key === key ? { ...now, cancelling: true } : now));
  }, []);
  const begin = useCallback((key: string, label: string, cancel?: () => void) => {
    setWork({ key, label, progress: null, cancel });
  }, []);
  const report = useCallback((key: string, progress: WorkProgress) => {
    setWork((w) => (w && w.key === key ? { ...w, progress } : w));
  }, []);
  const end = useCallback((key: string) => {
    setWork((w) => (w && w.key === key ? null : w));
  }, []);
  const forget = useCallback((key: string) => {
    setOutcomes((o) => {
      if (!(key in o)) return o;
      const next = { ...o };
      delete next[key];
      return next;
    });
  }, []);
  const run = useCallback(
    async <T,>(
      key: string,
      label: string,
      start: (report: (p: WorkProgress) => void) => Promise<T>,
      cancel?: () => void,
    ): Promise<Outcome<T>> => {
      // The previous result of this kind of work is superseded by the one starting now.
      forget(key);
      begin(key, label, cancel);
      let outcome: Outcome<T>;
      try {
        const value = await start((p) => report(key, p));
        outcome = { key, label, at: Date.now(), value };
      } catch (err) {
        outcome = { key, label, at: Date.now(), error: err as ApiError };
      }
      setOutcomes((o) => ({ ...o, [key]: outcome }));
      end(key);
      setFinished((n) => n + 1);
      return outcome;
    },
    [begin, report, end, forget],
  );
  const value = useMemo(
    () => ({ work, begin, report, end, outcomes, finished, run, forget, cancel, bulkRequest, requestBulk }),
    [work, begin, report, end, outcomes, finished, run, forget, cancel, bulkRequest],
  );
  return <WorkContext.Provider value={value}>{children}</WorkContext.Provider>;
}

export const useBackgroundWork = () => useContext(WorkContext);

/** 0..1 for a progress bar; `undefined` (indeterminate) while the total is unknown. */
export function fraction(p: WorkProgress | null): number | undefined {
  if (!p || p.total <= 0) return undefined;
  return Math.min(1, p.done / p.total);
}

/** The words for each step long work reports (the same words the CLI prints). */
export const PHASE_LABELS: Record<Phase, string> = {
  listing_teams: "listing teams",
  listing_chats: "listing chats",
  listing_users: "listing users",
  reading_installations: "reading installations",
  installing: "installing",
  upgrading: "upgrading",
  uninstalling: "uninstalling",
  verifying_interrupted: "verifying interrupted items",
  finding_installations: "finding installations",
  reading_consent: "reading resource-specific consent",
  reaching_members: "reaching members",
  checking_links: "checking links",
};

export function progressText(p: WorkProgress | null): string {
  if (!p) return "starting…";
  const counts = p.total > 0 ? ` ${p.done.toLocaleString()}/${p.total.toLocaleString()}` : "";
  const failed = p.failed > 0 ? `, ${p.failed.toLocaleString()} failed` : "";
  return `${PHASE_LABELS[p.phase]}${counts}${failed}`;
}

const useStyles = makeStyles({
  work: { display: "inline-flex", alignItems: "center", gap: tokens.spacingHorizontalS },
  bar: { width: "120px" },
  hidden: {
    position: "absolute",
    width: "1px",
    height: "1px",
    overflow: "hidden",
    clipPath: "inset(50%)",
    whiteSpace: "nowrap",
  },
});

/**
 * A Cancel button that becomes "Cancelling…" and stays focusable while it waits (a button that
 * disables itself would drop keyboard focus to the page body).
 */
export function CancelWorkButton({
  workKey,
  label = "Cancel",
  testId,
  size,
  appearance,
}: {
  workKey: string;
  label?: string;
  testId: string;
  size?: "small" | "medium";
  appearance?: "subtle" | "secondary";
}) {
  const { work, cancel } = useBackgroundWork();
  const cancelling = work?.key === workKey && !!work.cancelling;
  return (
    <Button
      size={size}
      appearance={appearance}
      disabledFocusable={cancelling}
      onClick={() => cancel(workKey)}
      data-testid={testId}
      data-cancelling={cancelling}
    >
      {cancelling ? "Cancelling…" : label}
    </Button>
  );
}

/** What a screen reader hears about background work: its start, a cancel and its end — not every tick. */
export function workAnnouncement(work: Work | null): string {
  if (!work) return "";
  return work.cancelling ? `${work.label}: cancelling` : `${work.label} started`;
}

/**
 * The status bar's live region: it speaks when work starts, is cancelled or ends. The bar
 * itself is not live, so neither the progress ticks nor the data path are read out again and again.
 */
export function WorkAnnouncer() {
  const styles = useStyles();
  const { work, outcomes } = useBackgroundWork();
  const last = Object.values(outcomes).reduce<Outcome | undefined>((a, o) => (o && (!a || o.at > a.at) ? o : a), undefined);
  const text = work ? workAnnouncement(work) : last ? `${last.label} ${last.error ? "failed" : "finished"}` : "";
  return (
    <span role="status" className={styles.hidden} data-testid="status-announce">
      {text}
    </span>
  );
}

/** The status bar's slot (`data-testid="status-work"`). */
export function StatusWork() {
  const styles = useStyles();
  const { work } = useBackgroundWork();
  if (!work) return <span data-testid="status-work">No background work</span>;
  return (
    <span className={styles.work} data-testid="status-work" data-busy="true">
      <span>
        {work.label}: {work.cancelling ? "cancelling after the requests on the wire…" : progressText(work.progress)}
      </span>
      <ProgressBar className={styles.bar} value={fraction(work.progress)} thickness="medium" aria-label={work.label} />
      {work.cancel && <CancelWorkButton workKey={work.key} testId="status-work-cancel" size="small" appearance="subtle" />}
    </span>
  );
}
