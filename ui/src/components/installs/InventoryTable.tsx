import { useCallback, useEffect, useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { Badge, Checkbox, makeStyles, Text, tokens, Tooltip } from "@fluentui/react-components";
import type { ApiError } from "../../ipc";
import { installsIpc, type InventoryQuery, type InventoryRow } from "../../ipc/installs";
import { isOlder, kindSingular } from "./format";

const PAGE = 200;
const ROW_HEIGHT = 40;

const useStyles = makeStyles({
  scroller: {
    height: "420px",
    overflowY: "auto",
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  header: {
    display: "grid",
    gridTemplateColumns: "40px minmax(180px, 2fr) 70px 150px minmax(160px, 2fr)",
    alignItems: "center",
    height: "32px",
    paddingInline: tokens.spacingHorizontalS,
    fontWeight: tokens.fontWeightSemibold,
    color: tokens.colorNeutralForeground2,
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
    position: "sticky",
    top: 0,
    zIndex: 1,
    backgroundColor: tokens.colorNeutralBackground2,
  },
  row: {
    display: "grid",
    gridTemplateColumns: "40px minmax(180px, 2fr) 70px 150px minmax(160px, 2fr)",
    alignItems: "center",
    position: "absolute",
    left: 0,
    right: 0,
    paddingInline: tokens.spacingHorizontalS,
    borderBottom: `1px solid ${tokens.colorNeutralStroke3}`,
  },
  name: { overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" },
  detail: { color: tokens.colorNeutralForeground3, marginInlineStart: tokens.spacingHorizontalS },
  facts: { display: "flex", gap: tokens.spacingHorizontalXS, flexWrap: "nowrap", overflow: "hidden" },
  footer: { color: tokens.colorNeutralForeground3, marginTop: tokens.spacingVerticalXS },
});

export const rowKey = (r: { kind: string; id: string }) => `${r.kind}:${r.id}`;

/**
 * The inventory, virtualised: only visible rows are in the DOM, and pages of rows are read
 * from SQLite (`installs_query`) as they scroll into view, so tens of thousands stay smooth.
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
}: {
  appId: string;
  query: Omit<InventoryQuery, "offset" | "limit">;
  reloadKey: number;
  published: string | null;
  selected: Set<string>;
  onToggle: (row: InventoryRow, on: boolean) => void;
  onTotal: (total: number) => void;
  onError: (e: ApiError) => void;
}) {
  const styles = useStyles();
  const scroller = useRef<HTMLDivElement>(null);
  const [total, setTotal] = useState(0);
  const [pages, setPages] = useState<Map<number, InventoryRow[]>>(new Map());
  const requested = useRef<Set<number>>(new Set());
  const generation = useRef(0);
  const queryText = JSON.stringify(query);

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
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    // jsdom (tests) has no layout; a real window measures itself.
    initialRect: { width: 900, height: 420 },
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (total === 0) return;
    for (let p = Math.floor(first / PAGE); p <= Math.floor(last / PAGE); p++) load(p);
  }, [first, last, total, load]);

  return (
    <div>
      <div ref={scroller} className={styles.scroller} data-testid="inventory-table" role="grid" aria-rowcount={total}>
        <div className={styles.header} role="row">
          <span />
          <span role="columnheader">Name</span>
          <span role="columnheader">Kind</span>
          <span role="columnheader">Bot</span>
          <span role="columnheader">Facts</span>
        </div>
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {items.map((v) => {
            const row = pages.get(Math.floor(v.index / PAGE))?.[v.index % PAGE];
            return (
              <div
                key={v.key}
                className={styles.row}
                role="row"
                aria-rowindex={v.index + 1}
                style={{ top: v.start, height: ROW_HEIGHT }}
                data-testid={row ? `row-${row.id}` : undefined}
                data-state={row?.state}
                data-version={row?.version ?? ""}
              >
                {row ? <Row row={row} published={published} selected={selected.has(rowKey(row))} onToggle={onToggle} /> : <Text>Loading…</Text>}
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

function Row({
  row,
  published,
  selected,
  onToggle,
}: {
  row: InventoryRow;
  published: string | null;
  selected: boolean;
  onToggle: (row: InventoryRow, on: boolean) => void;
}) {
  const styles = useStyles();
  const outdated = row.state === "installed" && !!row.version && isOlder(row.version, published);
  return (
    <>
      <Checkbox
        checked={selected}
        onChange={(_, d) => onToggle(row, !!d.checked)}
        aria-label={`Select ${row.displayName}`}
        data-testid={`select-${row.id}`}
      />
      <span className={styles.name} role="gridcell">
        <Text weight="semibold">{row.displayName}</Text>
        {row.detail && (
          <Text size={200} className={styles.detail}>
            {row.detail}
          </Text>
        )}
      </span>
      <Text role="gridcell">{kindSingular[row.kind]}</Text>
      <span role="gridcell">
        {row.state === "installed" && (
          <Badge appearance="tint" color={outdated ? "warning" : "success"} data-testid="row-version">
            {row.version ?? "installed"}
            {outdated ? " (old)" : ""}
          </Badge>
        )}
        {row.state === "not_installed" && <Badge appearance="outline" color="informative">not installed</Badge>}
        {row.state === "unknown" && <Badge appearance="outline" color="subtle">not read yet</Badge>}
        {row.state === "failed" && (
          <Tooltip content={row.errorMessage ?? "The read failed"} relationship="description">
            <Badge appearance="tint" color="danger">
              read failed{row.errorStatus ? ` (${row.errorStatus})` : ""}
            </Badge>
          </Tooltip>
        )}
      </span>
      <span className={styles.facts} role="gridcell">
        {row.archived && <Badge appearance="outline">archived</Badge>}
        {row.kind === "team" && row.generalChannel === null && row.privateChannels !== null && (
          <Badge appearance="outline" color="warning">no General channel found</Badge>
        )}
        {(row.privateChannels ?? 0) > 0 && (
          <Tooltip content="Bots are not supported in private channels; the team install still works in standard channels." relationship="description">
            <Badge appearance="outline" color="informative">{row.privateChannels} private ch.</Badge>
          </Tooltip>
        )}
        {(row.sharedChannels ?? 0) > 0 && (
          <Tooltip content="Bots are not supported in shared channels; the team install still works in standard channels." relationship="description">
            <Badge appearance="outline" color="informative">{row.sharedChannels} shared ch.</Badge>
          </Tooltip>
        )}
      </span>
    </>
  );
}
