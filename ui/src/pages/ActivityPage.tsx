import { Fragment, useEffect, useMemo, useState } from "react";
import {
  Badge,
  Button,
  Card,
  CardHeader,
  Field,
  makeStyles,
  SearchBox,
  Select,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from "@fluentui/react-components";
import { ArrowDownloadRegular, ChevronDownRegular, ChevronRightRegular, CopyRegular } from "@fluentui/react-icons";
import { ipc, type ApiError, type AppInfo, type AuditRecord } from "../ipc";
import { csvLine } from "../components/installs/inventoryCsv";
import { copyText, downloadText } from "../components/permissions/exportText";
import { count } from "../components/plural";

const useStyles = makeStyles({
  stack: { display: "grid", gap: tokens.spacingVerticalL, gridTemplateColumns: "minmax(0, 1fr)" },
  body: { display: "grid", gap: tokens.spacingVerticalS, paddingInline: tokens.spacingHorizontalXS, minWidth: 0 },
  row: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
  filters: { display: "flex", alignItems: "end", gap: tokens.spacingHorizontalM, flexWrap: "wrap" },
  mono: { fontFamily: tokens.fontFamilyMonospace, overflowWrap: "anywhere" },
  // Fixed layout with set widths, and long words (UPNs, ids) wrap inside their own column
  // instead of running over the next one.
  table: { tableLayout: "fixed", width: "100%" },
  cell: { overflowWrap: "anywhere", verticalAlign: "top", paddingBlock: tokens.spacingVerticalXS },
  child: { backgroundColor: tokens.colorNeutralBackground2 },
  indent: { paddingInlineStart: tokens.spacingHorizontalXL },
  detail: { color: tokens.colorNeutralForeground3 },
  muted: { color: tokens.colorNeutralForeground3 },
  // A small button is one 24px line; in the narrow "What" column (1024 px window) its label
  // wrapped and was cut. It grows with its label instead.
  runToggle: {
    height: "auto",
    minWidth: 0,
    whiteSpace: "normal",
    textAlign: "start",
    paddingInlineStart: 0,
    justifyContent: "flex-start",
  },
});

export type Period = "any" | "hour" | "day" | "week" | "month";
const periodSecs: Record<Period, number> = { any: Infinity, hour: 3600, day: 86_400, week: 7 * 86_400, month: 30 * 86_400 };

export interface ActivityFilter {
  action: string;
  target: string;
  outcome: string;
  period: Period;
  text: string;
}

const noFilter: ActivityFilter = { action: "", target: "", outcome: "", period: "any", text: "" };

export function matches(r: AuditRecord, f: ActivityFilter, now: number): boolean {
  if (f.action && r.action !== f.action) return false;
  if (f.target && r.targetKind !== f.target) return false;
  if (f.outcome && r.outcome !== f.outcome) return false;
  if (f.period !== "any" && now - Date.parse(r.at) > periodSecs[f.period] * 1000) return false;
  const q = f.text.trim().toLowerCase();
  if (!q) return true;
  return [r.actor, r.action, r.targetId, r.targetName, r.detail, r.requestId, r.runId].some((v) => !!v && v.toLowerCase().includes(q));
}

/** A record, or a bulk run's records together (they share a run id). */
export type Entry = { kind: "one"; record: AuditRecord } | { kind: "run"; runId: string; records: AuditRecord[] };

/** Groups a bulk run's items under the run, placed where its newest item is. */
export function groupRuns(records: AuditRecord[]): Entry[] {
  const out: Entry[] = [];
  const runs = new Map<string, Extract<Entry, { kind: "run" }>>();
  for (const r of records) {
    if (!r.runId) {
      out.push({ kind: "one", record: r });
      continue;
    }
    const run = runs.get(r.runId);
    if (run) run.records.push(r);
    else {
      const entry = { kind: "run" as const, runId: r.runId, records: [r] };
      runs.set(r.runId, entry);
      out.push(entry);
    }
  }
  return out;
}

const CSV_HEADER = ["at", "actor", "action", "target kind", "target id", "target name", "result", "detail", "request id", "run id"];

export function activityCsv(records: AuditRecord[]): string {
  const lines = [csvLine(CSV_HEADER)];
  for (const r of records)
    lines.push(csvLine([r.at, r.actor, r.action, r.targetKind, r.targetId, r.targetName, r.outcome, r.detail, r.requestId, r.runId]));
  return lines.join("\r\n") + "\r\n";
}

const outcomeColor = (o: string) => (o === "failed" ? "danger" : o === "succeeded" ? "success" : "informative");

function counts(records: AuditRecord[]) {
  const c = { succeeded: 0, already_done: 0, failed: 0 };
  for (const r of records) c[r.outcome] += 1;
  return c;
}

export function ActivityPage({ info }: { info: AppInfo | null }) {
  const styles = useStyles();
  const [copied, setCopied] = useState(false);
  const [records, setRecords] = useState<AuditRecord[] | null>(null);
  const [auditError, setAuditError] = useState<ApiError | null>(null);
  const [filter, setFilter] = useState<ActivityFilter>(noFilter);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const [exported, setExported] = useState<string | null>(null);
  useEffect(() => {
    ipc.recentActivity().then(setRecords, setAuditError);
  }, []);
  const copy = async () => {
    if (!info) return;
    try {
      await navigator.clipboard.writeText(info.logFile);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };

  const actions = useMemo(() => [...new Set((records ?? []).map((r) => r.action))].sort(), [records]);
  const targets = useMemo(() => [...new Set((records ?? []).map((r) => r.targetKind))].sort(), [records]);
  const shown = useMemo(() => {
    const now = Date.now();
    return (records ?? []).filter((r) => matches(r, filter, now));
  }, [records, filter]);
  const entries = useMemo(() => groupRuns(shown), [shown]);
  const filtering = JSON.stringify(filter) !== JSON.stringify(noFilter);
  const set = (patch: Partial<ActivityFilter>) => setFilter((f) => ({ ...f, ...patch }));
  const toggle = (runId: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(runId)) next.delete(runId);
      else next.add(runId);
      return next;
    });

  const exportAs = async (format: "csv" | "json") => {
    const text = format === "csv" ? activityCsv(shown) : JSON.stringify(shown, null, 2) + "\n";
    const name = `botdeck-activity.${format}`;
    const saved = downloadText(name, text, format === "csv" ? "text/csv" : "application/json");
    const inClipboard = await copyText(text);
    setExported(
      `Exported ${count(shown.length, "record")} as ${name}${saved ? "" : " (the download did not start)"}${inClipboard ? "; also copied to the clipboard" : ""}.`,
    );
  };

  const recordRow = (r: AuditRecord, child: boolean) => (
    <TableRow key={r.id} className={child ? styles.child : undefined} data-testid={`audit-row-${r.id}`}>
      <TableCell className={child ? `${styles.cell} ${styles.indent}` : styles.cell}>{new Date(r.at).toLocaleString()}</TableCell>
      <TableCell className={styles.cell}>{r.actor}</TableCell>
      <TableCell className={styles.cell}>{r.action}</TableCell>
      <TableCell className={styles.cell}>
        {r.targetName ?? r.targetId} <Text size={200} className={styles.muted}>({r.targetKind})</Text>
      </TableCell>
      <TableCell className={styles.cell}>
        <Badge appearance="tint" color={outcomeColor(r.outcome)}>
          {r.outcome.replace("_", " ")}
        </Badge>
        {r.detail && (
          <Text as="p" size={200} className={styles.detail}>
            {r.detail}
          </Text>
        )}
      </TableCell>
      <TableCell className={`${styles.cell} ${styles.mono}`}>{r.requestId ?? "—"}</TableCell>
    </TableRow>
  );

  return (
    <div className={styles.stack}>
      <Card>
        <CardHeader header={<Text weight="semibold">Log file</Text>} description="Attach it when you ask for support. It never contains sign-in tokens." />
        <div className={styles.body}>
          <div className={styles.row}>
            <Text className={styles.mono} data-testid="activity-log-file">
              {info?.logFile ?? "…"}
            </Text>
            <Button size="small" icon={<CopyRegular />} onClick={() => void copy()} disabled={!info}>
              {copied ? "Copied" : "Copy path"}
            </Button>
          </div>
        </div>
      </Card>
      <Card>
        <CardHeader
          header={<Text weight="semibold">Audit log</Text>}
          description="Every change BotDeck made to a tenant: who, what, where, the result and Graph's request id."
        />
        <div className={styles.body}>
          {auditError && <Text>The audit log cannot be read: {auditError.message}</Text>}
          {records && records.length === 0 && (
            <Text data-testid="audit-empty">No changes recorded yet. Publishing, installing and revoking are recorded here.</Text>
          )}
          {records && records.length > 0 && (
            <>
              <div className={styles.filters}>
                <Field label="Search">
                  <SearchBox
                    value={filter.text}
                    onChange={(_, d) => set({ text: d.value })}
                    placeholder="Account, target, detail or request id"
                    data-testid="audit-search"
                  />
                </Field>
                <Field label="Action">
                  <Select value={filter.action} onChange={(_, d) => set({ action: d.value })} data-testid="audit-action">
                    <option value="">Any</option>
                    {actions.map((a) => (
                      <option key={a} value={a}>
                        {a}
                      </option>
                    ))}
                  </Select>
                </Field>
                <Field label="Target">
                  <Select value={filter.target} onChange={(_, d) => set({ target: d.value })} data-testid="audit-target">
                    <option value="">Any</option>
                    {targets.map((t) => (
                      <option key={t} value={t}>
                        {t.replace("_", " ")}
                      </option>
                    ))}
                  </Select>
                </Field>
                <Field label="Result">
                  <Select value={filter.outcome} onChange={(_, d) => set({ outcome: d.value })} data-testid="audit-outcome">
                    <option value="">Any</option>
                    <option value="succeeded">Succeeded</option>
                    <option value="already_done">Already done</option>
                    <option value="failed">Failed</option>
                  </Select>
                </Field>
                <Field label="When">
                  <Select value={filter.period} onChange={(_, d) => set({ period: d.value as Period })} data-testid="audit-period">
                    <option value="any">Any time</option>
                    <option value="hour">Last hour</option>
                    <option value="day">Last 24 hours</option>
                    <option value="week">Last 7 days</option>
                    <option value="month">Last 30 days</option>
                  </Select>
                </Field>
                {filtering && (
                  <Button appearance="subtle" onClick={() => setFilter(noFilter)} data-testid="audit-clear">
                    Clear filters
                  </Button>
                )}
                <Button icon={<ArrowDownloadRegular />} onClick={() => void exportAs("csv")} disabled={shown.length === 0} data-testid="audit-export-csv">
                  Export CSV
                </Button>
                <Button icon={<ArrowDownloadRegular />} onClick={() => void exportAs("json")} disabled={shown.length === 0} data-testid="audit-export-json">
                  Export JSON
                </Button>
              </div>
              <Text size={200} className={styles.muted} data-testid="audit-count">
                {shown.length === records.length ? count(records.length, "record") : `${shown.length} of ${count(records.length, "record")}`}
                {exported ? ` · ${exported}` : ""}
              </Text>
              {shown.length === 0 && (
                <Text data-testid="audit-no-match">
                  No record matches these filters.{" "}
                  <Button appearance="transparent" size="small" onClick={() => setFilter(noFilter)}>
                    Clear filters
                  </Button>
                </Text>
              )}
              {shown.length > 0 && (
                <Table size="small" aria-label="Audit log" data-testid="audit-table" className={styles.table}>
                  <TableHeader>
                    <TableRow>
                      <TableHeaderCell style={{ width: "14%" }}>When</TableHeaderCell>
                      <TableHeaderCell style={{ width: "19%" }}>Who</TableHeaderCell>
                      <TableHeaderCell style={{ width: "14%" }}>What</TableHeaderCell>
                      <TableHeaderCell style={{ width: "19%" }}>Target</TableHeaderCell>
                      <TableHeaderCell style={{ width: "20%" }}>Result</TableHeaderCell>
                      <TableHeaderCell style={{ width: "14%" }}>Request id</TableHeaderCell>
                    </TableRow>
                  </TableHeader>
                  <TableBody>
                    {entries.map((e) => {
                      if (e.kind === "one") return recordRow(e.record, false);
                      const newest = e.records[0]!;
                      const c = counts(e.records);
                      const expanded = open.has(e.runId);
                      return (
                        <Fragment key={e.runId}>
                          <TableRow data-testid={`audit-run-${e.runId}`} data-items={e.records.length}>
                            <TableCell className={styles.cell}>{new Date(newest.at).toLocaleString()}</TableCell>
                            <TableCell className={styles.cell}>{newest.actor}</TableCell>
                            <TableCell className={styles.cell}>
                              <Button
                                appearance="transparent"
                                size="small"
                                className={styles.runToggle}
                                icon={expanded ? <ChevronDownRegular /> : <ChevronRightRegular />}
                                aria-expanded={expanded}
                                onClick={() => toggle(e.runId)}
                                data-testid={`audit-run-toggle-${e.runId}`}
                              >
                                Bulk {newest.action.split(".")[0]}
                              </Button>
                            </TableCell>
                            <TableCell className={styles.cell}>
                              {e.records.length} target{e.records.length === 1 ? "" : "s"}
                            </TableCell>
                            <TableCell className={styles.cell}>
                              <Text size={200}>
                                {c.succeeded} succeeded, {c.already_done} already done, {c.failed} failed
                              </Text>
                            </TableCell>
                            <TableCell className={`${styles.cell} ${styles.mono}`}>run {e.runId.slice(0, 8)}</TableCell>
                          </TableRow>
                          {expanded && e.records.map((r) => recordRow(r, true))}
                        </Fragment>
                      );
                    })}
                  </TableBody>
                </Table>
              )}
            </>
          )}
        </div>
      </Card>
    </div>
  );
}
