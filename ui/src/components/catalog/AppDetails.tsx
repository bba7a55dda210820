import { useState } from "react";
import {
  Badge,
  Button,
  Card,
  Dialog,
  Link,
  Tab,
  TabList,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  makeStyles,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from "@fluentui/react-components";
import { ArrowLeftRegular, OpenRegular, PeopleAddRegular } from "@fluentui/react-icons";
import { ipc, type ApiError } from "../../ipc";
import { useReturnFocus } from "../a11y/useReturnFocus";
import { useEscape } from "../a11y/useEscape";
import { AddToTeamDialog } from "./AddToTeamDialog";
import { DistributionBadge, distributionOf, publisherOf, stateLabel, UpgradeOutdatedButton, installations, useBadgeStyles } from "./CatalogTable";
import { catalogIpc, type AppDefinition, type CatalogAppView, type PublishingState } from "../../ipc/catalog";
import type { TargetKind } from "../../ipc/installs";
import { ago, compareVersions, kindLabel } from "../installs/format";

const useStyles = makeStyles({
  body: { display: "grid", gap: tokens.spacingVerticalS },
  row: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
  muted: { color: tokens.colorNeutralForeground3 },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, color: tokens.colorNeutralForeground3 },
  // Approve, Reject and Withdraw fit on one line; the other columns need little.
  narrow: { width: "16%" },
  review: { width: "36%" },
  facts: {
    display: "grid",
    gridTemplateColumns: "max-content minmax(0, 1fr)",
    columnGap: tokens.spacingHorizontalL,
    rowGap: tokens.spacingVerticalXS,
    margin: 0,
  },
  term: { color: tokens.colorNeutralForeground3 },
  value: { margin: 0, overflowWrap: "anywhere" },
  head: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "center", flexWrap: "wrap" },
  grow: { flexGrow: 1 },
});

const stateColor: Record<PublishingState, "success" | "warning" | "danger" | "subtle"> = {
  published: "success",
  submitted: "warning",
  rejected: "danger",
  unknown: "subtle",
};

/** The app's page in the Teams admin center (Manage apps → the app), by its catalog id. */
export function adminCenterUrl(catalogId: string): string {
  return `https://admin.teams.microsoft.com/policies/manage-apps/${encodeURIComponent(catalogId)}`;
}

export type DetailsTab = "about" | "versions" | "permissions" | "installations";

/** Installed versions of one kind, split at the catalog's published version. */
function installsOf(view: CatalogAppView, kind: TargetKind) {
  const published = view.publishedVersion;
  const rows = view.installed.filter((v) => v.kind === kind);
  const behind = rows.filter((v) => !!published && compareVersions(v.version, published) < 0);
  const count = (rs: typeof rows) => rs.reduce((n, r) => n + r.count, 0);
  return { rows, behind: count(behind), current: count(rows) - count(behind) };
}

/** A package that is not (yet) in the catalog, compared with this app's catalog version. */
export type LocalVersion = { label: string; version: string };

/**
 * One app, like its page in the Teams admin center: About (with availability, which only the
 * admin center can show), every Version with its review actions, the Permissions its package
 * asks for, and where it is installed — with "Add to a team" right here.
 */
