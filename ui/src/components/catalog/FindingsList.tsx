import { Badge, makeStyles, Text, tokens } from "@fluentui/react-components";
import type { Finding } from "../../ipc/catalog";

const useStyles = makeStyles({
  list: { margin: 0, paddingInlineStart: tokens.spacingHorizontalL, display: "grid", gap: tokens.spacingVerticalXS },
  code: { fontFamily: tokens.fontFamilyMonospace, color: tokens.colorNeutralForeground3 },
});

/**
 * Local validation findings and Graph's manifest errors side by side: Graph's carry a
 * `graph.` code prefix and the JSON pointer of their `target`.
 */
export function FindingsList({ findings }: { findings: Finding[] }) {
  const styles = useStyles();
  if (findings.length === 0) return null;
  return (
    <ul className={styles.list} data-testid="catalog-findings">
      {findings.map((f, i) => (
        <li key={`${f.code}-${f.path}-${i}`} data-source={f.code.startsWith("graph.") ? "graph" : "local"}>
          <Badge appearance="tint" color={f.severity === "error" ? "danger" : f.severity === "warning" ? "warning" : "informative"} size="small">
            {f.code.startsWith("graph.") ? "Microsoft" : "BotDeck"} · {f.severity}
          </Badge>{" "}
          <Text>{f.message}</Text>{" "}
          <Text size={200} className={styles.code}>
            {f.code}
            {f.path ? ` at ${f.file || "manifest.json"}${f.path}` : ""}
          </Text>
          {f.hint && (
            <div>
              <Text size={200}>{f.hint}</Text>
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}
