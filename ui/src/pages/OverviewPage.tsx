// The Overview is about the bot: where its catalog version stands, how many installations are
// behind per kind, which permissions still need consent, how old each of those facts is — and
// for each, the next thing to do. Everything here comes from the local cache (no network, no
// sign-in), so the page opens at once; the pages it links to refresh.
import { useEffect, useState, type ReactNode } from "react";
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
import { CheckmarkCircleFilled, CircleRegular } from "@fluentui/react-icons";
import type { AppInfo } from "../ipc";
import { catalogIpc, type CatalogAppView, type CatalogView } from "../ipc/catalog";
import { permsIpc, type BotProfile, type PermsReport } from "../ipc/permissions";
import type { TargetKind } from "../ipc/installs";
import { useDoctor } from "../components/useDoctor";
import { SignInDialog } from "../components/SignInDialog";
import { ago, compareVersions, kindLabel } from "../components/installs/format";
import { newestDefinition, stateLabel } from "../components/catalog/CatalogTable";
import { useSession } from "../session";
import { LinkHealthCard } from "../components/links/LinkHealthCard";
import type { PageId } from "./registry";

const useStyles = makeStyles({
  grid: { display: "grid", gridTemplateColumns: "repeat(auto-fill, minmax(300px, 1fr))", gap: tokens.spacingHorizontalL },
  body: { display: "grid", gap: tokens.spacingVerticalS, paddingInline: tokens.spacingHorizontalXS },
  counts: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
  steps: { margin: 0, padding: 0, listStyle: "none", display: "grid", gap: tokens.spacingVerticalS },
  step: { display: "grid", gridTemplateColumns: "20px minmax(0, 1fr)", gap: tokens.spacingHorizontalS, alignItems: "start" },
  done: { color: tokens.colorPaletteGreenForeground1 },
  todo: { color: tokens.colorNeutralForeground3 },
  muted: { color: tokens.colorNeutralForeground3 },
  next: { justifySelf: "start" },
});

/**
 * Cards other features add to the Overview (the Links feature adds link health). Each renders
 * nothing until it has real data: no placeholder numbers.
 */
export const overviewSlots: { id: string; render: (props: { onNavigate: (p: PageId) => void }) => ReactNode }[] = [];

/**
 * The bot this Overview is about: the open package's app, else the one whose installations
 * were read, else one a vendor permission profile is about (FlashDuty, PagerDuty…), else the
 * first org app.
 */
export function botOf(view: CatalogView | null, profiles: BotProfile[] = []): CatalogAppView | null {
  const org = (view?.apps ?? []).filter((v) => v.app.distributionMethod === "organization");
  const byPackage = view?.localPackage
    ? org.find((v) => v.app.externalId?.toLowerCase() === view.localPackage!.manifestId.toLowerCase())
    : undefined;
  return (
    byPackage ??
    org.find((v) => v.inventoryAgeSecs !== null) ??
    org.find((v) => profileOf(v, profiles) !== null) ??
    org[0] ??
    null
  );
}

/** The permission profile for a catalog app: the one named after it (FlashDuty → "FlashDuty (alerting bot)"). */
export function profileOf(app: CatalogAppView | null, profiles: BotProfile[]): BotProfile | null {
  if (!app) return null;
  const name = app.app.displayName.trim().toLowerCase();
  return profiles.find((p) => p.appId && p.name.trim().toLowerCase().startsWith(name)) ?? null;
}

function behindOf(view: CatalogAppView, kind: TargetKind) {
  const rows = view.installed.filter((r) => r.kind === kind);
  const total = rows.reduce((n, r) => n + r.count, 0);
  const behind = view.publishedVersion
    ? rows
        .filter((r) => compareVersions(r.version, view.publishedVersion!) < 0)
        // Archived teams cannot be upgraded (Teams refuses changes there): not "behind".
        .reduce((n, r) => n + r.count - (r.archived ?? 0), 0)
    : 0;
  return { total, behind };
}

function Step({ done, children, testId }: { done: boolean; children: ReactNode; testId: string }) {
  const styles = useStyles();
  return (
    <li className={styles.step} data-testid={testId} data-done={done ? "yes" : "no"}>
      {done ? (
        <CheckmarkCircleFilled className={styles.done} aria-label="done" />
      ) : (
        <CircleRegular className={styles.todo} aria-label="to do" />
      )}
      <Text>{children}</Text>
    </li>
  );
}

