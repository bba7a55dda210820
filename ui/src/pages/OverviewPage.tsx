import {
  Badge,
  Button,
  Card,
  CardHeader,
  Link,
  makeStyles,
  Spinner,
  Text,
  tokens,
} from "@fluentui/react-components";
import type { AppInfo } from "../ipc";
import { useDoctor } from "../components/useDoctor";
import type { PageId } from "./registry";

const useStyles = makeStyles({
  grid: { display: "grid", gridTemplateColumns: "repeat(auto-fill, minmax(320px, 1fr))", gap: tokens.spacingHorizontalL },
  body: { display: "grid", gap: tokens.spacingVerticalS, paddingInline: tokens.spacingHorizontalXS },
  counts: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
  steps: { margin: 0, paddingInlineStart: tokens.spacingHorizontalXL, display: "grid", gap: tokens.spacingVerticalXS },
});

export function OverviewPage({ info, onNavigate }: { info: AppInfo | null; onNavigate: (p: PageId) => void }) {
  const styles = useStyles();
  const { report, error, running } = useDoctor();
  const count = (status: string) => report?.checks.filter((c) => c.status === status).length ?? 0;

  return (
    <div className={styles.grid}>
      <Card data-testid="overview-tenant">
        <CardHeader header={<Text weight="semibold">Tenant</Text>} />
        <div className={styles.body}>
          <Text>Not signed in.</Text>
          <Text size={200}>
            {info?.demo
              ? "This window runs on the built-in demo tenant. Signing in arrives with the sign-in feature."
              : "Signing in to a Microsoft 365 tenant arrives with the sign-in feature."}
          </Text>
        </div>
      </Card>

      <Card data-testid="overview-health">
        <CardHeader header={<Text weight="semibold">This machine</Text>} />
        <div className={styles.body}>
          {running && !report && <Spinner size="tiny" label="Checking…" />}
          {error && <Text>Health check failed: {error.message}</Text>}
          {report && (
            <>
              <div className={styles.counts}>
                <Badge color="success" appearance="tint">{count("ok")} OK</Badge>
                <Badge color="warning" appearance="tint">{count("warn")} warnings</Badge>
                <Badge color="danger" appearance="tint">{count("fail")} failed</Badge>
              </div>
              {report.checks
                .filter((c) => c.status !== "ok")
                .map((c) => (
                  <Text key={c.id} size={200}>
                    {c.label}: {c.detail}
                  </Text>
                ))}
            </>
          )}
          <Link onClick={() => onNavigate("settings")}>Details in Settings</Link>
        </div>
      </Card>

      <Card>
        <CardHeader header={<Text weight="semibold">What BotDeck will do for you</Text>} />
        <div className={styles.body}>
          <ol className={styles.steps}>
            <li>Sign in to your tenant.</li>
            <li>Validate and build the bot's app package.</li>
            <li>Publish or update it in the org catalog.</li>
            <li>Install and upgrade it in teams, chats and for users — in bulk.</li>
            <li>Review its Graph permissions and its linked teams, chats and users.</li>
          </ol>
          <Button appearance="secondary" onClick={() => onNavigate("package")}>
            See the Package page
          </Button>
        </div>
      </Card>
    </div>
  );
}
