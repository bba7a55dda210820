import { makeStyles, Text, tokens, Tooltip } from "@fluentui/react-components";
import type { CoverageRow } from "../../ipc/installs";
import { kindLabel } from "./format";

const useStyles = makeStyles({
  root: { display: "grid", gap: tokens.spacingVerticalS },
  row: { display: "grid", gridTemplateColumns: "96px 1fr 72px", alignItems: "center", gap: tokens.spacingHorizontalM },
  bar: {
    display: "flex",
    height: "18px",
    borderRadius: tokens.borderRadiusMedium,
    overflow: "hidden",
    backgroundColor: tokens.colorNeutralBackground3,
    outline: `1px solid ${tokens.colorNeutralStroke2}`,
  },
  legend: { display: "flex", gap: tokens.spacingHorizontalL, flexWrap: "wrap", color: tokens.colorNeutralForeground3 },
  swatch: {
    display: "inline-block",
    width: "10px",
    height: "10px",
    borderRadius: tokens.borderRadiusSmall,
    marginInlineEnd: tokens.spacingHorizontalXS,
  },
  total: { textAlign: "end", color: tokens.colorNeutralForeground3 },
});

const segments = [
  { key: "installed", label: "Installed", color: tokens.colorPaletteGreenBackground3 },
  { key: "notInstalled", label: "Not installed", color: tokens.colorNeutralStrokeAccessible },
  { key: "failed", label: "Read failed", color: tokens.colorPaletteRedBackground3 },
  { key: "unknown", label: "Not read yet", color: tokens.colorNeutralStroke1 },
] as const;

/** Installed / not installed / failed per kind, as stacked horizontal bars. */
export function CoveragePicture({ coverage }: { coverage: CoverageRow[] }) {
  const styles = useStyles();
  return (
    <div className={styles.root} data-testid="coverage-picture" role="group" aria-label="Coverage">
      {coverage.map((row) => {
        const total = row.installed + row.notInstalled + row.failed + row.unknown;
        return (
          <div
            key={row.kind}
            className={styles.row}
            data-testid={`coverage-${row.kind}`}
            data-installed={row.installed}
            data-not-installed={row.notInstalled}
            data-failed={row.failed}
          >
            <Text weight="semibold">{kindLabel[row.kind]}</Text>
            <div
              className={styles.bar}
              role="img"
              aria-label={`${kindLabel[row.kind]}: ${row.installed} installed, ${row.notInstalled} not installed, ${row.failed} failed, ${row.unknown} not read yet`}
            >
              {segments.map((s) => {
                const n = row[s.key];
                if (n === 0 || total === 0) return null;
                return (
                  <Tooltip key={s.key} content={`${s.label}: ${n.toLocaleString()}`} relationship="description">
                    <div style={{ width: `${(100 * n) / total}%`, backgroundColor: s.color }} />
                  </Tooltip>
                );
              })}
            </div>
            <Text className={styles.total}>
              {row.installed.toLocaleString()} / {total.toLocaleString()}
            </Text>
          </div>
        );
      })}
      <div className={styles.legend}>
        {segments.map((s) => (
          <Text key={s.key} size={200}>
            <span className={styles.swatch} style={{ backgroundColor: s.color }} />
            {s.label}
          </Text>
        ))}
      </div>
    </div>
  );
}
