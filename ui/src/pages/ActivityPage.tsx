import { Button, Card, CardHeader, makeStyles, Text, tokens } from "@fluentui/react-components";
import { CopyRegular } from "@fluentui/react-icons";
import { useEffect, useState } from "react";
import {
  Badge,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
} from "@fluentui/react-components";
import { ipc, type ApiError, type AppInfo, type AuditRecord } from "../ipc";

const useStyles = makeStyles({
  stack: { display: "grid", gap: tokens.spacingVerticalL, maxWidth: "980px" },
  body: { display: "grid", gap: tokens.spacingVerticalS, paddingInline: tokens.spacingHorizontalXS },
  row: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalS },
  mono: { fontFamily: tokens.fontFamilyMonospace, wordBreak: "break-all" },
});

export function ActivityPage({ info }: { info: AppInfo | null }) {
  const styles = useStyles();
  const [copied, setCopied] = useState(false);
  const [records, setRecords] = useState<AuditRecord[] | null>(null);
  const [auditError, setAuditError] = useState<ApiError | null>(null);
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
  return (
    <div className={styles.stack}>
      <Card>
        <CardHeader header={<Text weight="semibold">Log file</Text>} description="Attach it when you ask for support. It never contains sign-in tokens." />
        <div className={styles.body}>
          <div className={styles.row}>
            <Text className={styles.mono} data-testid="activity-log-file">{info?.logFile ?? "…"}</Text>
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
            <Table size="small" aria-label="Audit log" data-testid="audit-table">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>When</TableHeaderCell>
                  <TableHeaderCell>Who</TableHeaderCell>
                  <TableHeaderCell>What</TableHeaderCell>
                  <TableHeaderCell>Target</TableHeaderCell>
                  <TableHeaderCell>Result</TableHeaderCell>
                  <TableHeaderCell>Request id</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {records.map((r) => (
                  <TableRow key={r.id}>
                    <TableCell>{new Date(r.at).toLocaleString()}</TableCell>
                    <TableCell>{r.actor}</TableCell>
                    <TableCell>{r.action}</TableCell>
                    <TableCell>
                      {r.targetName ?? r.targetId} <Text size={200}>({r.targetKind})</Text>
                    </TableCell>
                    <TableCell>
                      <Badge
                        appearance="tint"
                        color={r.outcome === "failed" ? "danger" : r.outcome === "succeeded" ? "success" : "informative"}
                      >
                        {r.outcome.replace("_", " ")}
                      </Badge>
                      {r.detail && <div>{r.detail}</div>}
                    </TableCell>
                    <TableCell className={styles.mono}>{r.requestId ?? "—"}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </div>
      </Card>
    </div>
  );
}
