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
import { catalogIpc, type CatalogAppView, type PublishingState } from "../../ipc/catalog";
import { versionKey } from "../installs/format";

const useStyles = makeStyles({
  body: { display: "grid", gap: tokens.spacingVerticalS },
  row: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, color: tokens.colorNeutralForeground3 },
});

const stateColor: Record<PublishingState, "success" | "warning" | "danger" | "subtle"> = {
  published: "success",
  submitted: "warning",
  rejected: "danger",
  unknown: "subtle",
};

export function AppCard({ view, onChanged, onError }: { view: CatalogAppView; onChanged: () => void; onError: (e: ApiError) => void }) {
  const styles = useStyles();
  const { app, update } = view;
  const [busy, setBusy] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const defs = [...app.definitions].sort((a, b) => versionKey(b.version) - versionKey(a.version));

  const act = async (f: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await f();
      onChanged();
    } catch (err) {
      onError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card data-testid={`catalog-app-${app.externalId ?? app.id}`}>
      <CardHeader
        header={<Text weight="semibold">{app.displayName}</Text>}
        description={
          <Text className={styles.mono}>
            manifest id {app.externalId ?? "—"} · catalog id {app.id}
          </Text>
        }
        action={
          <Button appearance="subtle" disabled={busy} onClick={() => setConfirmDelete(true)} data-testid="catalog-delete">
            Delete…
          </Button>
        }
      />
      <div className={styles.body}>
        {view.visibilityWarnings.map((w) => (
          <MessageBar key={w} intent="warning" data-testid="catalog-visibility-warning">
            <MessageBarBody>{w}</MessageBarBody>
          </MessageBar>
        ))}
        <div className={styles.row} data-testid="catalog-update-status">
          <Badge appearance="outline">catalog {update.catalogVersion ?? "none published"}</Badge>
          {update.localVersion && (
            <Badge appearance="tint" color={update.catalogUpdateAvailable ? "brand" : "subtle"}>
              local package {update.localVersion}
              {update.catalogUpdateAvailable ? ": update available — publish it" : ""}
            </Badge>
          )}
          {update.installsBehind + update.installsCurrent > 0 && (
            <Badge appearance="tint" color={update.installsBehind > 0 ? "warning" : "success"}>
              {update.installsBehind} installation(s) behind, {update.installsCurrent} current
            </Badge>
          )}
        </div>
        <Table size="small" aria-label={`Versions of ${app.displayName}`}>
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Version</TableHeaderCell>
              <TableHeaderCell>State</TableHeaderCell>
              <TableHeaderCell>Last modified</TableHeaderCell>
              <TableHeaderCell>Review</TableHeaderCell>
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
                  {d.publishingState === "submitted" && (
                    <div className={styles.row}>
                      <Button size="small" appearance="primary" disabled={busy} onClick={() => void act(() => catalogIpc.review(app.id, d.id, true))} data-testid="catalog-approve">
                        Approve
                      </Button>
                      <Button size="small" disabled={busy} onClick={() => void act(() => catalogIpc.review(app.id, d.id, false))} data-testid="catalog-reject">
                        Reject
                      </Button>
                      <Button size="small" appearance="subtle" disabled={busy} onClick={() => void act(() => catalogIpc.withdraw(app.id, d.id))} data-testid="catalog-withdraw">
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
      <Dialog open={confirmDelete} onOpenChange={(_, d) => setConfirmDelete(d.open)}>
        <DialogSurface data-testid="catalog-delete-dialog">
          <DialogBody>
            <DialogTitle>Delete {app.displayName} from the org catalog?</DialogTitle>
            <DialogContent>
              Every version goes, and users can no longer find or install it. Existing installations stop working. This cannot be
              undone; you would have to publish the package again.
            </DialogContent>
            <DialogActions>
              <Button onClick={() => setConfirmDelete(false)}>Keep it</Button>
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
