import { useEffect, useState } from "react";
import { Badge, Card, CardHeader, Link as FluentLink, makeStyles, Text, tokens } from "@fluentui/react-components";
import { linksIpc, type LinkCounts, type LinkState } from "../../ipc/links";
import type { PageId } from "../../pages/registry";
import { openLinksFiltered } from "./linksFilter";

const useStyles = makeStyles({
  body: { display: "grid", gap: tokens.spacingVerticalS, paddingInline: tokens.spacingHorizontalXS },
  counts: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
  next: { justifySelf: "start" },
});

/**
 * The Overview's link health: how many links work, wait for their command, or are broken,
 * and the one thing to do next. Each count opens the Links page filtered on it. Renders
 * nothing until there is a link (no placeholder numbers).
 */
export function LinkHealthCard({ onNavigate }: { onNavigate: (p: PageId) => void }) {
  const styles = useStyles();
  const [counts, setCounts] = useState<LinkCounts | null>(null);
  useEffect(() => {
    let live = true;
    linksIpc
      .overview()
      .then((o) => live && setCounts(o.counts))
      .catch(() => live && setCounts(null));
    return () => {
      live = false;
    };
  }, []);
  if (!counts || counts.linked + counts.awaiting + counts.broken + counts.planned === 0) return null;
  const go = (state: LinkState) => {
    openLinksFiltered(state);
    onNavigate("links");
  };
  const next =
    counts.broken > 0
      ? { state: "broken" as const, text: `Fix ${counts.broken} broken link${counts.broken === 1 ? "" : "s"}: each says why and how` }
      : counts.awaiting > 0
        ? { state: "awaiting" as const, text: `Check for the bot's reply on ${counts.awaiting} awaiting link${counts.awaiting === 1 ? "" : "s"}` }
        : counts.planned > 0
          ? { state: "planned" as const, text: `Finish ${counts.planned} planned link${counts.planned === 1 ? "" : "s"}` }
          : null;
  const chip = (state: LinkState, n: number, color: "success" | "warning" | "danger" | "informative", words: string) => (
    <FluentLink onClick={() => go(state)} data-testid={`overview-links-${state}`} aria-label={`${n} ${words}: show them on the Links page`}>
      <Badge appearance="tint" color={color}>
        {n} {words}
      </Badge>
    </FluentLink>
  );
  return (
    <Card data-testid="overview-links">
      <CardHeader header={<Text weight="semibold">Link health</Text>} description="Teams, chats and users linked to the bot's integrations" />
      <div className={styles.body}>
        <div className={styles.counts}>
          {chip("linked", counts.linked, "success", "linked")}
          {chip("awaiting", counts.awaiting, "warning", "awaiting")}
          {chip("broken", counts.broken, "danger", "broken")}
        </div>
        {next ? (
          <FluentLink className={styles.next} onClick={() => go(next.state)} data-testid="overview-links-next">
            {next.text}
          </FluentLink>
        ) : (
          <Text>Every link works.</Text>
        )}
      </div>
    </Card>
  );
}
