import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import {
  Badge,
  Button,
  Checkbox,
  makeStyles,
  Menu,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  Text,
  tokens,
  Tooltip,
} from "@fluentui/react-components";
import { ArrowSortDownRegular, ArrowSortUpRegular, MoreHorizontalRegular } from "@fluentui/react-icons";
import type { ApiError } from "../../ipc";
import type { BulkAction, InventorySort } from "../../ipc/installs";
import { installsIpc, type InventoryQuery, type InventoryRow } from "../../ipc/installs";
import { ago, isOlder, kindSingular } from "./format";

const PAGE = 200;
const ROW_HEIGHT = 40;
const HEADER_HEIGHT = 34;
const COLUMNS = "44px minmax(160px, 2fr) 64px 150px 96px minmax(120px, 1.5fr) 48px";

const useStyles = makeStyles({
  table: {
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  // Sticks to the top of the page's own scroll area: the page scrolls, the table does not.
  headerGroup: { position: "sticky", top: 0, zIndex: 1 },
  header: {
    display: "grid",
    gridTemplateColumns: COLUMNS,
    alignItems: "center",
    height: `${HEADER_HEIGHT}px`,
    paddingInline: tokens.spacingHorizontalS,
    fontWeight: tokens.fontWeightSemibold,
    color: tokens.colorNeutralForeground2,
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
    backgroundColor: tokens.colorNeutralBackground2,
  },
  sortButton: { minWidth: 0, paddingInline: tokens.spacingHorizontalXS, fontWeight: tokens.fontWeightSemibold, justifyContent: "start" },
  row: {
    display: "grid",
    gridTemplateColumns: COLUMNS,
    alignItems: "center",
    position: "absolute",
    left: 0,
    right: 0,
    paddingInline: tokens.spacingHorizontalS,
    borderBottom: `1px solid ${tokens.colorNeutralStroke3}`,
    // A row reached with Tab or scrolled into view is never left under the sticky header.
    scrollMarginTop: `${HEADER_HEIGHT + 8}px`,
  },
  cell: { overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap", minWidth: 0 },
  detail: { color: tokens.colorNeutralForeground3, marginInlineStart: tokens.spacingHorizontalS },
  facts: { display: "flex", gap: tokens.spacingHorizontalXS, flexWrap: "nowrap", overflow: "hidden" },
  footer: { color: tokens.colorNeutralForeground3, marginTop: tokens.spacingVerticalXS },
  muted: { color: tokens.colorNeutralForeground3 },
  hidden: { position: "absolute", width: "1px", height: "1px", overflow: "hidden", clipPath: "inset(50%)", whiteSpace: "nowrap" },
});

export const rowKey = (r: { kind: string; id: string }) => `${r.kind}:${r.id}`;

export type Filter = Omit<InventoryQuery, "offset" | "limit">;

/** The first element above `el` that scrolls (the app's main area in the window). */
function scrollParent(el: HTMLElement | null): HTMLElement | null {
  for (let p = el?.parentElement ?? null; p; p = p.parentElement) {
    const overflow = getComputedStyle(p).overflowY;
    if (overflow === "auto" || overflow === "scroll") return p;
  }
  return (document.scrollingElement as HTMLElement | null) ?? document.documentElement;
}

const columns: { sort: InventorySort | null; label: string }[] = [
  { sort: "name", label: "Name" },
  { sort: "kind", label: "Kind" },
  { sort: "version", label: "Bot" },
  { sort: "checked", label: "Last read" },
  { sort: null, label: "Facts" },
];

/**
 * The inventory, virtualised: only visible rows are in the DOM, and pages of rows are read
 * from SQLite (`installs_query`) as they scroll into view, so tens of thousands stay smooth.
 * It scrolls with the page (one scroll area), its header sticks, its columns sort, and each
 * row has its own install / upgrade / remove.
 */
export function InventoryTable({
  appId,
  query,
  reloadKey,
  published,
  selected,
  onToggle,
  onTotal,
  onError,
  onSort,
  onRowAction,
}: {
  appId: string;
  query: Filter;
  reloadKey: number;
  published: string | null;
  selected: Set<string>;
  onToggle: (row: InventoryRow, on: boolean) => void;
  onTotal: (total: number) => void;
  onError: (e: ApiError) => void;
  onSort: (sort: InventorySort, descending: boolean) => void;
  onRowAction: (row: InventoryRow, action: BulkAction) => void;
}) {
  const styles = useStyles();
  const body = useRef<HTMLDivElement>(null);
  const [scroller, setScroller] = useState<HTMLElement | null>(null);
  const [margin, setMargin] = useState(0);
  const [total, setTotal] = useState(0);
  const [pages, setPages] = useState<Map<number, InventoryRow[]>>(new Map());
  const requested = useRef<Set<number>>(new Set());
  const generation = useRef(0);
  const queryText = JSON.stringify(query);

  // Where the rows start inside the page's scroll area (what is above them moves it).
  useLayoutEffect(() => {
    const parent = scrollParent(body.current);
    setScroller(parent);
    if (!parent || !body.current) return;
    const measure = () => {
      if (!body.current) return;
      const top = body.current.getBoundingClientRect().top - parent.getBoundingClientRect().top + parent.scrollTop;
      setMargin((m) => (Math.abs(m - top) > 0.5 ? top : m));
    };
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(measure);
    observer.observe(parent);
    if (parent.firstElementChild) observer.observe(parent.firstElementChild);
    return () => observer.disconnect();
  }, []);

  const load = useCallback(
    (page: number) => {
      if (requested.current.has(page)) return;
      requested.current.add(page);
      const gen = generation.current;
      const q: InventoryQuery = { ...JSON.parse(queryText), offset: page * PAGE, limit: PAGE };
      installsIpc.query(appId, q).then(
        (result) => {
          if (gen !== generation.current) return; // an older filter's answer
          setTotal(result.total);
          onTotal(result.total);
          setPages((prev) => new Map(prev).set(page, result.rows));
        },
        (err) => {
          requested.current.delete(page);
          onError(err as ApiError);
        },
      );
    },
    [appId, queryText, onTotal, onError],
  );

  useEffect(() => {
    generation.current += 1;
    requested.current = new Set();
    setPages(new Map());
    load(0);
  }, [load, reloadKey]);

  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scroller,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    scrollMargin: margin,
    // jsdom (tests) has no layout; a real window measures itself.
    initialRect: { width: 900, height: 600 },
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (total === 0) return;
    for (let p = Math.floor(first / PAGE); p <= Math.floor(last / PAGE); p++) load(p);
  }, [first, last, total, load]);

  const sortBy = (sort: InventorySort) => {
    // A second click on the same column turns it around; a new column starts ascending
    // (versions and read times start with the newest).
    const fresh = query.sort !== sort;
    const descending = fresh ? sort === "version" || sort === "checked" : !query.descending;
    onSort(sort, descending);
  };

  return (
    <div>
      <div className={styles.table} data-testid="inventory-table" role="table" aria-label="Installations" aria-rowcount={total + 1}>
        <div role="rowgroup" className={styles.headerGroup}>
          <div role="row" className={styles.header} aria-rowindex={1}>
            <span role="columnheader">
              <span className={styles.hidden}>Select</span>
            </span>
            {columns.map((c) => {
              const active = !!c.sort && query.sort === c.sort;
              const dir = active ? (query.descending ? "descending" : "ascending") : "none";
              return (
                <span key={c.label} role="columnheader" aria-sort={c.sort ? dir : undefined} className={styles.cell}>
                  {c.sort ? (
                    <Button
                      appearance="transparent"
                      size="small"
                      className={styles.sortButton}
                      onClick={() => c.sort && sortBy(c.sort)}
                      icon={active ? query.descending ? <ArrowSortDownRegular /> : <ArrowSortUpRegular /> : undefined}
                      iconPosition="after"
                      data-testid={`sort-${c.sort}`}
                      data-sort={dir}
                    >
                      {c.label}
                    </Button>
                  ) : (
                    c.label
                  )}
                </span>
              );
            })}
            <span role="columnheader">
              <span className={styles.hidden}>Actions</span>
            </span>
          </div>
        </div>
        <div ref={body} role="rowgroup" style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {items.map((v) => {
            const row = pages.get(Math.floor(v.index / PAGE))?.[v.index % PAGE];
            return (
              <div
                key={v.key}
                className={styles.row}
                role="row"
                aria-rowindex={v.index + 2}
                style={{ top: v.start - margin, height: ROW_HEIGHT }}
                data-testid={row ? `row-${row.id}` : undefined}
                data-state={row?.state}
                data-version={row?.version ?? ""}
              >
                {row ? (
                  <Row row={row} published={published} selected={selected.has(rowKey(row))} onToggle={onToggle} onAction={onRowAction} />
                ) : (
                  <span role="cell" style={{ gridColumn: "1 / -1" }}>
                    <Text className={styles.muted}>Loading…</Text>
                  </span>
                )}
              </div>
            );
          })}
        </div>
      </div>
      <Text size={200} className={styles.footer} data-testid="inventory-count">
        {total.toLocaleString()} {total === 1 ? "row" : "rows"}
      </Text>
    </div>
  );
}

