import { Text, makeStyles, tokens } from "@fluentui/react-components";
import type { BotProfile } from "../../ipc/permissions";

const useStyles = makeStyles({
  root: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXXS, minWidth: 0 },
  hint: { color: tokens.colorNeutralForeground3 },
  list: { margin: 0, paddingLeft: tokens.spacingHorizontalL },
  mono: { fontFamily: tokens.fontFamilyMonospace },
});

/** What a profile says about itself: its description, the vendor's connection models (each with
 * how it connects) and the vendor's other app ids. Self-contained so the page layout can move it. */
export function ProfileDescription({ profile }: { profile: BotProfile | null | undefined }) {
  const styles = useStyles();
  if (!profile) return null;
  return (
    <div className={styles.root} data-testid="perm-profile-description">
      {profile.description && <Text className={styles.hint}>{profile.description}</Text>}
      {profile.models.length > 0 && (
        <>
          <Text className={styles.hint} weight="semibold">
            {profile.vendor ?? profile.name} connects in {profile.models.length} ways:
          </Text>
          <ul className={styles.list} aria-label="Connection models">
            {profile.models.map((m) => (
              <li key={m.id}>
                <Text className={styles.hint}>
                  <Text weight="semibold">{m.name}</Text>
                  {m.description ? `: ${m.description}` : ""}
                </Text>
              </li>
            ))}
          </ul>
        </>
      )}
      {(profile.otherAppIds.length > 0 || profile.storeAppId) && (
        <ul className={styles.list} aria-label="Other app ids">
          {profile.otherAppIds.map((o) => (
            <li key={o.appId}>
              <Text className={styles.hint}>
                Also app id <span className={styles.mono}>{o.appId}</span> ({o.label})
              </Text>
            </li>
          ))}
          {profile.storeAppId && (
            <li>
              <Text className={styles.hint}>
                Teams store app id <span className={styles.mono}>{profile.storeAppId}</span>
              </Text>
            </li>
          )}
        </ul>
      )}
    </div>
  );
}
