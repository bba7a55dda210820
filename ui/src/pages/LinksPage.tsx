import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  Badge,
  Button,
  Card,
  CardHeader,
  Checkbox,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarBody,
  ProgressBar,
  Select,
  Spinner,
  Tab,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  TabList,
  Text,
  Textarea,
  tokens,
} from "@fluentui/react-components";
import type { ApiError, Feature } from "../ipc";
import { ipc } from "../ipc";
import {
  linksIpc,
  type Link,
  type LinkFileFormat,
  type LinkImportReport,
  type LinkPreparedTarget,
  type LinkState,
  type LinkTargetInput,
  type LinkTargetKind,
  type LinksOverview,
  type LinksRemoveResult,
  type LinkDisconnectOutcome,
} from "../ipc/links";
import { ConsentPrompt } from "../components/installs/ConsentPrompt";
import { TargetPicker, targetKey } from "../components/links/TargetPicker";
import { ReachDialog } from "../components/links/ReachDialog";
import { VendorDialog } from "../components/links/VendorDialog";
import { takeLinksFilter } from "../components/links/linksFilter";
import { useEscape } from "../components/a11y/useEscape";
import { useReturnFocus } from "../components/a11y/useReturnFocus";
import { useBadgeStyles } from "../components/catalog/CatalogTable";
import { count } from "../components/plural";
import { installsIpc } from "../ipc/installs";
import type { RunProgress } from "../ipc/bindings/RunProgress";

const useStyles = makeStyles({
  page: { display: "grid", gap: tokens.spacingVerticalL },
  row: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap", alignItems: "center" },
  counts: { display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(130px, 1fr))", gap: tokens.spacingHorizontalM },
  bar: { display: "flex", height: "14px", borderRadius: tokens.borderRadiusMedium, overflow: "hidden", background: tokens.colorNeutralBackground3 },
  map: { display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(280px, 1fr))", gap: tokens.spacingHorizontalM },
  chips: { display: "flex", flexWrap: "wrap", gap: tokens.spacingHorizontalXS },
  command: { fontFamily: tokens.fontFamilyMonospace, padding: tokens.spacingHorizontalS, background: tokens.colorNeutralBackground3, borderRadius: tokens.borderRadiusMedium, overflowWrap: "anywhere" },
  findings: { margin: 0, paddingInlineStart: tokens.spacingHorizontalL },
});

const stateColor: Record<LinkState, "success" | "warning" | "danger" | "informative" | "subtle"> = {
  linked: "success",
  awaiting: "warning",
  broken: "danger",
  planned: "informative",
  unlinked: "subtle",
};

const stateWords: Record<LinkState, string> = {
  linked: "Linked",
  awaiting: "Awaiting the command",
  broken: "Broken",
  planned: "Planned",
  unlinked: "Unlinked",
};

const barColor: Record<LinkState, string> = {
  linked: tokens.colorPaletteGreenBackground3,
  awaiting: tokens.colorPaletteYellowBackground3,
  broken: tokens.colorPaletteRedBackground3,
  planned: tokens.colorPaletteBlueBackground2,
  unlinked: tokens.colorNeutralBackground5,
};

type View = "integration" | "team" | "user";

function evidenceText(l: Link): string {
  const e = l.evidence;
  if (!e) return "";
  switch (e.kind) {
    case "reply_seen":
      return `Bot's reply seen at ${e.at}`;
    case "confirmed":
      return `Confirmed by ${e.by ?? "an admin"} at ${e.at}`;
    default:
      return `Imported ${e.at}`;
  }
}

function StateBadge({ state }: { state: LinkState }) {
  // "Awaiting the command" is longer than a badge's one 20 px line in a narrow column.
  const badge = useBadgeStyles();
  return (
    <Badge appearance="filled" color={stateColor[state]} className={badge.wrap} data-testid="link-state">
      {stateWords[state]}
    </Badge>
  );
}

function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

