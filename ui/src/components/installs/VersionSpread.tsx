import { makeStyles, Text, tokens } from "@fluentui/react-components";
import type { TargetKind, VersionCount } from "../../ipc/installs";
import { compareVersions, isOlder, kindLabel } from "./format";
import { count } from "../plural";

const useStyles = makeStyles({
  root: { display: "grid", gap: tokens.spacingVerticalXS },
  row: {
    display: "grid",
    gridTemplateColumns: "120px 1fr 48px",
    alignItems: "center",
    gap: tokens.spacingHorizontalM,
    border: "none",
    background: "none",
    color: "inherit",
    font: "inherit",
    textAlign: "start",
    padding: `${tokens.spacingVerticalXXS} ${tokens.spacingHorizontalXS}`,
    borderRadius: tokens.borderRadiusMedium,
    cursor: "pointer",
    ":hover": { backgroundColor: tokens.colorSubtleBackgroundHover },
    ":focus-visible": { outline: `2px solid ${tokens.colorStrokeFocus2}` },
  },
  active: { backgroundColor: tokens.colorSubtleBackgroundSelected },
  track: { height: "14px", borderRadius: tokens.borderRadiusSmall, backgroundColor: tokens.colorNeutralBackground3 },
  fill: { height: "100%", borderRadius: tokens.borderRadiusSmall },
  count: { textAlign: "end" },
  muted: { color: tokens.colorNeutralForeground3 },
});

/** "teams, group chats and users" — the kinds whose installations are counted. */
export function kindsCounted(kinds: TargetKind[]): string {
  const names = (["team", "chat", "user"] as TargetKind[]).filter((k) => kinds.includes(k)).map((k) => kindLabel[k].toLowerCase());
  if (names.length <= 1) return names[0] ?? "nothing";
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/**
 * Installations per version, for the kinds the cache holds (said above the bars); the published
 * version always has its row, even when nothing is at it yet. A bar is a button: it filters the
 * table to the installations at that version (again to clear).
 */
export function VersionSpread({
  versions,
  published,
  kinds,
  active = null,
  onPick,
}: {
  versions: VersionCount[];
  published: string | null;
  /** What the counts cover (the kinds the inventory has rows for). */
  kinds: TargetKind[];
  /** The version the table is filtered to, if any. */
  active?: string | null;
  onPick?: (version: string | null) => void;
}) {
  const styles = useStyles();
  const merged = new Map<string, number>();
  for (const v of versions) merged.set(v.version, (merged.get(v.version) ?? 0) + v.count);
  if (published && ![...merged.keys()].some((v) => compareVersions(v, published) === 0)) merged.set(published, 0);
  const rows = [...merged.entries()].sort((a, b) => compareVersions(b[0], a[0]));
  const max = Math.max(1, ...rows.map(([, n]) => n));
  if (rows.length === 0) return <Text data-testid="version-spread">No installations yet.</Text>;
  return (
    <div className={styles.root} data-testid="version-spread" role="group" aria-label="Version spread">
      <Text size={200} className={styles.muted} data-testid="version-spread-kinds">
        Installations in {kindsCounted(kinds)}, per version. Choose a bar to list them.
      </Text>
      {rows.map(([version, n]) => {
        const outdated = isOlder(version, published);
        const isPublished = !!published && compareVersions(version, published) === 0;
        const pressed = active !== null && compareVersions(version, active) === 0;
        return (
          <button
            type="button"
            key={version}
            className={pressed ? `${styles.row} ${styles.active}` : styles.row}
            data-testid={`version-${version}`}
            data-outdated={outdated}
            data-count={n}
            aria-pressed={pressed}
            aria-label={`${version}${isPublished ? " (published)" : outdated ? " (outdated)" : ""}: ${count(n, "installation")}. ${pressed ? "Show all rows" : "Show them in the table"}`}
            onClick={() => onPick?.(pressed ? null : version)}
          >
            <Text weight={outdated ? "semibold" : "regular"}>
              {version}
              {isPublished ? " (published)" : outdated ? " (old)" : ""}
            </Text>
            <div className={styles.track}>
              <div
                className={styles.fill}
                style={{
                  width: `${(100 * n) / max}%`,
                  backgroundColor: outdated ? tokens.colorPaletteMarigoldBackground3 : tokens.colorPaletteGreenBackground3,
                }}
              />
            </div>
            <Text className={styles.count}>{n.toLocaleString()}</Text>
          </button>
        );
      })}
    </div>
  );
}
