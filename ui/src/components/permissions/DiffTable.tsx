import {
  Button,
  makeStyles,
  mergeClasses,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from "@fluentui/react-components";
import { DeleteRegular } from "@fluentui/react-icons";
import type { DiffRow, PermsReport } from "../../ipc/permissions";
import { provenanceOf } from "./provenance";
import { kindLabel, RowStateBadge } from "./states";

const useStyles = makeStyles({
  mono: { fontFamily: tokens.fontFamilyMonospace, wordBreak: "break-all" },
  // UPNs and team lists are long words; wrap them inside the cell, never widen the table.
  wrap: { overflowWrap: "anywhere" },
  sub: { display: "block", color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
  stateCell: { width: "170px" },
  kindCell: { width: "110px" },
  actionCell: { width: "150px" },
  grantCell: { width: "190px" },
  where: { display: "block", fontSize: tokens.fontSizeBase200 },
});

/** Stable test id of a row: permission, kind, and the user for per-user consents. */
export function rowKey(row: Pick<DiffRow, "permission" | "kind" | "principal">): string {
  return [row.permission, row.kind, row.principal].filter(Boolean).join("|");
}

function fixLabel(row: DiffRow): string | null {
  switch (row.fix?.action) {
    case "revokeAppRole":
      return "Revoke…";
    case "trimGrant":
      return "Remove from grant…";
    case "deleteGrant":
      return "Delete grant…";
    default:
      return null;
  }
}

/** Findings first (what to act on), granted ✓ last; the core's order within each state. */
const ORDER: DiffRow["state"][] = [
  "missing_required",
  "broader",
  "excess",
  "per_user_consent",
  "rsc_partial",
  "missing_optional",
  "not_checked",
  "granted",
];

export function sortRows<T extends { state: DiffRow["state"] }>(rows: T[]): T[] {
  return rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => ORDER.indexOf(a.row.state) - ORDER.indexOf(b.row.state) || a.i - b.i)
    .map(({ row }) => row);
}

export function DiffTable({
  rows,
  granted,
  onFix,
}: {
  rows: DiffRow[];
  granted: PermsReport["granted"];
  onFix: (row: DiffRow) => void;
}) {
  const styles = useStyles();
  return (
    <Table size="small" aria-label="Needed versus granted" data-testid="perm-diff-table">
      <TableHeader>
        <TableRow>
          <TableHeaderCell className={styles.stateCell}>State</TableHeaderCell>
          <TableHeaderCell>Permission</TableHeaderCell>
          <TableHeaderCell className={styles.kindCell}>Type</TableHeaderCell>
          <TableHeaderCell>Why / what</TableHeaderCell>
          <TableHeaderCell className={styles.grantCell}>Granted through</TableHeaderCell>
          <TableHeaderCell className={styles.actionCell}>Fix</TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {sortRows(rows).map((row) => {
          const label = fixLabel(row);
          const how = provenanceOf(row, granted);
          return (
            <TableRow
              key={rowKey(row)}
              data-testid={`perm-row-${rowKey(row)}`}
              data-state={row.state}
              data-permission={row.permission}
            >
              <TableCell className={styles.stateCell}>
                <RowStateBadge state={row.state} />
              </TableCell>
              <TableCell className={styles.wrap}>
                <span className={styles.mono}>{row.permission}</span>
                <span className={styles.sub}>
                  {row.resourceName}
                  {row.required === true ? " · required" : row.required === false ? " · optional" : ""}
                  {row.principal ? ` · consented by ${row.principal}` : ""}
                  {row.leastPrivileged === false
                    ? ` · not least-privileged${row.alternative ? ` (${row.alternative} would do)` : ""}`
                    : ""}
                </span>
              </TableCell>
              <TableCell className={styles.kindCell}>{kindLabel[row.kind] ?? row.kind}</TableCell>
              <TableCell className={styles.wrap}>
                <Text>{row.detail}</Text>
                {row.purpose && row.state !== "granted" && (
                  <span className={styles.sub}>Purpose: {row.purpose}</span>
                )}
                {row.missingIn.length > 0 && (
                  <span className={styles.where}>
                    Missing in: {row.missingIn.map((t) => t.name ?? t.id).join(", ")}
                  </span>
                )}
                {row.state === "rsc_partial" && row.grantedIn.length > 0 && (
                  <span className={styles.where}>
                    Granted in: {row.grantedIn.map((t) => t.name ?? t.id).join(", ")}
                  </span>
                )}
              </TableCell>
              <TableCell className={mergeClasses(styles.grantCell, styles.wrap)} data-testid="grant-provenance">
                {how ? (
                  <>
                    <Text>{how.through}</Text>
                    <span className={styles.sub}>by {how.by}</span>
                    <span className={styles.sub}>
                      {how.when ? `on ${new Date(how.when).toLocaleString()}` : "date not recorded by Microsoft Graph"}
                    </span>
                  </>
                ) : (
                  <Text className={styles.sub}>—</Text>
                )}
              </TableCell>
              <TableCell className={styles.actionCell}>
                {label && (
                  <Button
                    size="small"
                    icon={<DeleteRegular />}
                    onClick={() => onFix(row)}
                    data-testid={`fix-${rowKey(row)}`}
                  >
                    {label}
                  </Button>
                )}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
