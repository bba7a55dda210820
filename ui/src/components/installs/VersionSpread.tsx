import { makeStyles, Text, tokens } from "@fluentui/react-components";
import type { VersionCount } from "../../ipc/installs";
import { compareVersions, isOlder } from "./format";

const useStyles = makeStyles({
  root: { display: "grid", gap: tokens.spacingVerticalXS },
  row: { display: "grid", gridTemplateColumns: "96px 1fr 48px", alignItems: "center", gap: tokens.spacingHorizontalM },
  track: { height: "14px", borderRadius: tokens.borderRadiusSmall, backgroundColor: tokens.colorNeutralBackground3 },
  fill: { height: "100%", borderRadius: tokens.borderRadiusSmall },
  count: { textAlign: "end" },
});

/** Installations per version (all kinds together); versions below the published one stand out. */
export function VersionSpread({ versions, published }: { versions: VersionCount[]; published: string | null }) {
  const styles = useStyles();
  const merged = new Map<string, number>();
  for (const v of versions) merged.set(v.version, (merged.get(v.version) ?? 0) + v.count);
  const rows = [...merged.entries()].sort((a, b) => compareVersions(b[0], a[0]));
  const max = Math.max(1, ...rows.map(([, n]) => n));
  if (rows.length === 0) return <Text data-testid="version-spread">No installations yet.</Text>;
  return (
    <div className={styles.root} data-testid="version-spread" role="group" aria-label="Version spread">
      {rows.map(([version, n]) => {
        const outdated = isOlder(version, published);
        return (
          <div key={version} className={styles.row} data-testid={`version-${version}`} data-outdated={outdated} data-count={n}>
            <Text weight={outdated ? "semibold" : "regular"}>
              {version}
              {outdated ? " (old)" : ""}
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
          </div>
        );
      })}
    </div>
  );
}
