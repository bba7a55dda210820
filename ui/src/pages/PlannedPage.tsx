import { Card, CardHeader, makeStyles, MessageBar, MessageBarBody, Text, tokens } from "@fluentui/react-components";
import type { PageId } from "./registry";

const useStyles = makeStyles({
  list: { margin: 0, paddingInlineStart: tokens.spacingHorizontalXL, display: "grid", gap: tokens.spacingVerticalS },
  card: { maxWidth: "760px" },
});

/** What each page will do. Shown until the feature exists: nothing here pretends to work. */
const plans: Partial<Record<PageId, string[]>> = {
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