export function AppDetails({
  view,
  local,
  signedIn,
  onBack,
  onChanged,
  onError,
  onCheckPermissions,
  onInstallations,
  onUpgradeOutdated,
}: {
  view: CatalogAppView;
  /** The chosen zip or open package when its manifest id is this app's. */
  local: LocalVersion | null;
  signedIn: boolean;
  onBack: () => void;
  onChanged: () => void;
  onError: (e: ApiError, retry?: () => void) => void;
  onCheckPermissions?: () => void;
  onInstallations?: () => void;
  /** Opens the bulk upgrade of the installations below the published version. */
  onUpgradeOutdated?: (appId: string, published: string) => void;
}) {
  const styles = useStyles();
  const badge = useBadgeStyles();
  const { app, update } = view;
  const [busy, setBusy] = useState(false);
  const [tab, setTab] = useState<DetailsTab>("about");
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [confirmWithdraw, setConfirmWithdraw] = useState<AppDefinition | null>(null);
  const [adding, setAdding] = useState(false);
  useReturnFocus(confirmDelete);
  useReturnFocus(!!confirmWithdraw);
  useEscape(confirmDelete, () => setConfirmDelete(false));
  useEscape(!!confirmWithdraw, () => setConfirmWithdraw(null));
  const shown = [...app.definitions].sort((a, b) => compareVersions(b.version, a.version));
  const permsOf = shown.find((d) => d.publishingState === "published") ?? shown[0] ?? null;
  const defs = [...app.definitions].sort((a, b) => compareVersions(b.version, a.version));
  const nothingPublished = !app.definitions.some((d) => d.publishingState === "published");
  const catalogVersion = view.currentVersion;
  const localState = !local
    ? null
    : !catalogVersion || compareVersions(local.version, catalogVersion) > 0
      ? "newer"
      : compareVersions(local.version, catalogVersion) === 0
        ? "same"
        : "older";
  const localInReview =
    !!local &&
    app.definitions.some((d) => d.publishingState === "submitted" && compareVersions(d.version, local.version) === 0);
  const kinds: TargetKind[] = ["team", "chat", "user"];
  const behind = kinds.reduce((n, k) => n + installsOf(view, k).behind, 0);

  const act = async (f: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await f();
      onChanged();
    } catch (err) {
      // After "sign in again", the page repeats this very change.
      onError(err as ApiError, () => void act(f));
    } finally {
      setBusy(false);
    }
  };

  const installsPart =
    view.inventoryAgeSecs === null ? (
      <Text className={styles.muted} data-testid="catalog-installs-unknown">
        Installed versions are not known yet: sync {app.displayName} on the Installations page.
      </Text>
    ) : (
      <div className={styles.row} data-testid="catalog-installs">
        {kinds.map((k) => {
          const i = installsOf(view, k);
          return (
            <Badge className={badge.wrap}
              key={k}
              appearance="tint"
              color={i.behind > 0 ? "warning" : i.current > 0 ? "success" : "subtle"}
              data-testid={`catalog-installs-${k}`}
              data-behind={i.behind}
              data-current={i.current}
              title={i.rows.map((r) => `${r.version}: ${r.count}`).join(", ") || "none installed"}
            >
              {kindLabel[k]}: {i.behind + i.current === 0 ? "none" : `${i.behind} behind, ${i.current} current`}
            </Badge>
          );
        })}
        <Text className={styles.muted}>
          {behind > 0
            ? `${installations(behind)} below ${view.publishedVersion}${onUpgradeOutdated ? "" : ": upgrade them on the Installations page"}. `
            : ""}
          Inventory synced {ago(view.inventoryAgeSecs)}.
        </Text>
        <UpgradeOutdatedButton view={view} onUpgradeOutdated={onUpgradeOutdated} />
      </div>
    );

  return (
    <Card data-testid={`catalog-app-${app.externalId ?? app.id}`} data-name={app.displayName}>
      <div className={styles.head}>
        <Button appearance="subtle" icon={<ArrowLeftRegular />} onClick={onBack} data-testid="catalog-back">
          All apps
        </Button>
        <div className={styles.grow}>
          <Text as="h2" size={500} weight="semibold" block>
            {app.displayName}
          </Text>
          <span className={styles.row}>
            <DistributionBadge view={view} />
            <Text className={styles.mono}>
              {view.distribution === "store" ? "Teams app id" : `manifest id ${app.externalId ?? "—"} · catalog id`} {app.id}
            </Text>
          </span>
        </div>
        <Button
          icon={<PeopleAddRegular />}
          disabled={busy || !view.publishedVersion}
          onClick={() => setAdding(true)}
          data-testid="catalog-add-to-team"
        >
          Add to a team…
        </Button>
        {/* Only org apps can be deleted through Graph; a store app's publisher owns it. */}
        {view.canPublish && (
          <Button appearance="subtle" disabled={busy || !signedIn} onClick={() => setConfirmDelete(true)} data-testid="catalog-delete">
            Delete…
          </Button>
        )}
      </div>
      {!view.publishedVersion && (
        <Text className={styles.muted} data-testid="catalog-add-reason">
          Nothing of {app.displayName} is published yet, so it cannot be added to a team.
        </Text>
      )}
      <div className={styles.body}>
        {view.publishingNote && (
          <MessageBar intent="info" data-testid="catalog-publishing-note">
            <MessageBarBody>{view.publishingNote}</MessageBarBody>
          </MessageBar>
        )}
        {view.visibilityWarnings.map((w) => (
          <MessageBar key={w} intent="warning" data-testid="catalog-visibility-warning">
            <MessageBarBody>{w}</MessageBarBody>
          </MessageBar>
        ))}
        <div className={styles.row} data-testid="catalog-update-status" data-local={localState ?? "none"} data-behind={behind}>
          <Badge className={badge.wrap} appearance="outline" data-testid="catalog-version">
            catalog {update.catalogVersion ?? "none published"}
          </Badge>
          {local && localState === "newer" && (
            <Badge className={badge.wrap} appearance="filled" color="brand" data-testid="catalog-local">
              {local.label} {local.version}: update available
            </Badge>
          )}
          {local && localState === "same" && (
            <Badge className={badge.wrap} appearance="tint" color={localInReview ? "warning" : "success"} data-testid="catalog-local">
              {local.label} {local.version}: {localInReview ? "submitted, waiting for review" : "the catalog has it"}
            </Badge>
          )}
          {local && localState === "older" && (
            <Badge className={badge.wrap} appearance="tint" color="danger" data-testid="catalog-local">
              {local.label} {local.version}: older than the catalog&apos;s {catalogVersion}
            </Badge>
          )}
        </div>
        <TabList selectedValue={tab} onTabSelect={(_, d) => setTab(d.value as DetailsTab)} aria-label={`${app.displayName} details`}>
          <Tab value="about" data-testid="details-tab-about">
            About
          </Tab>
          <Tab value="versions" data-testid="details-tab-versions">
            Versions ({app.definitions.length})
          </Tab>
          <Tab value="permissions" data-testid="details-tab-permissions">
            Permissions
          </Tab>
          <Tab value="installations" data-testid="details-tab-installations">
            Installations
          </Tab>
        </TabList>

        {tab === "about" && (
          <div className={styles.body} data-testid="details-about">
            <dl className={styles.facts}>
              <dt className={styles.term}>Publisher</dt>
              <dd className={styles.value}>{publisherOf(view)}</dd>
              <dt className={styles.term}>Distribution</dt>
              <dd className={styles.value}>{distributionOf(view)}</dd>
              <dt className={styles.term}>Published version</dt>
              <dd className={styles.value}>{view.publishedVersion ?? "none"}</dd>
              <dt className={styles.term}>Newest version</dt>
              <dd className={styles.value}>
                {shown[0] ? `${shown[0].version} (${stateLabel[shown[0].publishingState].toLowerCase()})` : "none"}
              </dd>
              <dt className={styles.term}>Installations behind</dt>
              <dd className={styles.value}>{view.inventoryAgeSecs === null ? "not known yet (never synced)" : behind}</dd>
            </dl>
            <MessageBar intent="info" layout="multiline" data-testid="catalog-availability">
              <MessageBarBody>
                <MessageBarTitle>Available or Blocked?</MessageBarTitle>
                Whether {app.displayName} is allowed or blocked for your users (its availability) is set in the Teams admin
                center. Microsoft Graph has no API for it, so BotDeck can neither show nor change it. Availability changes take
                hours to reach Teams clients: if the app still shows “Blocked” right after it was allowed — as the FlashDuty
                guide warns — wait and refresh later.
              </MessageBarBody>
              <MessageBarActions>
                <Button
                  icon={<OpenRegular />}
                  onClick={() => void ipc.openExternal(adminCenterUrl(app.id)).catch((e: ApiError) => onError(e))}
                  data-testid="catalog-open-admin-center"
                  data-url={adminCenterUrl(app.id)}
                >
                  Open in the Teams admin center
                </Button>
              </MessageBarActions>
            </MessageBar>
          </div>
        )}

        {tab === "permissions" && (
          <div className={styles.body} data-testid="details-permissions">
            {!permsOf || permsOf.requiredRsc.length === 0 ? (
              <Text>
                {permsOf ? `${app.displayName} ${permsOf.version} asks for no resource-specific (per-team) permission.` : "No version to read."}
              </Text>
            ) : (
              <>
                <Text>
                  {app.displayName} {permsOf.version} asks each team or chat it is added to for these resource-specific permissions:
                </Text>
                <ul data-testid="details-rsc">
                  {permsOf.requiredRsc.map((p) => (
                    <li key={p.permissionValue}>
                      <span className={styles.mono}>{p.permissionValue}</span> ({p.permissionType.toLowerCase()})
                    </li>
                  ))}
                </ul>
              </>
            )}
            <Text className={styles.muted}>
              What your tenant actually granted the bot (application, delegated and per-team) is on the Permissions page.
            </Text>
            {onCheckPermissions && (
              <div>
                <Link onClick={onCheckPermissions} data-testid="details-check-permissions">
                  Check granted permissions
                </Link>
              </div>
            )}
          </div>
        )}

        {tab === "installations" && (
          <div className={styles.body} data-testid="details-installations">
            {installsPart}
            {onInstallations && (
              <div>
                <Link onClick={onInstallations} data-testid="details-open-installations">
                  Open {app.displayName} on the Installations page
                </Link>
              </div>
            )}
          </div>
        )}

        {tab === "versions" && (
          <Table size="small" aria-label={`Versions of ${app.displayName}`}>
            <TableHeader>
              <TableRow>
                <TableHeaderCell className={styles.narrow}>Version</TableHeaderCell>
                <TableHeaderCell className={styles.narrow}>State</TableHeaderCell>
                <TableHeaderCell>Last modified</TableHeaderCell>
                {view.canPublish && <TableHeaderCell className={styles.review}>Review</TableHeaderCell>}
              </TableRow>
            </TableHeader>
            <TableBody>
              {defs.map((d) => (
                <TableRow key={d.id} data-testid={`definition-${d.version}`} data-state={d.publishingState}>
                  <TableCell>{d.version}</TableCell>
                  <TableCell>
                    <Badge className={badge.wrap} appearance="tint" color={stateColor[d.publishingState]}>
                      {d.publishingState}
                    </Badge>
                  </TableCell>
                  <TableCell>{d.lastModified ? new Date(d.lastModified).toLocaleString() : "—"}</TableCell>
                  {view.canPublish && (
                    <TableCell>
                      {d.publishingState === "submitted" && (
                        <div className={styles.row}>
                          <Button size="small" appearance="primary" disabled={busy || !signedIn} onClick={() => void act(() => catalogIpc.review(app.id, d.id, true))} data-testid="catalog-approve">
                            Approve
                          </Button>
                          <Button size="small" disabled={busy || !signedIn} onClick={() => void act(() => catalogIpc.review(app.id, d.id, false))} data-testid="catalog-reject">
                            Reject
                          </Button>
                          <Button size="small" appearance="subtle" disabled={busy || !signedIn} onClick={() => setConfirmWithdraw(d)} data-testid="catalog-withdraw">
                            Withdraw
                          </Button>
                        </div>
                      )}
                    </TableCell>
                  )}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </div>
      {adding && <AddToTeamDialog view={view} onClose={() => setAdding(false)} />}
      <Dialog open={!!confirmWithdraw} onOpenChange={(_, d) => !d.open && d.type !== "escapeKeyDown" && setConfirmWithdraw(null)}>
        <DialogSurface data-testid="catalog-withdraw-dialog">
          <DialogBody>
            <DialogTitle>
              Withdraw {app.displayName} {confirmWithdraw?.version}?
            </DialogTitle>
            <DialogContent>
              {nothingPublished
                ? `Nothing of ${app.displayName} is published, so withdrawing removes the app from the org catalog. You would have to publish the package again.`
                : `The submitted version ${confirmWithdraw?.version ?? ""} goes; the published ${view.publishedVersion ?? ""} stays and users keep it.`}
            </DialogContent>
            <DialogActions>
              <Button onClick={() => setConfirmWithdraw(null)} data-testid="catalog-withdraw-cancel">
                Keep it
              </Button>
              <Button
                appearance="primary"
                onClick={() => {
                  const d = confirmWithdraw;
                  setConfirmWithdraw(null);
                  if (d) void act(() => catalogIpc.withdraw(app.id, d.id));
                }}
                data-testid="catalog-withdraw-confirm"
              >
                Withdraw
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
      <Dialog open={confirmDelete} onOpenChange={(_, d) => d.type !== "escapeKeyDown" && setConfirmDelete(d.open)}>
        <DialogSurface data-testid="catalog-delete-dialog">
          <DialogBody>
            <DialogTitle>Delete {app.displayName} from the org catalog?</DialogTitle>
            <DialogContent>
              Every version goes, and users can no longer find or install it. Existing installations stop working. This cannot be
              undone; you would have to publish the package again.
            </DialogContent>
            <DialogActions>
              <Button onClick={() => setConfirmDelete(false)} data-testid="catalog-delete-cancel">
                Keep it
              </Button>
              <Button
                appearance="primary"
                onClick={() => {
                  setConfirmDelete(false);
                  void act(() => catalogIpc.remove(app.id));
                }}
                data-testid="catalog-delete-confirm"
              >
                Delete
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </Card>
  );
}
