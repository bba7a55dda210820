import {
  Button,
  Card,
  CardHeader,
  Field,
  makeStyles,
  Radio,
  RadioGroup,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from "@fluentui/react-components";
import { ArrowClockwiseRegular } from "@fluentui/react-icons";
import { useEffect, useState } from "react";
import { ipc, type AppInfo, type ScopeInfo, type ThemePreference } from "../ipc";
import { useSession } from "../session";
import { useDoctor } from "../components/useDoctor";
import { CheckStatusIcon } from "../components/CheckStatusIcon";

const useStyles = makeStyles({
  stack: { display: "grid", gap: tokens.spacingVerticalL, maxWidth: "980px" },
  body: { display: "grid", gap: tokens.spacingVerticalS, paddingInline: tokens.spacingHorizontalXS },
  statusCell: { width: "40px" },
  hint: { color: tokens.colorNeutralForeground3 },
  mono: { fontFamily: tokens.fontFamilyMonospace, wordBreak: "break-all" },
});

export function SettingsPage({
  info,
  preference,
  onThemeChange,
}: {
  info: AppInfo | null;
  preference: ThemePreference;
  onThemeChange: (t: ThemePreference) => void;
}) {
  const styles = useStyles();
  const { report, error, running, run } = useDoctor("thorough");
  const { session } = useSession();
  const [scopes, setScopes] = useState<ScopeInfo[]>([]);
  useEffect(() => {
    ipc.scopeCatalog().then(setScopes, () => setScopes([]));
  }, []);
  const held = new Set((session?.signedIn ? session.current?.grantedScopes ?? [] : []).map((s) => s.toLowerCase()));
  const featureLabel: Record<string, string> = {
    read_tenant: "Reading the tenant",
    publish: "Publishing",
    install: "Installing",
    review_permissions: "Reviewing permissions",
    revoke_permissions: "Revoking permissions",
  };

  return (
    <div className={styles.stack}>
      <Card>
        <CardHeader header={<Text weight="semibold">Appearance</Text>} />
        <div className={styles.body}>
          <Field label="Theme">
            <RadioGroup
              layout="horizontal"
              value={preference}
              onChange={(_, data) => onThemeChange(data.value as ThemePreference)}
              data-testid="theme-choice"
            >
              <Radio value="light" label="Light" />
              <Radio value="dark" label="Dark" />
              <Radio value="system" label="Follow the system" />
            </RadioGroup>
          </Field>
        </div>
      </Card>

      <Card data-testid="doctor-card">
        <CardHeader
          header={<Text weight="semibold">Machine health</Text>}
          description="The same checks as `botdeck doctor`."
          action={
            <Button
              icon={<ArrowClockwiseRegular />}
              onClick={() => void run()}
              disabled={running}
              data-testid="doctor-rerun"
              style={{ whiteSpace: "nowrap" }}
            >
              Check again
            </Button>
          }
        />
        {running && !report && <Spinner size="tiny" label="Checking…" />}
        {error && <Text>Health check failed: {error.message}</Text>}
        {report && (
          <Table size="small" aria-label="Machine health checks">
            <TableHeader>
              <TableRow>
                <TableHeaderCell className={styles.statusCell}>Status</TableHeaderCell>
                <TableHeaderCell>Check</TableHeaderCell>
                <TableHeaderCell>Result</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {report.checks.map((c) => (
                <TableRow key={c.id} data-testid={`doctor-${c.id}`} data-status={c.status}>
                  <TableCell className={styles.statusCell}>
                    <CheckStatusIcon status={c.status} />
                  </TableCell>
                  <TableCell>{c.label}</TableCell>
                  <TableCell>
                    <div>{c.detail}</div>
                    {c.hint && <div className={styles.hint}>{c.hint}</div>}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Card>

      <Card data-testid="scopes-card">
        <CardHeader
          header={<Text weight="semibold">Permissions BotDeck asks for</Text>}
          description={
            session?.signedIn
              ? `What ${session.current?.name} holds now. BotDeck asks for more only when you first use a feature that needs it.`
              : "Sign in to see which of these your profile holds. BotDeck asks only for what the feature in use needs."
          }
        />
        <Table size="small" aria-label="Delegated permissions">
          <TableHeader>
            <TableRow>
              <TableHeaderCell className={styles.statusCell}>Held</TableHeaderCell>
              <TableHeaderCell>Permission</TableHeaderCell>
              <TableHeaderCell>Needed for</TableHeaderCell>
              <TableHeaderCell>Why</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {scopes.map((s) => {
              const oidc = ["openid", "profile", "offline_access"].includes(s.scope);
              const has = held.has(s.scope.toLowerCase()) || (oidc && !!session?.signedIn);
              return (
                <TableRow key={s.scope} data-testid={`scope-${s.scope}`} data-held={has}>
                  <TableCell className={styles.statusCell}>{has ? <CheckStatusIcon status="ok" /> : "—"}</TableCell>
                  <TableCell className={styles.mono}>{s.scope}</TableCell>
                  <TableCell>{featureLabel[s.feature] ?? s.feature}</TableCell>
                  <TableCell>{s.reason}</TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </Card>

      <Card>
        <CardHeader header={<Text weight="semibold">Where BotDeck keeps things</Text>} />
        <div className={styles.body}>
          <Text>
            Profiles, settings, audit log and bulk-run journals (backed up in its folder's backups):{" "}
            <span className={styles.mono} data-testid="path-state">{report?.stateFile ?? info?.dataDir ?? "…"}</span>
          </Text>
          <Text>
            Cache of your tenant (safe to delete, rebuilt on the next sync):{" "}
            <span className={styles.mono} data-testid="path-cache">{report?.cacheFile ?? info?.dataDir ?? "…"}</span>
          </Text>
          <Text>
            Log file: <span className={styles.mono} data-testid="path-log">{report?.logFile ?? info?.logFile ?? "…"}</span>
          </Text>
          {info?.demoTenantUrl && (
            <Text>
              Demo tenant (simulated) served at:{" "}
              <span className={styles.mono} data-testid="demo-tenant-url">{info.demoTenantUrl}</span>
            </Text>
          )}
          <Text size={200} className={styles.hint}>
            Sign-in tokens are stored only in the OS keyring — never in these files. The cache can be deleted at any
            time; it is rebuilt from your tenant.
          </Text>
        </div>
      </Card>
    </div>
  );
}