export function LinksPage() {
  const styles = useStyles();
  const [overview, setOverview] = useState<LinksOverview | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  // The health check's "checking links" done/total while it runs; Cancel stops it between links.
  const [healthProgress, setHealthProgress] = useState<RunProgress | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [consent, setConsent] = useState<{ error: ApiError; feature: Feature } | null>(null);
  const [view, setView] = useState<View>("integration");
  const [text, setText] = useState("");
  const [stateFilter, setStateFilter] = useState<LinkState | "">("");
  const [wizardOpen, setWizardOpen] = useState(false);
  const [wizardRound, setWizardRound] = useState(0);
  const [unlinking, setUnlinking] = useState<Link | null>(null);
  const [disconnecting, setDisconnecting] = useState<Link | null>(null);
  const [importOpen, setImportOpen] = useState(false);
  const [reachOpen, setReachOpen] = useState(false);
  const [vendorOpen, setVendorOpen] = useState(false);

  // The Overview's link-health card opens the page on one state ("broken", "awaiting").
  useEffect(() => {
    const wanted = takeLinksFilter();
    if (wanted) setStateFilter(wanted);
  }, []);

  const load = useCallback(async () => {
    try {
      setOverview(await linksIpc.overview());
      setError(null);
    } catch (e) {
      setError(e as ApiError);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const run = async (label: string, work: () => Promise<string | void>) => {
    setBusy(label);
    setNotice(null);
    try {
      const message = await work();
      if (message) setNotice(message);
      setError(null);
      await load();
    } catch (e) {
      const err = e as ApiError;
      if (err.code === "consent_required" || err.code === "sign_in_required") setConsent({ error: err, feature: featureOf[label] ?? "read_tenant" });
      else setError(err);
    } finally {
      setBusy(null);
    }
  };

  const links = useMemo(() => {
    const all = overview?.links ?? [];
    const needle = text.trim().toLowerCase();
    return all.filter(
      (l) =>
        (!stateFilter || l.state === stateFilter) &&
        (!needle ||
          [l.targetName, l.teamName ?? "", l.integration.name, l.integration.externalId, l.teamId ?? "", l.chatId ?? "", l.userId ?? ""].some((v) =>
            v.toLowerCase().includes(needle),
          )),
    );
  }, [overview, text, stateFilter]);

  const groups = useMemo(() => {
    const out = new Map<string, { title: string; links: Link[] }>();
    for (const l of links) {
      let key: string;
      let title: string;
      if (view === "integration") {
        key = l.integration.id;
        title = `${l.integration.name} — ${l.integration.vendor}${l.integration.account ? ` (${l.integration.account})` : ""}`;
      } else if (view === "team") {
        if (!l.teamId && !l.viaTeamId) continue;
        key = l.teamId ?? l.viaTeamId ?? "";
        title = l.teamName ?? key;
      } else {
        if (l.kind !== "user") continue;
        key = l.userId ?? "";
        title = l.targetName;
      }
      const g = out.get(key) ?? { title, links: [] };
      g.links.push(l);
      out.set(key, g);
    }
    return [...out.entries()];
  }, [links, view]);

  const counts = overview?.counts;
  const total = counts ? counts.linked + counts.awaiting + counts.broken + counts.planned : 0;
  const awaiting = (overview?.links ?? []).filter((l) => l.state === "awaiting" && l.kind !== "user").map((l) => l.id);

  const exportAs = (format: LinkFileFormat) =>
    run(`export-${format}`, async () => {
      const body = await linksIpc.exportLinks(format);
      download(`botdeck-links.${format}`, body, format === "csv" ? "text/csv" : "application/json");
      return `Exported ${count(overview?.links.length ?? 0, "link")} as ${format.toUpperCase()}.`;
    });

  if (!overview && !error) return <Spinner label="Reading links…" />;

  return (
    <div className={styles.page} data-testid="links-page">
      {error && (
        <MessageBar intent="error" data-testid="links-error">
          <MessageBarBody>{error.message}</MessageBarBody>
        </MessageBar>
      )}
      {consent && (
        <ConsentPrompt
          feature={consent.feature}
          message={consentWords[consent.feature] ?? consent.error.message}
          onSignedIn={() => setConsent(null)}
        />
      )}
      {notice && (
        <MessageBar intent="success" data-testid="links-notice">
          <MessageBarBody>{notice}</MessageBarBody>
        </MessageBar>
      )}

      {counts && (
        <Card data-testid="links-health">
          <CardHeader header={<Text weight="semibold">Link health</Text>} description={`${count(total, "link")} in use`} />
          <div className={styles.bar} role="img" aria-label={`${counts.linked} linked, ${counts.awaiting} awaiting, ${counts.broken} broken, ${counts.planned} planned`}>
            {(["linked", "awaiting", "broken", "planned"] as LinkState[]).map((s) =>
              counts[s] > 0 ? <div key={s} style={{ width: `${(100 * counts[s]) / Math.max(total, 1)}%`, background: barColor[s] }} /> : null,
            )}
          </div>
          <div className={styles.counts}>
            {(["linked", "awaiting", "broken", "planned"] as LinkState[]).map((s) => (
              <div key={s} data-testid={`count-${s}`}>
                <Text size={600} weight="semibold">
                  {counts[s]}
                </Text>{" "}
                <Text>{stateWords[s].toLowerCase()}</Text>
              </div>
            ))}
          </div>
        </Card>
      )}

      <div className={styles.row}>
        <Button
          appearance="primary"
          onClick={() => {
            // Each opening starts a fresh wizard: targets picked for another vendor must not linger.
            setWizardRound((n) => n + 1);
            setWizardOpen(true);
          }}
          data-testid="link-wizard-open"
        >
          Link targets…
        </Button>
        <Button disabled={!!busy || !overview?.links.length} onClick={() => run("health", async () => {
          setHealthProgress(null);
          try {
            const r = await linksIpc.health([], setHealthProgress);
            return `Checked ${count(r.checked, "link")}: ${r.broken.length} broken, ${r.recovered.length} working again${r.errors.length ? `, ${r.errors.length} could not be checked` : ""}.`;
          } finally {
            setHealthProgress(null);
          }
        })} data-testid="links-health-check">
          {busy === "health"
            ? `Checking${healthProgress && healthProgress.total > 0 ? ` ${healthProgress.done} of ${healthProgress.total}` : ""}…`
            : "Check health"}
        </Button>
        {busy === "health" && (
          <Button onClick={() => void installsIpc.cancel()} data-testid="links-health-cancel">
            Cancel
          </Button>
        )}
        <Button disabled={!!busy || awaiting.length === 0} onClick={() => run("evidence", async () => {
          const r = await linksIpc.evidence(awaiting);
          return r.map((x) => `${x.link.targetName}: ${x.message}`).join(" · ");
        })} data-testid="links-evidence" title={awaiting.length === 0 ? "No team, channel or chat link awaits the bot's reply" : undefined}>
          {busy === "evidence" ? "Reading replies…" : "Check for the bot's reply"}
        </Button>
        <Button disabled={!!busy || !overview?.links.length} onClick={() => exportAs("csv")} data-testid="links-export-csv">
          Export CSV
        </Button>
        <Button disabled={!!busy || !overview?.links.length} onClick={() => exportAs("json")} data-testid="links-export-json">
          Export JSON
        </Button>
        <Button onClick={() => setImportOpen(true)} data-testid="links-import-open">
          Import…
        </Button>
        <Button onClick={() => setReachOpen(true)} data-testid="links-reach-open">
          Reach every member…
        </Button>
        <Button onClick={() => setVendorOpen(true)} data-testid="links-vendor-open">
          Custom vendor…
        </Button>
      </div>

      {overview && overview.integrations.length > 0 && (
        <section aria-label="Map of integrations to their targets">
          <Text as="h2" size={500} weight="semibold">
            Integrations and their targets
          </Text>
          <div className={styles.map} data-testid="links-map">
            {overview.integrations.map((i) => {
              const mine = overview.links.filter((l) => l.integration.id === i.id);
              return (
                <Card key={i.id} data-testid="links-map-integration">
                  <CardHeader header={<Text weight="semibold">{i.name}</Text>} description={`${i.vendor} · ${i.externalId}${i.account ? ` · account ${i.account}` : ""}`} />
                  <div className={styles.chips}>
                    {mine.length === 0 && <Text size={200}>No targets linked.</Text>}
                    {mine.map((l) => (
                      <Badge key={l.id} appearance="tint" color={stateColor[l.state]} title={`${stateWords[l.state]}${l.problemDetail ? ` — ${l.problemDetail}` : ""}`}>
                        {l.kind} · {l.targetName}
                      </Badge>
                    ))}
                  </div>
                </Card>
              );
            })}
          </div>
        </section>
      )}

      <div className={styles.row}>
        <TabList selectedValue={view} onTabSelect={(_, d) => setView(d.value as View)} data-testid="links-view">
          <Tab value="integration">By integration</Tab>
          <Tab value="team">By team</Tab>
          <Tab value="user">By user</Tab>
        </TabList>
        <Field label="Search">
          <Input value={text} onChange={(_, d) => setText(d.value)} placeholder="Team, chat, user or integration" data-testid="links-search" />
        </Field>
        <Field label="State">
          <Select value={stateFilter} onChange={(_, d) => setStateFilter(d.value as LinkState | "")} data-testid="links-state-filter">
            <option value="">Any</option>
            {(["linked", "awaiting", "broken", "planned"] as LinkState[]).map((s) => (
              <option key={s} value={s}>
                {stateWords[s]}
              </option>
            ))}
          </Select>
        </Field>
      </div>

      {overview && overview.links.length === 0 && (
        <MessageBar intent="info">
          <MessageBarBody>
            No links yet. "Link targets…" checks each team, channel, chat or user and gives you the exact command to type in Teams.
          </MessageBarBody>
        </MessageBar>
      )}

      {groups.map(([key, g]) => (
        <Card key={key} data-testid="links-group">
          <CardHeader header={<Text weight="semibold">{g.title}</Text>} />
          <Table size="small" aria-label={g.title}>
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Target</TableHeaderCell>
                <TableHeaderCell>State</TableHeaderCell>
                <TableHeaderCell>Why / evidence</TableHeaderCell>
                <TableHeaderCell>Actions</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {g.links.map((l) => (
                <TableRow
                  key={l.id}
                  data-testid="link-row"
                  data-link-id={l.id}
                  data-state={l.state}
                  data-kind={l.kind}
                  data-name={l.targetName}
                  data-vendor={l.integration.vendor}
                  data-team-id={l.teamId ?? undefined}
                  data-channel-id={l.channelId ?? undefined}
                  data-chat-id={l.chatId ?? undefined}
                  data-user-id={l.userId ?? undefined}
                  data-problem={l.problem ?? undefined}
                >
                  <TableCell>
                    <Text>{l.targetName}</Text>{" "}
                    <Text size={200}>
                      ({l.kind}
                      {view !== "integration" ? ` · ${l.integration.name}` : ""})
                    </Text>
                  </TableCell>
                  <TableCell>
                    <StateBadge state={l.state} />
                  </TableCell>
                  <TableCell>
                    {l.problemDetail ? (
                      <Text data-testid="link-problem">
                        {l.problemDetail}
                        {l.fix ? ` — fix: ${fixWords[l.fix]}` : ""}
                      </Text>
                    ) : (
                      <Text size={200}>{evidenceText(l) || (l.command ? `Type: ${l.command}` : "")}</Text>
                    )}
                  </TableCell>
                  <TableCell>
                    <div className={styles.row}>
                      {(l.state === "awaiting" || l.state === "planned") && (
                        <Button size="small" onClick={() => run("confirm", async () => {
                          await linksIpc.confirm(l.id);
                          return `${l.targetName} confirmed as linked.`;
                        })} data-testid="link-confirm">
                          Confirm linked
                        </Button>
                      )}
                      {l.state === "broken" && (l.fix === "install" || l.fix === "upgrade") && l.integration.appId && (
                        <Button size="small" onClick={() => run("fix", async () => {
                          const runs = await linksIpc.fix(l.integration.appId ?? "", [targetOf(l)]);
                          await linksIpc.health([l.id]);
                          return runs.map((r) => `${r.action} ${r.appName}: ${r.succeeded + r.alreadyDone} done, ${r.failed} failed`).join(" · ") || "Nothing to install.";
                        })} data-testid="link-fix">
                          {l.fix === "install" ? "Install here" : "Upgrade here"}
                        </Button>
                      )}
                      <Button size="small" onClick={() => setUnlinking(l)} data-testid="link-unlink">
                        Unlink…
                      </Button>
                      {l.teamId && (
                        <Button size="small" onClick={() => setDisconnecting(l)} data-testid="link-disconnect">
                          Disconnect team…
                        </Button>
                      )}
                    </div>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Card>
      ))}

      {overview && (
        <LinkWizard
          key={wizardRound}
          open={wizardOpen}
          overview={overview}
          onClose={() => setWizardOpen(false)}
          onChanged={() => void load()}
        />
      )}
      <UnlinkDialog link={unlinking} onClose={() => setUnlinking(null)} onDone={() => void load()} />
      <DisconnectDialog link={disconnecting} onClose={() => setDisconnecting(null)} onDone={() => void load()} />
      <ImportDialog open={importOpen} onClose={() => setImportOpen(false)} onDone={() => void load()} />
      <ReachDialog
        open={reachOpen}
        apps={overview?.apps ?? []}
        defaultApp={overview?.integrations.find((i) => i.appId)?.appId ?? overview?.apps[0]?.id ?? ""}
        onClose={() => setReachOpen(false)}
        onDone={() => void load()}
        onConsent={(e) => setConsent({ error: e, feature: "reach_members" })}
      />
      <VendorDialog
        open={vendorOpen}
        onClose={() => setVendorOpen(false)}
        onSaved={(p) => {
          setNotice(`Vendor profile ${p.name} saved.`);
          void load();
        }}
      />
    </div>
  );
}

/** The sign-in each action needs when it answers consent_required / sign_in_required. */
const featureOf: Record<string, Feature> = { evidence: "check_link_evidence", fix: "install", health: "read_tenant" };

const consentWords: Partial<Record<Feature, string>> = {
  check_link_evidence:
    "Reading the bot's replies needs permission to read channel and chat messages (ChannelMessage.Read.All, Chat.Read). BotDeck asks for it only now.",
  install: "Installing or upgrading the bot needs the install permissions. BotDeck asks for them only now.",
  reach_members: "Installing the bot for a group's members needs to read the group's members (GroupMember.Read.All). BotDeck asks for it only now.",
};

const fixWords: Record<string, string> = {
  install: "install the bot here",
  upgrade: "upgrade the bot here",
  relink: "type the command again",
  manual: "fix it in Microsoft 365, then check again",
  choose_another: "pick another target",
};

function targetOf(l: Link): LinkTargetInput {
  return {
    kind: l.kind,
    teamId: l.teamId,
    channelId: l.kind === "channel" ? l.channelId : null,
    chatId: l.chatId,
    userId: l.userId,
    name: l.targetName,
  };
}

function emptyTarget(kind: LinkTargetKind): LinkTargetInput {
  return { kind, teamId: null, channelId: null, chatId: null, userId: null, name: null };
}

export function LinkWizard({
  open,
  overview,
  onClose,
  onChanged,
}: {
  open: boolean;
  overview: LinksOverview;
  onClose: () => void;
  onChanged: () => void;
}) {
  useReturnFocus(open);
  useEscape(open, onClose);
  const styles = useStyles();
  const [vendor, setVendor] = useState(overview.vendors[0]?.id ?? "");
  const profile = overview.vendors.find((v) => v.id === vendor);
  const [externalId, setExternalId] = useState("");
  const [name, setName] = useState("");
  const [account, setAccount] = useState("");
  const defaultApp = overview.apps.find((a) => a.displayName.toLowerCase() === profile?.botName.toLowerCase())?.id ?? "";
  const [appId, setAppId] = useState("");
  const [byIdOpen, setByIdOpen] = useState(false);
  const [kind, setKind] = useState<LinkTargetKind>("team");
  const [first, setFirst] = useState("");
  const [second, setSecond] = useState("");
  const [targets, setTargets] = useState<LinkTargetInput[]>([]);
  const [group, setGroup] = useState<{ id: string; name: string } | null>(null);
  const [results, setResults] = useState<LinkPreparedTarget[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [working, setWorking] = useState(false);
  const [fixing, setFixing] = useState<{ done: number; total: number } | null>(null);
  const [consent, setConsent] = useState<{ feature: Feature; retry: () => void } | null>(null);
  // Bumped after an install or upgrade, so the picker shows the bot's new state.
  const [fixes, setFixes] = useState(0);
  const chosenApp = appId || defaultApp;
  const app = overview.apps.find((a) => a.id === chosenApp);
  const published = app?.definitions.find((d) => d.publishingState === "published")?.version ?? null;
  const picked = useMemo(() => new Set(targets.map(targetKey)), [targets]);

  const add = (more: LinkTargetInput[]) => {
    const seen = new Set(targets.map(targetKey));
    setTargets([...targets, ...more.filter((t) => !seen.has(targetKey(t)))]);
    setResults(null);
  };

  const addById = () => {
    const t = emptyTarget(kind);
    if (kind === "team") t.teamId = first.trim();
    if (kind === "channel") {
      t.teamId = first.trim();
      t.channelId = second.trim();
    }
    if (kind === "chat") {
      t.chatId = first.trim();
      t.name = second.trim() || null;
    }
    if (kind === "user") t.userId = first.trim();
    if (!first.trim() || (kind === "channel" && !second.trim())) {
      setError(kind === "channel" ? "Enter the team id and the channel id." : `Enter the ${kind} id.`);
      return;
    }
    setError(null);
    add([t]);
    setFirst("");
    setSecond("");
  };

  const submit = async (dryRun: boolean) => {
    if (!externalId.trim()) return setError(`Enter the ${profile?.integrationLabel ?? "integration id"}.`);
    if (!chosenApp) return setError("Choose the bot app (sync the Catalog page first if the list is empty).");
    if (targets.length === 0 && !group) return setError("Pick at least one target, or a team's members.");
    setWorking(true);
    setError(null);
    try {
      const r = await linksIpc.add({
        vendor,
        account,
        externalId,
        name,
        appId: chosenApp,
        targets,
        groupId: group?.id ?? null,
        dryRun,
      });
      setResults(r.targets);
      if (!dryRun) onChanged();
    } catch (e) {
      const err = e as ApiError;
      if (err.code === "consent_required" || err.code === "sign_in_required")
        setConsent({ feature: group ? "reach_members" : "read_tenant", retry: () => void submit(dryRun) });
      else setError(err.message);
    } finally {
      setWorking(false);
    }
  };

  // Installs or upgrades the bot where the check found it missing or outdated (one bulk run
  // per action, through the journal), then checks those targets again.
  const fix = async (which: LinkTargetInput[]) => {
    if (which.length === 0) return;
    setWorking(true);
    setFixing({ done: 0, total: which.length });
    setError(null);
    try {
      await linksIpc.fix(chosenApp, which, (p) => setFixing({ done: p.done, total: p.total }));
      setFixing(null);
      setFixes((n) => n + 1);
      await submit(results?.some((r) => r.link) ? false : true);
    } catch (e) {
      const err = e as ApiError;
      if (err.code === "consent_required" || err.code === "sign_in_required") setConsent({ feature: "install", retry: () => void fix(which) });
      else setError(err.message);
    } finally {
      setFixing(null);
      setWorking(false);
    }
  };
  const needsInstall = (r: LinkPreparedTarget) => r.findings.some((f) => f.fix === "install" || f.fix === "upgrade");
  const inputFor = (r: LinkPreparedTarget, i: number): LinkTargetInput | null =>
    targets[i] ?? (r.link ? targetOf(r.link) : null);
  const fixable = (results ?? []).map((r, i) => (needsInstall(r) ? inputFor(r, i) : null)).filter((t): t is LinkTargetInput => !!t);

  const kinds = profile?.targets ?? [];
  return (
    <Dialog open={open} onOpenChange={(_, d) => !d.open && onClose()}>
      <DialogSurface style={{ maxWidth: 860 }} data-testid="link-wizard">
        <DialogBody>
          <DialogTitle>Link targets</DialogTitle>
          <DialogContent>
            <div style={{ display: "grid", gap: tokens.spacingVerticalM }}>
              <div className={styles.row}>
                <Field label="Vendor">
                  <Select value={vendor} onChange={(_, d) => { setVendor(d.value); setResults(null); }} data-testid="wizard-vendor">
                    {overview.vendors.map((v) => (
                      <option key={v.id} value={v.id}>
                        {v.name}
                      </option>
                    ))}
                  </Select>
                </Field>
                <Field label={profile?.integrationLabel ?? "Integration id"} required>
                  <Input value={externalId} onChange={(_, d) => setExternalId(d.value)} data-testid="wizard-external-id" />
                </Field>
                <Field label="Name">
                  <Input value={name} onChange={(_, d) => setName(d.value)} data-testid="wizard-name" />
                </Field>
                <Field label="Vendor account">
                  <Input value={account} onChange={(_, d) => setAccount(d.value)} />
                </Field>
                <Field label="Bot app">
                  <Select value={chosenApp} onChange={(_, d) => setAppId(d.value)} data-testid="wizard-app">
                    <option value="">Choose…</option>
                    {overview.apps.map((a) => (
                      <option key={a.id} value={a.id}>
                        {a.displayName}
                      </option>
                    ))}
                  </Select>
                </Field>
              </div>
              <TargetPicker
                appId={chosenApp}
                profile={profile}
                publishedVersion={published}
                picked={picked}
                refresh={fixes}
                onAdd={add}
                onMembers={(id, teamName) => {
                  setGroup({ id, name: teamName });
                  setResults(null);
                }}
              />
              <div>
                <Button appearance="transparent" size="small" onClick={() => setByIdOpen(!byIdOpen)} aria-expanded={byIdOpen} data-testid="wizard-by-id">
                  {byIdOpen ? "Hide: add by id" : "Not in the list? Add by id"}
                </Button>
                {byIdOpen && (
                  <div className={styles.row}>
                    <Field label="Target kind">
                      <Select value={kind} onChange={(_, d) => setKind(d.value as LinkTargetKind)} data-testid="wizard-kind">
                        {(["team", "channel", "chat", "user"] as LinkTargetKind[]).map((k) => (
                          <option key={k} value={k} disabled={!kinds.includes(k)}>
                            {k}
                            {kinds.includes(k) ? "" : ` (${profile?.name ?? "vendor"} does not link these)`}
                          </option>
                        ))}
                      </Select>
                    </Field>
                    <Field label={kind === "chat" ? "Chat id" : kind === "user" ? "User id" : "Team id"}>
                      <Input value={first} onChange={(_, d) => setFirst(d.value)} data-testid="wizard-target-id" />
                    </Field>
                    {(kind === "channel" || kind === "chat") && (
                      <Field label={kind === "channel" ? "Channel id" : "Chat name (if you are not in it)"}>
                        <Input value={second} onChange={(_, d) => setSecond(d.value)} data-testid="wizard-target-second" />
                      </Field>
                    )}
                    <Button onClick={addById} data-testid="wizard-add-target">
                      Add target
                    </Button>
                  </div>
                )}
              </div>
              {(targets.length > 0 || group) && (
                <section aria-label="Targets to link">
                  <Text weight="semibold">To link ({targets.length + (group ? 1 : 0)})</Text>
                  <ul className={styles.findings} data-testid="wizard-targets">
                    {targets.map((t) => (
                      <li key={targetKey(t)} data-testid="wizard-target">
                        {t.kind}: {t.name ?? t.teamId ?? t.chatId ?? t.userId}
                        {t.kind === "channel" && !t.name ? ` / ${t.channelId}` : ""}{" "}
                        <Button size="small" appearance="subtle" aria-label={`Remove ${t.name ?? "target"}`} onClick={() => { setTargets(targets.filter((x) => targetKey(x) !== targetKey(t))); setResults(null); }}>
                          Remove
                        </Button>
                      </li>
                    ))}
                    {group && (
                      <li data-testid="wizard-target">
                        every member of {group.name} (as users){" "}
                        <Button size="small" appearance="subtle" aria-label={`Remove the members of ${group.name}`} onClick={() => setGroup(null)}>
                          Remove
                        </Button>
                      </li>
                    )}
                  </ul>
                </section>
              )}
              {error && (
                <MessageBar intent="error" data-testid="wizard-error">
                  <MessageBarBody>{error}</MessageBarBody>
                </MessageBar>
              )}
              {consent && (
                <ConsentPrompt
                  feature={consent.feature}
                  message={consentWords[consent.feature] ?? "Sign in again to continue."}
                  onSignedIn={() => {
                    const retry = consent.retry;
                    setConsent(null);
                    retry();
                  }}
                />
              )}
              {fixing && (
                <Field label={`Installing or upgrading the bot… ${fixing.done} of ${fixing.total}`} validationState="none">
                  <ProgressBar value={fixing.total ? fixing.done / fixing.total : undefined} />
                </Field>
              )}
              {results && fixable.length > 1 && (
                <Button style={{ justifySelf: "start" }} disabled={working} onClick={() => void fix(fixable)} data-testid="wizard-fix-all">
                  Install or upgrade the bot on the {fixable.length} targets that need it
                </Button>
              )}
              {results && (
                <div data-testid="wizard-results" style={{ display: "grid", gap: tokens.spacingVerticalS }}>
                  {results.map((r, i) => (
                    <Card key={i} data-testid="wizard-result" data-name={r.targetName} data-ready={r.findings.length === 0 && !!r.command ? "yes" : "no"}>
                      <CardHeader header={<Text weight="semibold">{r.targetName}</Text>} description={r.findings.length === 0 && !r.error ? `${r.kind} · ready` : r.kind} />
                      {r.error && <Text>Could not be checked: {r.error}</Text>}
                      {r.findings.length > 0 && (
                        <ul className={styles.findings} data-testid="wizard-findings">
                          {r.findings.map((f) => (
                            <li key={f.problem} data-problem={f.problem}>
                              {f.message}. {f.fixHint}
                            </li>
                          ))}
                        </ul>
                      )}
                      {needsInstall(r) && (
                        <Button size="small" style={{ alignSelf: "flex-start" }} disabled={working} onClick={() => { const t = inputFor(r, i); if (t) void fix([t]); }} data-testid="wizard-fix">
                          {r.findings.some((f) => f.fix === "install") ? "Install the bot here" : "Upgrade the bot here"}
                        </Button>
                      )}
                      {r.findings.length === 0 && r.command && (
                        <div style={{ display: "grid", gap: tokens.spacingVerticalXS }}>
                          <Text>Type this in {r.whereToType}:</Text>
                          <div className={styles.row}>
                            <code className={styles.command} data-testid="wizard-command">
                              {r.command}
                            </code>
                            <Button size="small" onClick={() => void navigator.clipboard?.writeText(r.command ?? "")} data-testid="wizard-copy">
                              Copy
                            </Button>
                            {r.deepLink && (
                              <Button size="small" onClick={() => void ipc.openExternal(r.deepLink ?? "")} data-testid="wizard-open-teams">
                                Open in Teams
                              </Button>
                            )}
                          </div>
                          <Text size={200}>
                            BotDeck does not post it for you: a message posted through Microsoft Graph never reaches the bot.
                          </Text>
                        </div>
                      )}
                    </Card>
                  ))}
                </div>
              )}
            </div>
          </DialogContent>
          <DialogActions>
            <Button onClick={onClose} data-testid="wizard-close">
              Close
            </Button>
            <Button disabled={working} onClick={() => void submit(true)} data-testid="wizard-check">
              Check
            </Button>
            <Button appearance="primary" disabled={working} onClick={() => void submit(false)} data-testid="wizard-link">
              {working ? "Working…" : "Link"}
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

function UnlinkDialog({ link, onClose, onDone }: { link: Link | null; onClose: () => void; onDone: () => void }) {
  useReturnFocus(!!link);
  useEscape(!!link, onClose);
  const [removeBot, setRemoveBot] = useState(false);
  const [result, setResult] = useState<LinksRemoveResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [working, setWorking] = useState(false);
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    setResult(null);
    setError(null);
    setRemoveBot(false);
  }, [link]);
  // The confirm button goes away with the answer: keep focus in the dialog (Escape, Tab).
  useEffect(() => {
    if (result) closeRef.current?.focus();
  }, [result]);
  return (
    <Dialog open={!!link} onOpenChange={(_, d) => !d.open && onClose()}>
      <DialogSurface data-testid="unlink-dialog">
        <DialogBody>
          <DialogTitle>Unlink {link?.targetName}</DialogTitle>
          <DialogContent>
            {!result && (
              <div style={{ display: "grid", gap: tokens.spacingVerticalS }}>
                <Text>
                  {link?.targetName} stops being linked to {link?.integration.name} in BotDeck. The vendor keeps its own record until it is told.
                </Text>
                <Checkbox checked={removeBot} onChange={(_, d) => setRemoveBot(!!d.checked)} label="Also remove the bot from this target if no other link needs it" data-testid="unlink-remove-bot" />
              </div>
            )}
            {result?.advice.map((a) => (
              <MessageBar key={a.linkId} intent={a.vendorCommand ? "info" : "warning"} data-testid="unlink-advice">
                <MessageBarBody>{a.vendorCommand ? `Also type this in Teams: ${a.vendorCommand}` : a.note}</MessageBarBody>
              </MessageBar>
            ))}
            {result?.removal && <Text>Bot removed from {result.removal.succeeded + result.removal.alreadyDone} target(s).</Text>}
            {error && (
              <MessageBar intent="error">
                <MessageBarBody>{error}</MessageBarBody>
              </MessageBar>
            )}
          </DialogContent>
          <DialogActions>
            <Button ref={closeRef} onClick={onClose}>
              {result ? "Close" : "Cancel"}
            </Button>
            {!result && (
              <Button appearance="primary" disabled={working} data-testid="unlink-confirm" onClick={async () => {
                if (!link) return;
                setWorking(true);
                try {
                  setResult(await linksIpc.remove([link.id], removeBot));
                  onDone();
                } catch (e) {
                  setError((e as ApiError).message);
                } finally {
                  setWorking(false);
                }
              }}>
                Unlink
              </Button>
            )}
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

function DisconnectDialog({ link, onClose, onDone }: { link: Link | null; onClose: () => void; onDone: () => void }) {
  useReturnFocus(!!link);
  useEscape(!!link, onClose);
  const [result, setResult] = useState<LinkDisconnectOutcome | null>(null);
  const [error, setError] = useState<string | null>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    setResult(null);
    setError(null);
  }, [link]);
  useEffect(() => {
    if (result) closeRef.current?.focus();
  }, [result]);
  const team = link?.teamName ?? link?.teamId ?? "";
  return (
    <Dialog open={!!link} onOpenChange={(_, d) => !d.open && onClose()}>
      <DialogSurface data-testid="disconnect-dialog">
        <DialogBody>
          <DialogTitle>Disconnect {team}</DialogTitle>
          <DialogContent>
            {!result && <Text>Every channel and user link of {team} is unlinked.</Text>}
            {result && (
              <MessageBar intent="info" data-testid="disconnect-result">
                <MessageBarBody>
                  {count(result.unlinked.length, "link")} unlinked.{" "}
                  {result.vendorCommand ? `Also type this in a channel of the team: ${result.vendorCommand}` : result.note}
                </MessageBarBody>
              </MessageBar>
            )}
            {error && (
              <MessageBar intent="error">
                <MessageBarBody>{error}</MessageBarBody>
              </MessageBar>
            )}
          </DialogContent>
          <DialogActions>
            <Button ref={closeRef} onClick={onClose}>
              {result ? "Close" : "Cancel"}
            </Button>
            {!result && (
              <Button appearance="primary" data-testid="disconnect-confirm" onClick={async () => {
                if (!link?.teamId) return;
                try {
                  setResult(await linksIpc.disconnect(link.teamId));
                  onDone();
                } catch (e) {
                  setError((e as ApiError).message);
                }
              }}>
                Disconnect
              </Button>
            )}
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

function ImportDialog({ open, onClose, onDone }: { open: boolean; onClose: () => void; onDone: () => void }) {
  useReturnFocus(open);
  useEscape(open, onClose);
  const [text, setText] = useState("");
  const [format, setFormat] = useState<LinkFileFormat>("csv");
  const [goodOnly, setGoodOnly] = useState(false);
  const [report, setReport] = useState<LinkImportReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog open={open} onOpenChange={(_, d) => !d.open && onClose()}>
      <DialogSurface data-testid="import-dialog">
        <DialogBody>
          <DialogTitle>Import links</DialogTitle>
          <DialogContent>
            <div style={{ display: "grid", gap: tokens.spacingVerticalS }}>
              <input
                type="file"
                accept=".csv,.json"
                aria-label="Choose a CSV or JSON file"
                onChange={async (e) => {
                  const file = e.target.files?.[0];
                  if (!file) return;
                  if (file.name.toLowerCase().endsWith(".json")) setFormat("json");
                  setText(await file.text());
                }}
              />
              <Field label="Format">
                <Select value={format} onChange={(_, d) => setFormat(d.value as LinkFileFormat)} data-testid="import-format">
                  <option value="csv">CSV</option>
                  <option value="json">JSON</option>
                </Select>
              </Field>
              <Field label="Or paste the file">
                <Textarea value={text} onChange={(_, d) => setText(d.value)} rows={6} data-testid="import-text" />
              </Field>
              <Checkbox checked={goodOnly} onChange={(_, d) => setGoodOnly(!!d.checked)} label="Import the good rows even if some are bad" data-testid="import-good-only" />
              {report && (
                <MessageBar intent={report.problems.length ? "warning" : "success"} data-testid="import-report">
                  <MessageBarBody>
                    {report.refused
                      ? `Nothing imported: ${report.problems.length} of ${count(report.rows, "row")} ${report.problems.length === 1 ? "is" : "are"} bad.`
                      : `${count(report.imported, "link")} imported.`}
                    <ul>
                      {report.problems.map((p) => (
                        <li key={p.line} data-testid="import-problem">
                          Line {p.line}: {p.message}
                        </li>
                      ))}
                    </ul>
                  </MessageBarBody>
                </MessageBar>
              )}
              {error && (
                <MessageBar intent="error" data-testid="import-error">
                  <MessageBarBody>{error}</MessageBarBody>
                </MessageBar>
              )}
            </div>
          </DialogContent>
          <DialogActions>
            <Button onClick={onClose}>Close</Button>
            <Button appearance="primary" disabled={!text.trim()} data-testid="import-run" onClick={async () => {
              try {
                setError(null);
                const r = await linksIpc.importLinks(format, text, goodOnly);
                setReport(r);
                if (r.imported > 0) onDone();
              } catch (e) {
                setError((e as ApiError).message);
              }
            }}>
              Import
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
