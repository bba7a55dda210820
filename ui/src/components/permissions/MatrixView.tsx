// The picture, with places in rows: one row per inspected team or chat and one column per
// resource-specific (per-team) permission, so 38 teams read down the page instead of as 38
// truncated columns. Tenant-wide permissions (application and delegated) apply once, not per
// team: they get their own short list above. The CSV export keeps the full permission × place
// grid.
import { makeStyles, mergeClasses, Text, tokens } from "@fluentui/react-components";
import type { CellState, PermissionMatrix } from "../../ipc/permissions";
import { cellMeta, kindLabel, MatrixCell, RowStateBadge } from "./states";
import { sortRows } from "./DiffTable";

const useStyles = makeStyles({
  section: { display: "grid", gap: tokens.spacingVerticalS },
  scroller: {
    overflowX: "auto",
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  table: { borderCollapse: "collapse", fontSize: tokens.fontSizeBase200, minWidth: "100%" },
  th: {
    textAlign: "left",
    fontWeight: tokens.fontWeightSemibold,
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalS}`,
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
    backgroundColor: tokens.colorNeutralBackground2,
  },
  // Permission names are dotted words: let them break at the dots, never truncate them.
  permHead: { textAlign: "center", overflowWrap: "anywhere", minWidth: "90px", maxWidth: "160px" },
  td: {
    padding: `${tokens.spacingVerticalXXS} ${tokens.spacingHorizontalS}`,
    borderBottom: `1px solid ${tokens.colorNeutralStroke3}`,
  },
  center: { textAlign: "center" },
  place: { fontWeight: tokens.fontWeightRegular, overflowWrap: "anywhere", minWidth: "160px" },
  sticky: { position: "sticky", left: 0, backgroundColor: tokens.colorNeutralBackground1, zIndex: 1 },
  mono: { fontFamily: tokens.fontFamilyMonospace },
  muted: { color: tokens.colorNeutralForeground3 },
  legend: {
    display: "flex",
    flexWrap: "wrap",
    gap: tokens.spacingHorizontalL,
    color: tokens.colorNeutralForeground3,
  },
  legendItem: { display: "inline-flex", alignItems: "center", gap: tokens.spacingHorizontalXS },
});

const placeKind: Record<string, string> = { team: "Team", chat: "Chat", tenant: "Tenant" };

/** Each team/chat column of the core's matrix as a row: its cell for every RSC permission. */
export function placesByRow(matrix: PermissionMatrix) {
  const rsc = sortRows(matrix.rows.filter((r) => r.kind === "rsc"));
  const places = matrix.columns
    .map((c, i) => ({ column: c, index: i }))
    .filter(({ column }) => column.kind !== "tenant");
  return {
    permissions: rsc,
    rows: places.map(({ column, index }) => {
      const cells: CellState[] = rsc.map((r) => r.cells[index] ?? "not_applicable");
      return { place: column, cells, missing: cells.filter((c) => c === "missing").length };
    }),
  };
}

export function MatrixView({ matrix }: { matrix: PermissionMatrix }) {
  const styles = useStyles();
  const tenantIndex = matrix.columns.findIndex((c) => c.kind === "tenant");
  const tenantRows = sortRows(matrix.rows.filter((r) => r.kind !== "rsc"));
  const { permissions, rows } = placesByRow(matrix);
  return (
    <div data-testid="perm-matrix" className={styles.section}>
      <Text weight="semibold">Per team and chat (resource-specific consent)</Text>
      {rows.length === 0 || permissions.length === 0 ? (
        <Text className={styles.muted} data-testid="matrix-no-places">
          {permissions.length === 0
            ? "The profile needs no per-team permission."
            : "No team or chat was read: turn on “Per-team RSC (every team)” and read again."}
        </Text>
      ) : (
        <div className={styles.scroller} tabIndex={0} role="region" aria-label="Per-team permissions, one row per team or chat">
          <table className={styles.table}>
            <thead>
              <tr>
                <th className={mergeClasses(styles.th, styles.sticky)} scope="col">
                  Team or chat
                </th>
                {permissions.map((p) => (
                  <th key={p.permission} className={mergeClasses(styles.th, styles.permHead)} scope="col">
                    <span className={styles.mono}>{p.permission}</span>
                  </th>
                ))}
                <th className={styles.th} scope="col">
                  Missing
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.place.id} data-testid={`matrix-place-${r.place.id}`} data-missing={r.missing}>
                  <th className={mergeClasses(styles.td, styles.sticky, styles.place)} scope="row">
                    {placeKind[r.place.kind] ?? r.place.kind}: {r.place.label}
                  </th>
                  {r.cells.map((cell, i) => (
                    <td key={permissions[i]?.permission ?? i} className={mergeClasses(styles.td, styles.center)}>
                      <MatrixCell state={cell} where={`${permissions[i]?.permission ?? ""} in ${r.place.label}`} />
                    </td>
                  ))}
                  <td className={mergeClasses(styles.td, styles.center)}>{r.missing === 0 ? "none" : r.missing}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <Text weight="semibold">Tenant-wide (application and delegated)</Text>
      <div className={styles.scroller}>
        <table className={styles.table} aria-label="Tenant-wide permissions">
          <thead>
            <tr>
              <th className={styles.th} scope="col">
                Permission
              </th>
              <th className={styles.th} scope="col">
                Type
              </th>
              <th className={styles.th} scope="col">
                Needed
              </th>
              <th className={styles.th} scope="col">
                State
              </th>
              <th className={mergeClasses(styles.th, styles.center)} scope="col">
                In this tenant
              </th>
            </tr>
          </thead>
          <tbody>
            {tenantRows.map((r) => (
              <tr
                key={[r.permission, r.kind, r.principal].join("|")}
                data-testid={`matrix-row-${[r.permission, r.kind, r.principal].filter(Boolean).join("|")}`}
              >
                <th className={mergeClasses(styles.td, styles.place)} scope="row">
                  <span className={styles.mono}>{r.permission}</span>
                  {r.principal && <Text size={200}> · {r.principal}</Text>}
                </th>
                <td className={styles.td}>{kindLabel[r.kind] ?? r.kind}</td>
                <td className={styles.td}>{r.required === true ? "required" : r.required === false ? "optional" : "no"}</td>
                <td className={styles.td}>
                  <RowStateBadge state={r.state} />
                </td>
                <td className={mergeClasses(styles.td, styles.center)}>
                  <MatrixCell state={r.cells[tenantIndex] ?? "not_checked"} where={`${r.permission}, tenant-wide`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className={styles.legend} aria-label="Legend">
        {(Object.keys(cellMeta) as (keyof typeof cellMeta)[]).map((k) => (
          <span key={k} className={styles.legendItem}>
            <MatrixCell state={k} where="legend" /> {cellMeta[k].label}
          </span>
        ))}
      </div>
    </div>
  );
}
