// The org catalog as the Teams admin center's "Manage apps" list: one row per app, sortable by
// every column, the name opens the app's details. Unlike the admin center it shows the
// publishing state of the newest version and how many installations are behind, and says when
// the list is the cache.
import {
  Badge,
  Button,
  Link,
  makeStyles,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from "@fluentui/react-components";
import type { CatalogAppView, Distribution, PublishingState } from "../../ipc/catalog";
import { compareVersions } from "../installs/format";

const useStyles = makeStyles({
  // One scroll area (the page's): the table never scrolls inside it; long names wrap.
  table: { tableLayout: "auto", width: "100%" },
  name: { overflowWrap: "anywhere", minWidth: "160px" },
  muted: { color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
  nowrap: { whiteSpace: "nowrap" },
});

// A Fluent badge is one 20px line; a long label ("Submitted, waiting for review", "Custom app
// (your org)") in a narrow column (1024 px window) spilled out of it over the row. These badges
// grow to as many lines as their label needs instead.
export const useBadgeStyles = makeStyles({
  wrap: {
    height: "auto",
    minHeight: "20px",
    whiteSpace: "normal",
    textAlign: "start",
    lineHeight: tokens.lineHeightBase200,
    paddingTop: "1px",
    paddingBottom: "1px",
    maxWidth: "100%",
    borderRadius: tokens.borderRadiusMedium,
  },
});

export type SortKey = "name" | "publisher" | "distribution" | "version" | "state" | "updated";
export interface Sort {
  key: SortKey;
  dir: "ascending" | "descending";
}

export const stateColor: Record<PublishingState, "success" | "warning" | "danger" | "subtle"> = {
  published: "success",
  submitted: "warning",
  rejected: "danger",
  unknown: "subtle",
};

export const stateLabel: Record<PublishingState, string> = {
  published: "Published",
  submitted: "Submitted, waiting for review",
  rejected: "Rejected",
  unknown: "Unknown",
};

/** Where an app comes from, in the Teams admin center's words. */
export const distributionLabel: Record<Distribution, string> = {
  organization: "Custom app (your org)",
  store: "Teams Store",
  sideloaded: "Uploaded to a team",
  unknown: "Other",
};

export function distributionOf(v: CatalogAppView): string {
  return distributionLabel[v.distribution];
}

/**
 * Where the app comes from as a badge: only org apps can be published, reviewed or deleted
 * through Graph, so the others stand out.
 */
export function DistributionBadge({ view }: { view: CatalogAppView }) {
  const badge = useBadgeStyles();
  return (
    <Badge
      className={badge.wrap}
      appearance={view.canPublish ? "outline" : "tint"}
      color={view.canPublish ? "informative" : "brand"}
      data-testid="catalog-distribution"
      data-distribution={view.distribution}
    >
      {distributionOf(view)}
    </Badge>
  );
}

/**
 * Microsoft Graph does not return an app's publisher (the manifest's developer name): an org
 * app is published by your organization; for the others, say that it is not known here.
 */
export function publisherOf(v: CatalogAppView): string {
  const raw = ((v.app as { publisher?: string | null }).publisher ?? "").trim();
  if (raw) return raw;
  return v.distribution === "organization" ? "Your organization" : "Not given by Microsoft Graph";
}

/** The newest definition: what the admin center shows as the app's version and state. */
export function newestDefinition(v: CatalogAppView) {
  return [...v.app.definitions].sort((a, b) => compareVersions(b.version, a.version))[0] ?? null;
}

export function lastUpdated(v: CatalogAppView): string | null {
  const times = v.app.definitions.map((d) => d.lastModified).filter((t): t is string => !!t);
  const sorted = times.sort();
  return sorted[sorted.length - 1] ?? null;
}

function sortValue(v: CatalogAppView, key: SortKey): string {
  switch (key) {
    case "name":
      return v.app.displayName.toLowerCase();
    case "publisher":
      return publisherOf(v).toLowerCase();
    case "distribution":
      return distributionOf(v).toLowerCase();
    case "state":
      return newestDefinition(v)?.publishingState ?? "";
    case "updated":
      return lastUpdated(v) ?? "";
    case "version":
      return newestDefinition(v)?.version ?? "";
  }
}

export function sortApps(apps: CatalogAppView[], sort: Sort): CatalogAppView[] {
  const sign = sort.dir === "ascending" ? 1 : -1;
  return [...apps].sort((a, b) => {
    const x = sortValue(a, sort.key);
    const y = sortValue(b, sort.key);
    const c = sort.key === "version" ? compareVersions(x || "0", y || "0") : x.localeCompare(y);
    return sign * c || a.app.displayName.localeCompare(b.app.displayName);
  });
}

const columns: { key: SortKey; label: string }[] = [
  { key: "name", label: "Name" },
  { key: "publisher", label: "Publisher" },
  { key: "distribution", label: "Distribution" },
  { key: "version", label: "Version" },
  { key: "state", label: "Publishing state" },
  { key: "updated", label: "Last updated" },
];

/** "1 installation", "5 installations". */
export function installations(n: number): string {
  return `${n} installation${n === 1 ? "" : "s"}`;
}

/**
 * Installations (teams, chats, users) below the published version that can be upgraded, from
 * the inventory cache. Archived teams are left out: Teams refuses changes there.
 */
export function installsBehind(v: CatalogAppView): number {
  const published = v.publishedVersion;
  if (!published) return 0;
  return v.installed
    .filter((i) => compareVersions(i.version, published) < 0)
    .reduce((n, i) => n + i.count - (i.archived ?? 0), 0);
}

/**
 * "Upgrade N outdated installations": hands the bulk upgrade of exactly the installations
 * below the published version to the Installations page.
 */
export function UpgradeOutdatedButton({
  view,
  onUpgradeOutdated,
}: {
  view: CatalogAppView;
  onUpgradeOutdated?: (appId: string, published: string) => void;
}) {
  const badge = useBadgeStyles();
  const behind = installsBehind(view);
  const published = view.publishedVersion;
  if (behind <= 0 || !published || !onUpgradeOutdated) return null;
  return (
    <Button
      appearance="primary"
      size="small"
      className={badge.wrap}
      onClick={() => onUpgradeOutdated(view.app.id, published)}
      data-testid="catalog-upgrade-outdated"
      data-count={behind}
    >
      Upgrade {behind} outdated {behind === 1 ? "installation" : "installations"}
    </Button>
  );
}

export function CatalogTable({
  apps,
  sort,
  onSort,
  onOpen,
  onUpgradeOutdated,
}: {
  apps: CatalogAppView[];
  sort: Sort;
  onSort: (s: Sort) => void;
  onOpen: (id: string) => void;
  /** Absent where the page cannot go to the Installations page (no offer then). */
  onUpgradeOutdated?: (appId: string, published: string) => void;
}) {
  const styles = useStyles();
  const badge = useBadgeStyles();
  const header = (key: SortKey) => ({
    sortDirection: sort.key === key ? sort.dir : undefined,
    onClick: () => onSort({ key, dir: sort.key === key && sort.dir === "ascending" ? "descending" : "ascending" }),
  });
  return (
    <Table sortable aria-label="Apps in your org catalog" className={styles.table} data-testid="catalog-table">
      <TableHeader>
        <TableRow>
          {columns.map((c) => (
            <TableHeaderCell key={c.key} {...header(c.key)} data-testid={`catalog-sort-${c.key}`}>
              {c.label}
            </TableHeaderCell>
          ))}
        </TableRow>
      </TableHeader>
      <TableBody>
        {sortApps(apps, sort).map((v) => {
          const newest = newestDefinition(v);
          const updated = lastUpdated(v);
          return (
            <TableRow key={v.app.id} data-testid={`catalog-row-${v.app.externalId ?? v.app.id}`} data-name={v.app.displayName}>
              <TableCell className={styles.name}>
                <Link onClick={() => onOpen(v.app.id)} data-testid="catalog-open">
                  {v.app.displayName}
                </Link>
                {/* The offer says how many are behind; without it (no way to the Installations page), the text does. */}
                {v.update.installsBehind > 0 && !onUpgradeOutdated && (
                  <Text block className={styles.muted}>
                    {installations(v.update.installsBehind)} behind {v.publishedVersion}
                  </Text>
                )}
                <UpgradeOutdatedButton view={v} onUpgradeOutdated={onUpgradeOutdated} />
              </TableCell>
              <TableCell>{publisherOf(v)}</TableCell>
              <TableCell>
                <DistributionBadge view={v} />
              </TableCell>
              <TableCell className={styles.nowrap} data-testid="catalog-row-version">
                {newest?.version ?? "—"}
              </TableCell>
              <TableCell>
                {newest ? (
                  <Badge
                    appearance="tint"
                    color={stateColor[newest.publishingState]}
                    className={badge.wrap}
                    data-testid="catalog-row-state"
                  >
                    {stateLabel[newest.publishingState]}
                  </Badge>
                ) : (
                  "—"
                )}
              </TableCell>
              <TableCell className={styles.nowrap}>{updated ? new Date(updated).toLocaleDateString() : "—"}</TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
