// The picture: one row per permission, the tenant-wide column and one column per inspected
// team/chat, coloured cells an admin reads at a glance. Wide tenants scroll sideways with the
// permission column pinned.
import { makeStyles, Text, tokens } from "@fluentui/react-components";
import type { PermissionMatrix } from "../../ipc/permissions";
import { cellMeta, kindLabel, MatrixCell, RowStateBadge } from "./states";
import { sortRows } from "./DiffTable";

const useStyles = makeStyles({
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
    whiteSpace: "nowrap",
  },
  place: {
    maxWidth: "110px",
    overflow: "hidden",
    textOverflow: "ellipsis",
    textAlign: "center",
  },
  td: {
    padding: `${tokens.spacingVerticalXXS} ${tokens.spacingHorizontalS}`,
    borderBottom: `1px solid ${tokens.colorNeutralStroke3}`,
    whiteSpace: "nowrap",
  },
  center: { textAlign: "center" },
  sticky: { position: "sticky", left: 0, backgroundColor: tokens.colorNeutralBackground1, zIndex: 1 },
  mono: { fontFamily: tokens.fontFamilyMonospace },
  legend: {
    display: "flex",
    flexWrap: "wrap",
    gap: tokens.spacingHorizontalL,
    marginTop: tokens.spacingVerticalS,
    color: tokens.colorNeutralForeground3,
  },
  legendItem: { display: "inline-flex", alignItems: "center", gap: tokens.spacingHorizontalXS },
});

export function MatrixView({ matrix }: { matrix: PermissionMatrix }) {
  const styles = useStyles();
  return (
    <div data-testid="perm-matrix">
      <div className={styles.scroller} tabIndex={0} aria-label="Permission matrix, scrolls sideways">
        <table className={styles.table}>
          <thead>
            <tr>
              <th className={`${styles.th} ${styles.sticky}`} scope="col">
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
              {matrix.columns.map((c) => (
                <th key={c.id} className={`${styles.th} ${styles.place}`} scope="col" title={c.label}>
                  {c.kind === "tenant" ? c.label : `${c.kind === "team" ? "Team" : "Chat"}: ${c.label}`}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {sortRows(matrix.rows).map((r) => (
              <tr
                key={[r.permission, r.kind, r.principal].join("|")}
                data-testid={`matrix-row-${[r.permission, r.kind, r.principal].filter(Boolean).join("|")}`}
              >
                <th className={`${styles.td} ${styles.sticky}`} scope="row" style={{ fontWeight: "normal" }}>
                  <span className={styles.mono}>{r.permission}</span>
                  {r.principal && <Text size={200}> · {r.principal}</Text>}
                </th>
                <td className={styles.td}>{kindLabel[r.kind] ?? r.kind}</td>
                <td className={styles.td}>{r.required === true ? "required" : r.required === false ? "optional" : "no"}</td>
                <td className={styles.td}>
                  <RowStateBadge state={r.state} />
                </td>
                {r.cells.map((cell, i) => (
                  <td key={matrix.columns[i]?.id ?? i} className={`${styles.td} ${styles.center}`}>
                    <MatrixCell state={cell} where={matrix.columns[i]?.label ?? ""} />
                  </td>
                ))}
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