/** What the row's menu offers: only the changes that can apply to it. */
export function rowActions(row: InventoryRow, published: string | null): BulkAction[] {
  if (row.state === "installed") {
    const outdated = !!row.version && isOlder(row.version, published);
    return outdated ? ["upgrade", "uninstall"] : ["uninstall"];
  }
  if (row.state === "not_installed") return row.archived ? [] : ["install"];
  // Not read yet or the read failed: the plan re-checks; installing is the likely wish.
  return row.archived ? [] : ["install"];
}

const actionText: Record<BulkAction, string> = { install: "Install here", upgrade: "Upgrade here", uninstall: "Remove from here" };

function Row({
  row,
  published,
  selected,
  onToggle,
  onAction,
}: {
  row: InventoryRow;
  published: string | null;
  selected: boolean;
  onToggle: (row: InventoryRow, on: boolean) => void;
  onAction: (row: InventoryRow, action: BulkAction) => void;
}) {
  const styles = useStyles();
  const outdated = row.state === "installed" && !!row.version && isOlder(row.version, published);
  const actions = rowActions(row, published);
  const checkedSecs = row.checkedAt ? Math.max(0, (Date.now() - Date.parse(row.checkedAt)) / 1000) : null;
  return (
    <>
      <span role="cell">
        <Checkbox
          checked={selected}
          onChange={(_, d) => onToggle(row, !!d.checked)}
          aria-label={`Select ${row.displayName}`}
          data-testid={`select-${row.id}`}
        />
      </span>
      <span className={styles.cell} role="cell">
        {/* One line per row (rows are 40 px): long names end in "…", the full name is in the title. */}
        <Text weight="semibold" wrap={false} title={row.detail ? `${row.displayName} — ${row.detail}` : row.displayName}>
          {row.displayName}
        </Text>
        {row.detail && (
          <Text size={200} wrap={false} className={styles.detail}>
            {row.detail}
          </Text>
        )}
      </span>
      <span role="cell">
        <Text>{kindSingular[row.kind]}</Text>
      </span>
      <span role="cell">
        {row.state === "installed" && (
          <Badge appearance="tint" color={outdated ? "warning" : "success"} data-testid="row-version">
            {row.version ?? "installed"}
            {outdated ? " (outdated)" : ""}
          </Badge>
        )}
        {row.state === "not_installed" && (
          <Badge appearance="outline" color="informative">
            not installed
          </Badge>
        )}
        {row.state === "unknown" && (
          <Badge appearance="outline" color="subtle">
            not read yet
          </Badge>
        )}
        {row.state === "failed" && (
          <Tooltip content={row.errorMessage ?? "The read failed"} relationship="description">
            <Badge appearance="tint" color="danger">
              read failed{row.errorStatus ? ` (${row.errorStatus})` : ""}
            </Badge>
          </Tooltip>
        )}
      </span>
      <span role="cell" className={styles.cell}>
        <Text size={200} className={styles.muted}>
          {checkedSecs === null ? "—" : ago(checkedSecs)}
        </Text>
      </span>
      <span className={styles.facts} role="cell">
        {row.archived && <Badge appearance="outline">archived</Badge>}
        {row.kind === "team" && row.generalChannel === null && row.privateChannels !== null && (
          <Badge appearance="outline" color="warning">
            no General channel found
          </Badge>
        )}
        {(row.privateChannels ?? 0) > 0 && (
          <Tooltip content="Bots are not supported in private channels; the team install still works in standard channels." relationship="description">
            <Badge appearance="outline" color="informative">
              {row.privateChannels} private ch.
            </Badge>
          </Tooltip>
        )}
        {(row.sharedChannels ?? 0) > 0 && (
          <Tooltip content="Bots are not supported in shared channels; the team install still works in standard channels." relationship="description">
            <Badge appearance="outline" color="informative">
              {row.sharedChannels} shared ch.
            </Badge>
          </Tooltip>
        )}
      </span>
      <span role="cell">
        {actions.length > 0 && (
          <Menu>
            <MenuTrigger disableButtonEnhancement>
              <Button
                appearance="subtle"
                size="small"
                icon={<MoreHorizontalRegular />}
                aria-label={`Change ${row.displayName}`}
                data-testid={`row-actions-${row.id}`}
              />
            </MenuTrigger>
            <MenuPopover>
              <MenuList>
                {actions.map((a) => (
                  <MenuItem key={a} onClick={() => onAction(row, a)} data-testid={`row-${a}-${row.id}`}>
                    {actionText[a]}
                  </MenuItem>
                ))}
              </MenuList>
            </MenuPopover>
          </Menu>
        )}
      </span>
    </>
  );
}
