import { useState } from "react";
import {
  Badge,
  Button,
  Card,
  CardHeader,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  makeStyles,
  MessageBar,
  MessageBarBody,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from "@fluentui/react-components";
import type { ApiError } from "../../ipc";
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
});

/** The admin's word for where an app comes from. */
export const distributionLabel: Record<CatalogAppView["distribution"], string> = {
  organization: "Org catalog",
  store: "Teams store",
  sideloaded: "Sideloaded",
  unknown: "Other",
};

const stateColor: Record<PublishingState, "success" | "warning" | "danger" | "subtle"> = {
  published: "success",
  submitted: "warning",
  rejected: "danger",
  unknown: "subtle",
};

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

export function AppCard({
  view,
  local,
  onChanged,
  onError,
  onUpgradeOutdated,
}: {
  view: CatalogAppView;
  /** The chosen zip or open package when its manifest id is this app's. */
  local: LocalVersion | null;
  onChanged: () => void;
  onError: (e: ApiError, retry?: () => void) => void;
  /** Opens the bulk upgrade of the installations below the published version. */
  onUpgradeOutdated?: (appId: string, published: string) => void;
}) {
  const styles = useStyles();
  const { app, update } = view;
  const [busy, setBusy] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [confirmWithdraw, setConfirmWithdraw] = useState<AppDefinition | null>(null);
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

  return (
    <Card data-testid={`catalog-app-${app.externalId ?? app.id}`} data-name={app.displayName}>
      <CardHeader
        header={<Text weight="semibold">{app.displayName}</Text>}
        description={
          <span className={styles.row}>
            <Badge
              appearance={view.canPublish ? "outline" : "tint"}
              color={view.canPublish ? "informative" : "brand"}
              data-testid="catalog-distribution"
              data-distribution={view.distribution}
            >
              {distributionLabel[view.distribution]}
            </Badge>
            <Text className={styles.mono}>
              {view.distribution === "store" ? "Teams app id" : `manifest id ${app.externalId ?? "—"} · catalog id`} {app.id}
            </Text>
          </span>
        }
        action={
          view.canPublish ? (
            <Button appearance="subtle" disabled={busy} onClick={() => setConfirmDelete(true)} data-testid="catalog-delete">
              Delete…
            </Button>
          ) : undefined
        }
      />
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
          <Badge appearance="outline" data-testid="catalog-version">
            catalog {update.catalogVersion ?? "none published"}
          </Badge>
          {local && localState === "newer" && (
            <Badge appearance="filled" color="brand" data-testid="catalog-local">
              {local.label} {local.version}: update available
            </Badge>
          )}
          {local && localState === "same" && (
            <Badge appearance="tint" color={localInReview ? "warning" : "success"} data-testid="catalog-local">
              {local.label} {local.version}: {localInReview ? "submitted, waiting for review" : "the catalog has it"}
            </Badge>
          )}
          {local && localState === "older" && (
            <Badge appearance="tint" color="danger" data-testid="catalog-local">
              {local.label} {local.version}: older than the catalog&apos;s {catalogVersion}
            </Badge>
          )}
        </div>
        {view.inventoryAgeSecs === null ? (
          <Text className={styles.muted} data-testid="catalog-installs-unknown">
            Installed versions are not known yet: sync {app.displayName} on the Installations page.
          </Text>
        ) : (
          <div className={styles.row} data-testid="catalog-installs">
            {kinds.map((k) => {
              const i = installsOf(view, k);
              return (
                <Badge
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
              {behind > 0 ? `${behind} installation(s) below ${view.publishedVersion}. ` : ""}
              Inventory synced {ago(view.inventoryAgeSecs)}.
            </Text>
            {behind > 0 && view.publishedVersion && onUpgradeOutdated && (
              <Button
                appearance="primary"
                size="small"
                onClick={() => view.publishedVersion && onUpgradeOutdated(app.id, view.publishedVersion)}
                data-testid="catalog-upgrade-outdated"
                data-count={behind}
              >
                Upgrade {behind} outdated installation{behind === 1 ? "" : "s"}
              </Button>
            )}
          </div>
        )}
        <Table size="small" aria-label={`Versions of ${app.displayName}`}>
          <TableHeader>
            <TableRow>
              <TableHeaderCell className={styles.narrow}>Version</TableHeaderCell>
              <TableHeaderCell className={styles.narrow}>State</TableHeaderCell>
              <TableHeaderCell>Last modified</TableHeaderCell>
              <TableHeaderCell className={styles.review}>Review</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {defs.map((d) => (
              <TableRow key={d.id} data-testid={`definition-${d.version}`} data-state={d.publishingState}>
                <TableCell>{d.version}</TableCell>
                <TableCell>
                  <Badge appearance="tint" color={stateColor[d.publishingState]}>
                    {d.publishingState}
                  </Badge>
                </TableCell>
                <TableCell>{d.lastModified ? new Date(d.lastModified).toLocaleString() : "—"}</TableCell>
                <TableCell>
                  {view.canPublish && d.publishingState === "submitted" && (
                    <div className={styles.row}>
                      <Button size="small" appearance="primary" disabled={busy} onClick={() => void act(() => catalogIpc.review(app.id, d.id, true))} data-testid="catalog-approve">
                        Approve
                      </Button>
                      <Button size="small" disabled={busy} onClick={() => void act(() => catalogIpc.review(app.id, d.id, false))} data-testid="catalog-reject">
                        Reject
                      </Button>
                      <Button size="small" appearance="subtle" disabled={busy} onClick={() => setConfirmWithdraw(d)} data-testid="catalog-withdraw">
                        Withdraw
                      </Button>
                    </div>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
      <Dialog open={!!confirmWithdraw} onOpenChange={(_, d) => !d.open && setConfirmWithdraw(null)}>
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
      <Dialog open={confirmDelete} onOpenChange={(_, d) => setConfirmDelete(d.open)}>
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
