import { Card, CardHeader, makeStyles, MessageBar, MessageBarBody, Text, tokens } from "@fluentui/react-components";
import type { PageId } from "./registry";

const useStyles = makeStyles({
  list: { margin: 0, paddingInlineStart: tokens.spacingHorizontalXL, display: "grid", gap: tokens.spacingVerticalS },
  card: { maxWidth: "760px" },
});

/** What each page will do. Shown until the feature exists: nothing here pretends to work. */
const plans: Partial<Record<PageId, string[]>> = {
  catalog: [
    "See every version of the bot in your org catalog, including definitions waiting for review.",
    "Publish a package, or update the existing app when its manifest id is already there.",
    "Approve or reject submitted definitions, and delete the app with confirmation.",
  ],
  installations: [
    "Every team, group chat and user, with the bot's installed version — from a local cache that opens instantly.",
    "Coverage and version-spread pictures.",
    "Install, upgrade or uninstall in bulk at Microsoft's throttle limits, resumable and cancellable.",
  ],
  links: [
    "Which teams (General channel), chats and users are linked to the bot's integration.",
    "Each link's health: bot still installed, General channel reachable.",
    "Link and unlink, which the vendors' bots themselves cannot list or cancel.",
  ],
};

export function PlannedPage({ page }: { page: PageId }) {
  const styles = useStyles();
  const plan = plans[page] ?? [];
  return (
    <div data-testid="planned-page">
      <MessageBar intent="info" style={{ marginBottom: tokens.spacingVerticalL, maxWidth: 760 }}>
        <MessageBarBody>This page is not available in this build yet. Here is what it will do.</MessageBarBody>
      </MessageBar>
      <Card className={styles.card}>
        <CardHeader header={<Text weight="semibold">Planned</Text>} />
        <ul className={styles.list}>
          {plan.map((line) => (
            <li key={line}>
              <Text>{line}</Text>
            </li>
          ))}
        </ul>
      </Card>
    </div>
  );
}
