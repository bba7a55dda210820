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
import { useSession } from "../session";
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
  const { session } = useSession();
  const identity = session?.signedIn ? session.current?.identity ?? null : null;
  const count = (status: string) => report?.checks.filter((c) => c.status === status).length ?? 0;

  return (
    <div className={styles.grid}>
      <Card data-testid="overview-tenant">
        <CardHeader header={<Text weight="semibold">Tenant</Text>} />
        <div className={styles.body}>
          {identity ? (
            <>
              <Text size={500} weight="semibold" data-testid="tenant-name">
                {identity.tenantName}
              </Text>
              <Text size={200}>{identity.verifiedDomains.join(", ")}</Text>
              <Text data-testid="tenant-account">
                Signed in as {identity.accountName} ({identity.accountUpn})
              </Text>
              <div className={styles.counts}>
                {identity.directoryRolesUnknown ? (
                  <Badge appearance="outline" color="warning" data-testid="roles-unknown">
                    Roles unknown
                  </Badge>
                ) : (
                  identity.directoryRoles.map((r) => (
                    <Badge key={r} appearance="tint" color="brand">
                      {r}
                    </Badge>
                  ))
                )}
              </div>
              {session?.roleAdvice.map((line) => (
                <Text key={line} size={200} data-testid="role-advice">
                  {line}
                </Text>
              ))}
            </>
          ) : (
            <>
              <Text>{session?.current ? `${session.current.name}: not signed in.` : "No tenant added yet."}</Text>
              <Text size={200}>
                {info?.demo
                  ? "This window runs on the built-in demo tenant (simulated). Sign in from the profile menu at the top right — no Microsoft account needed."
                  : "Add your tenant and sign in from the profile menu at the top right."}
              </Text>
            </>
          )}
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
            <li>Sign in to your tenant — done when your name shows at the top right.</li>
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
