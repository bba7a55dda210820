// Background work (an inventory sync, a bulk run) outlives the page that started it: the
// state lives here, above the pages, so the status bar shows it everywhere and the page finds
// it again when the admin comes back.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { Button, ProgressBar, makeStyles, tokens } from "@fluentui/react-components";
import type { ApiError } from "./ipc";

export interface WorkProgress {
  phase: string;
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
});

export function BackgroundWorkProvider({ children }: { children: ReactNode }) {
  const [work, setWork] = useState<Work | null>(null);
  const [outcomes, setOutcomes] = useState<Partial<Record<string, Outcome>>>({});
  const [finished, setFinished] = useState(0);
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
    () => ({ work, begin, report, end, outcomes, finished, run, forget }),
    [work, begin, report, end, outcomes, finished, run, forget],
  );
  return <WorkContext.Provider value={value}>{children}</WorkContext.Provider>;
}

export const useBackgroundWork = () => useContext(WorkContext);

/** 0..1 for a progress bar; `undefined` (indeterminate) while the total is unknown. */
export function fraction(p: WorkProgress | null): number | undefined {
  if (!p || p.total <= 0) return undefined;
  return Math.min(1, p.done / p.total);
}

export function progressText(p: WorkProgress | null): string {
  if (!p) return "starting…";
  const counts = p.total > 0 ? ` ${p.done.toLocaleString()}/${p.total.toLocaleString()}` : "";
  const failed = p.failed > 0 ? `, ${p.failed.toLocaleString()} failed` : "";
  return `${p.phase}${counts}${failed}`;
}

const useStyles = makeStyles({
  work: { display: "inline-flex", alignItems: "center", gap: tokens.spacingHorizontalS },
  bar: { width: "120px" },
});

/** The status bar's slot (`data-testid="status-work"`). */
export function StatusWork() {
  const styles = useStyles();
  const { work } = useBackgroundWork();
  if (!work) return <span data-testid="status-work">No background work</span>;
  return (
    <span className={styles.work} data-testid="status-work" data-busy="true">
      <span>
        {work.label}: {progressText(work.progress)}
      </span>
      <ProgressBar className={styles.bar} value={fraction(work.progress)} thickness="medium" aria-label={work.label} />
      {work.cancel && (
        <Button size="small" appearance="subtle" onClick={work.cancel} data-testid="status-work-cancel">
          Cancel
        </Button>
      )}
    </span>
  );
}