export function OverviewPage({ info, onNavigate }: { info: AppInfo | null; onNavigate: (p: PageId) => void }) {
  const styles = useStyles();
  const { report, error, running } = useDoctor("quick");
  const { session, update } = useSession();
  const [view, setView] = useState<CatalogView | null>(null);
  const [perms, setPerms] = useState<PermsReport | null>(null);
  const [profile, setProfile] = useState<BotProfile | null>(null);
  const [signingIn, setSigningIn] = useState(false);
  const current = session?.current ?? null;
  const identity = session?.signedIn ? (current?.identity ?? null) : null;
  const count = (status: string) => report?.checks.filter((c) => c.status === status).length ?? 0;

  // The cache only: instant and offline. A tenant switch reads the new tenant's cache.
  useEffect(() => {
    let live = true;
    catalogIpc.list(false).then(
      (v) => live && setView(v),
      // An unreadable cache is an empty one here: the Catalog page shows the error itself.
      () => live && setView({ apps: [], live: false, localPackage: null }),
    );
    return () => {
      live = false;
    };
  }, [current?.id]);

  const [profiles, setProfiles] = useState<BotProfile[]>([]);
  useEffect(() => {
    let live = true;
    permsIpc.profiles().then(
      (list) => live && setProfiles(list),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  const bot = botOf(view, profiles);
  useEffect(() => {
    let live = true;
    setPerms(null);
    if (!bot || !current) return;
    Promise.resolve(profiles)
      .then((list) => {
        const p = profileOf(bot, list);
        if (!live) return;
        setProfile(p);
        if (!p) return;
        return permsIpc
          .cached({ permProfileId: p.id, appId: p.appId, model: null, allTeams: true, teamIds: [], chatIds: [] })
          .then((r) => live && setPerms(r));
      })
      .catch(() => live && setPerms(null));
    return () => {
      live = false;
    };
  }, [bot?.app.id, current?.id, profiles]); // eslint-disable-line react-hooks/exhaustive-deps

  const newest = bot ? newestDefinition(bot) : null;
  const kinds: TargetKind[] = ["team", "chat", "user"];
  const behind = bot ? kinds.reduce((n, k) => n + behindOf(bot, k).behind, 0) : 0;
  const installed = bot ? kinds.reduce((n, k) => n + behindOf(bot, k).total, 0) : 0;
  const missing = perms?.diff.servicePrincipal ? perms.diff.summary.missingRequired : null;
  const permsAge = perms ? Math.max(0, (Date.now() - Date.parse(perms.granted.inspectedAt)) / 1000) : null;
  const localNewer =
    !!bot && !!view?.localPackage && !!bot.currentVersion && compareVersions(view.localPackage.version, bot.currentVersion) > 0
      ? view.localPackage.version
      : null;

  return (
    <div className={styles.grid}>
      <Card data-testid="overview-bot">
        <CardHeader header={<Text weight="semibold">{bot ? `Your bot: ${bot.app.displayName}` : "Your bot"}</Text>} />
        <div className={styles.body}>
          {!view && <Spinner size="tiny" label="Reading the local cache…" labelPosition="after" />}
          {view && !bot && (
            <>
              <Text data-testid="overview-no-bot">
                {identity
                  ? "No org app is known yet: read the catalog, or publish the bot's package."
                  : "Nothing is known about your bot yet: the catalog has not been read on this computer."}
              </Text>
              <Button className={styles.next} onClick={() => onNavigate("catalog")} data-testid="overview-next-catalog">
                Open the Catalog
              </Button>
            </>
          )}
          {bot && (
            <>
              <div className={styles.counts} data-testid="overview-catalog">
                <Badge appearance="outline">catalog {bot.publishedVersion ?? "none published"}</Badge>
                {newest && newest.version !== bot.publishedVersion && (
                  <Badge appearance="tint" color={newest.publishingState === "submitted" ? "warning" : "danger"}>
                    {newest.version}: {stateLabel[newest.publishingState].toLowerCase()}
                  </Badge>
                )}
                {localNewer && (
                  <Badge appearance="filled" color="brand" data-testid="overview-update-available">
                    open package {localNewer}: update available
                  </Badge>
                )}
              </div>
              {newest?.publishingState === "submitted" ? (
                <Link onClick={() => onNavigate("catalog")} data-testid="overview-next-review">
                  Review {bot.app.displayName} {newest.version} on the Catalog page
                </Link>
              ) : localNewer ? (
                <Link onClick={() => onNavigate("catalog")} data-testid="overview-next-publish">
                  Publish {localNewer} on the Catalog page
                </Link>
              ) : bot.publishedVersion ? (
                // Up to date: say what that means and where the next update starts.
                <>
                  <Text data-testid="overview-bot-state">
                    {bot.publishedVersion} is published and nothing is waiting for review: new installations get{" "}
                    {bot.publishedVersion}.
                  </Text>
                  <Link onClick={() => onNavigate("package")} data-testid="overview-next-package">
                    Prepare the next version on the Package page
                  </Link>
                </>
              ) : null}
            </>
          )}
        </div>
      </Card>

      {bot && (
        <Card data-testid="overview-installs">
          <CardHeader header={<Text weight="semibold">Installations</Text>} />
          <div className={styles.body}>
            {bot.inventoryAgeSecs === null ? (
              <>
                <Text data-testid="overview-installs-unknown">Not read yet: BotDeck does not know where {bot.app.displayName} is installed.</Text>
                <Link onClick={() => onNavigate("installations")} data-testid="overview-next-sync">
                  Sync it on the Installations page
                </Link>
              </>
            ) : (
              <>
                {kinds.map((k) => {
                  const b = behindOf(bot, k);
                  return (
                    <Text key={k} data-testid={`overview-behind-${k}`} data-behind={b.behind} data-total={b.total}>
                      {kindLabel[k]}: {b.total === 0 ? "none" : `${b.behind} of ${b.total} behind ${bot.publishedVersion ?? ""}`}
                    </Text>
                  );
                })}
                <Text size={200} className={styles.muted} data-testid="overview-installs-age">
                  Synced {ago(bot.inventoryAgeSecs)}.
                </Text>
                <Link onClick={() => onNavigate("installations")} data-testid="overview-next-installs">
                  {behind > 0 ? `Upgrade ${behind} outdated installation${behind === 1 ? "" : "s"}` : "See where it is installed"}
                </Link>
              </>
            )}
          </div>
        </Card>
      )}

      {bot && (
        <Card data-testid="overview-permissions">
          <CardHeader header={<Text weight="semibold">Permissions</Text>} />
          <div className={styles.body}>
            {!profile ? (
              <Text>Pick the bot&apos;s permission profile on the Permissions page.</Text>
            ) : !perms ? (
              <Text data-testid="overview-perms-unknown">Not read yet on this computer.</Text>
            ) : !perms.diff.servicePrincipal ? (
              <Text data-testid="overview-perms-not-in-tenant">The bot&apos;s app id is not in this tenant yet.</Text>
            ) : (
              <Text data-testid="overview-perms-missing" data-missing={missing ?? 0}>
                {missing ? `Consent needed: ${missing} required permission${missing === 1 ? "" : "s"} missing.` : "Every required permission is granted."}
              </Text>
            )}
            {permsAge !== null && (
              <Text size={200} className={styles.muted} data-testid="overview-perms-age">
                Read {ago(permsAge)}.
              </Text>
            )}
            <Link onClick={() => onNavigate("permissions")} data-testid="overview-next-permissions">
              {missing ? "Grant consent on the Permissions page" : perms ? "Review them" : "Check permissions"}
            </Link>
          </div>
        </Card>
      )}

      <LinkHealthCard onNavigate={onNavigate} />

      {overviewSlots.map((slot) => (
        <div key={slot.id}>{slot.render({ onNavigate })}</div>
      ))}

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
              <Text>{current ? `${current.name}: not signed in.` : "No tenant added yet."}</Text>
              <Text size={200}>
                {info?.demo
                  ? "This window runs on the built-in demo tenant (simulated): no Microsoft account needed."
                  : current
                    ? "Sign in to read and change your tenant."
                    : "Add your tenant from the profile menu at the top right."}
              </Text>
              {current && (
                <Button
                  appearance="primary"
                  className={styles.next}
                  disabled={!session?.canSignIn}
                  onClick={() => setSigningIn(true)}
                  data-testid="overview-sign-in"
                >
                  Sign in
                </Button>
              )}
            </>
          )}
        </div>
        {current && (
          <SignInDialog
            profile={current}
            open={signingIn}
            onClose={() => setSigningIn(false)}
            onSignedIn={(next) => {
              setSigningIn(false);
              void update(next);
            }}
          />
        )}
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

      <Card data-testid="overview-checklist">
        <CardHeader header={<Text weight="semibold">What BotDeck will do for you</Text>} />
        <div className={styles.body}>
          <ol className={styles.steps}>
            <Step done={!!identity} testId="check-sign-in">
              Sign in to your tenant{identity ? ` — signed in as ${identity.accountName}` : ""}.
            </Step>
            <Step done={!!view?.localPackage} testId="check-package">
              Validate and build the bot&apos;s app package{view?.localPackage ? ` — ${view.localPackage.name} ${view.localPackage.version} is open` : ""}.
            </Step>
            <Step done={!!bot?.publishedVersion} testId="check-publish">
              Publish or update it in the org catalog{bot?.publishedVersion ? ` — ${bot.publishedVersion} is published` : ""}.
            </Step>
            <Step done={!!bot && bot.inventoryAgeSecs !== null && installed > 0 && behind === 0} testId="check-install">
              Install and upgrade it in teams, chats and for users — in bulk
              {bot && bot.inventoryAgeSecs !== null && installed > 0 ? (behind === 0 ? " — all current" : ` — ${behind} behind`) : ""}.
            </Step>
            <Step done={!!perms && !!perms.diff.servicePrincipal && missing === 0} testId="check-permissions">
              Review its Graph permissions{perms?.diff.servicePrincipal ? (missing === 0 ? " — all granted" : ` — ${missing} need consent`) : ""}.
            </Step>
          </ol>
          <Button appearance="secondary" className={styles.next} onClick={() => onNavigate("package")}>
            See the Package page
          </Button>
        </div>
      </Card>
    </div>
  );
}
