import { makeStyles, Text, tokens, Tooltip } from "@fluentui/react-components";
import type { CoverageRow, TargetKind, VersionCount } from "../../ipc/installs";
import { isOlder, kindLabel } from "./format";

const useStyles = makeStyles({
  root: { display: "grid", gap: tokens.spacingVerticalS },
  row: { display: "grid", gridTemplateColumns: "96px 1fr 112px", alignItems: "center", gap: tokens.spacingHorizontalM },
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
  { key: "current", label: "Current", color: tokens.colorPaletteGreenBackground3 },
  { key: "outdated", label: "Outdated", color: tokens.colorPaletteMarigoldBackground3 },
  { key: "notInstalled", label: "Not installed", color: tokens.colorNeutralStrokeAccessible },
  { key: "failed", label: "Read failed", color: tokens.colorPaletteRedBackground3 },
  { key: "unknown", label: "Not read yet", color: tokens.colorNeutralStroke1 },
] as const;

/** Installations below `published`, per kind, from the version spread. */
export function outdatedByKind(versions: VersionCount[], published: string | null): Record<TargetKind, number> {
  const out: Record<TargetKind, number> = { team: 0, chat: 0, user: 0 };
  for (const v of versions) if (isOlder(v.version, published)) out[v.kind] += v.count;
  return out;
}

/**
 * Per kind, as stacked horizontal bars: installed at the published version (current),
 * installed below it (outdated), not installed, read failed, not read yet.
 */
export function CoveragePicture({
  coverage,
  versions = [],
  published = null,
}: {
  coverage: CoverageRow[];
  versions?: VersionCount[];
  published?: string | null;
}) {
  const styles = useStyles();
  const outdated = outdatedByKind(versions, published);
  return (
    <div className={styles.root} data-testid="coverage-picture" role="group" aria-label="Coverage">
      {coverage.map((row) => {
        const total = row.installed + row.notInstalled + row.failed + row.unknown;
        const behind = Math.min(outdated[row.kind], row.installed);
        const counts = { current: row.installed - behind, outdated: behind, notInstalled: row.notInstalled, failed: row.failed, unknown: row.unknown };
        return (
          <div
            key={row.kind}
            className={styles.row}
            data-testid={`coverage-${row.kind}`}
            data-installed={row.installed}
            data-current={counts.current}
            data-outdated={counts.outdated}
            data-not-installed={row.notInstalled}
            data-failed={row.failed}
          >
            <Text weight="semibold">{kindLabel[row.kind]}</Text>
            <div
              className={styles.bar}
              role="img"
              aria-label={`${kindLabel[row.kind]}: ${counts.current} current, ${counts.outdated} outdated, ${row.notInstalled} not installed, ${row.failed} failed, ${row.unknown} not read yet`}
            >
              {segments.map((s) => {
                const n = counts[s.key];
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
              {counts.outdated > 0 ? ` (${counts.outdated} old)` : ""}
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
