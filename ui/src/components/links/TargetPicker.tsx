import { useEffect, useState } from "react";
import { Badge, Button, Checkbox, Field, Input, makeStyles, MessageBar, MessageBarBody, ProgressBar, Select, Spinner, Text, tokens } from "@fluentui/react-components";
import type { ApiError } from "../../ipc";
import { linksIpc, type LinkTargetChoice, type LinkTargetChoices, type LinkTargetInput, type LinkTargetKind, type VendorProfile } from "../../ipc/links";
import { installsIpc } from "../../ipc/installs";

const useStyles = makeStyles({
  box: { display: "grid", gap: tokens.spacingVerticalS },
  row: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap", alignItems: "end" },
  list: {
    display: "grid",
    gap: tokens.spacingVerticalXXS,
    maxHeight: "220px",
    overflowY: "auto",
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    padding: tokens.spacingHorizontalXS,
  },
  choice: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
  muted: { color: tokens.colorNeutralForeground3 },
});

/** What the picker offers: one kind of target, or every member of a team (as users). */
export type PickKind = LinkTargetKind | "members";

/** The key a picked target is known by (the same target is never added twice). */
export function targetKey(t: LinkTargetInput): string {
  return [t.kind, t.teamId ?? "", t.channelId ?? "", t.chatId ?? "", t.userId ?? ""].join("|");
}

export function inputOf(c: LinkTargetChoice): LinkTargetInput {
  return {
    kind: c.kind,
    // A team link is its General channel: the check resolves it, the picker's id is a hint only.
    teamId: c.teamId,
    channelId: c.kind === "channel" ? c.channelId : null,
    chatId: c.chatId,
    userId: c.userId,
    name: c.name,
  };
}

function botWords(c: LinkTargetChoice, published: string | null): { text: string; color: "success" | "warning" | "danger" | "informative" } | null {
  if (c.kind === "channel") {
    return c.membership === "standard" ? { text: "standard channel", color: "informative" } : { text: `${c.membership} channel`, color: "warning" };
  }
  switch (c.botState) {
    case "installed":
      if (published && c.botVersion && c.botVersion !== published) return { text: `bot ${c.botVersion} (outdated)`, color: "warning" };
      return { text: `bot ${c.botVersion ?? "installed"}`, color: "success" };
    case "not_installed":
      return { text: "bot not installed", color: "danger" };
    case "failed":
      return { text: "could not be read", color: "warning" };
    default:
      return null;
  }
}

/**
 * The wizard's picker: search the teams, chats and users BotDeck read for the bot (its
 * inventory), a team's channels (read when the team is chosen), or a team whose members all
 * become user links. Several can be ticked and added at once.
 */
export function TargetPicker({
  appId,
  profile,
  publishedVersion,
  picked,
  refresh = 0,
  onAdd,
  onMembers,
}: {
  appId: string;
  profile: VendorProfile | undefined;
  publishedVersion: string | null;
  picked: Set<string>;
  /** Changes when the bot's installations changed (an install or upgrade here): read again. */
  refresh?: number;
  onAdd: (targets: LinkTargetInput[]) => void;
  onMembers: (groupId: string, name: string) => void;
}) {
  const styles = useStyles();
  const kinds = profile?.targets ?? [];
  const [kind, setKind] = useState<PickKind>(kinds[0] ?? "team");
  const [text, setText] = useState("");
  const [team, setTeam] = useState<LinkTargetChoice | null>(null);
  const [answer, setAnswer] = useState<LinkTargetChoices | null>(null);
  const [ticked, setTicked] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [syncing, setSyncing] = useState<{ done: number; total: number } | null>(null);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    if (!kinds.includes(kind as LinkTargetKind) && kind !== "members") setKind(kinds[0] ?? "team");
  }, [kinds, kind]);

  // The list the search reads: the chosen kind, or for channels and members the teams first.
  const listKind: LinkTargetKind = kind === "members" || (kind === "channel" && !team) ? "team" : (kind as LinkTargetKind);
  const channelTeam = kind === "channel" ? team : null;

  useEffect(() => {
    if (!appId) return;
    let live = true;
    setLoading(true);
    setError(null);
    const t = setTimeout(() => {
      linksIpc
        .targets(appId, listKind, text.trim() || undefined, channelTeam?.teamId ?? null)
        .then((a) => {
          if (!live) return;
          setAnswer(a);
        })
        .catch((e) => live && setError((e as ApiError).message))
        .finally(() => live && setLoading(false));
    }, 200);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [appId, listKind, text, channelTeam?.teamId, reloads, refresh]);

  useEffect(() => setTicked(new Set()), [kind, team]);

  const readInventory = async () => {
    setSyncing({ done: 0, total: 0 });
    setError(null);
    try {
      await installsIpc.sync(appId, (p) => setSyncing({ done: p.done, total: p.total }));
      setReloads((n) => n + 1);
    } catch (e) {
      setError((e as ApiError).message);
    } finally {
      setSyncing(null);
    }
  };

  if (!appId) return <Text className={styles.muted}>Choose the bot app first: the lists are where BotDeck read it.</Text>;

  const choices = answer?.choices ?? [];
  const neverSynced = answer && !answer.sync && listKind !== "channel";
  const choosingTeam = kind === "members" || (kind === "channel" && !team);
  const keyOf = (c: LinkTargetChoice) => targetKey(inputOf(c));

  return (
    <div className={styles.box} data-testid="target-picker">
      <div className={styles.row}>
        <Field label="Pick">
          <Select
            value={kind}
            onChange={(_, d) => {
              setKind(d.value as PickKind);
              setTeam(null);
              setText("");
            }}
            data-testid="picker-kind"
          >
            {(["team", "channel", "chat", "user"] as LinkTargetKind[]).map((k) => (
              <option key={k} value={k} disabled={!kinds.includes(k)}>
                {k === "team" ? "Teams (General channel)" : k === "channel" ? "Channels of a team" : k === "chat" ? "Group chats" : "Users"}
                {kinds.includes(k) ? "" : ` — ${profile?.name ?? "the vendor"} does not link these`}
              </option>
            ))}
            <option value="members" disabled={!kinds.includes("user")}>
              Every member of a team (as users)
            </option>
          </Select>
        </Field>
        <Field label={choosingTeam ? "Search teams" : "Search"} style={{ flex: 1, minWidth: 200 }}>
          <Input value={text} onChange={(_, d) => setText(d.value)} placeholder="Name, e-mail or id" data-testid="picker-search" />
        </Field>
        {kind === "channel" && team && (
          <Button onClick={() => { setTeam(null); setText(""); }} data-testid="picker-back">
            ‹ Teams
          </Button>
        )}
      </div>
      {kind === "channel" && team && (
        <Text>
          Channels of <strong>{team.name}</strong>
          {profile?.channelKinds.length ? ` (${profile.name} links ${profile.channelKinds.join(" or ")} channels)` : ""}
        </Text>
      )}
      {neverSynced && (
        <MessageBar intent="info" data-testid="picker-no-inventory">
          <MessageBarBody>
            BotDeck has not read where this bot is installed yet, so there is nothing to pick from.{" "}
            <Button size="small" disabled={!!syncing} onClick={() => void readInventory()} data-testid="picker-sync">
              Read teams, chats and users now
            </Button>
          </MessageBarBody>
        </MessageBar>
      )}
      {syncing && (
        <Field label={`Reading the inventory… ${syncing.done}${syncing.total ? ` of ${syncing.total}` : ""}`} validationState="none">
          <ProgressBar value={syncing.total ? syncing.done / syncing.total : undefined} />
        </Field>
      )}
      {error && (
        <MessageBar intent="error" data-testid="picker-error">
          <MessageBarBody>{error}</MessageBarBody>
        </MessageBar>
      )}
      <div className={styles.list} role="group" aria-label="Targets to pick" data-testid="picker-list" data-loading={loading ? "yes" : "no"}>
        {loading && choices.length === 0 && <Spinner size="tiny" label="Reading…" />}
        {!loading && choices.length === 0 && !neverSynced && <Text className={styles.muted}>Nothing matches.</Text>}
        {choices.map((c) => {
          const badge = botWords(c, publishedVersion);
          const key = keyOf(c);
          const already = picked.has(key);
          return (
            <div key={key} className={styles.choice} data-testid="picker-choice" data-name={c.name} data-kind={c.kind}>
              {choosingTeam ? (
                <Button
                  size="small"
                  appearance="subtle"
                  onClick={() => {
                    if (kind === "members") onMembers(c.teamId ?? "", c.name);
                    else {
                      setTeam(c);
                      setText("");
                    }
                  }}
                  data-testid="picker-team"
                >
                  {kind === "members" ? `Every member of ${c.name}` : `${c.name} ›`}
                </Button>
              ) : (
                <Checkbox
                  checked={already || ticked.has(key)}
                  disabled={already}
                  label={c.name}
                  onChange={(_, d) => {
                    const next = new Set(ticked);
                    if (d.checked) next.add(key);
                    else next.delete(key);
                    setTicked(next);
                  }}
                  data-testid="picker-tick"
                />
              )}
              {c.detail && kind !== "channel" && <Text size={200} className={styles.muted}>{c.detail}</Text>}
              {badge && (
                <Badge appearance="tint" color={badge.color} size="small">
                  {badge.text}
                </Badge>
              )}
              {c.archived && (
                <Badge appearance="tint" color="danger" size="small">
                  archived
                </Badge>
              )}
              {already && <Text size={200}>(added)</Text>}
            </div>
          );
        })}
        {answer && answer.total > choices.length && (
          <Text size={200} className={styles.muted}>
            {answer.total - choices.length} more: narrow the search.
          </Text>
        )}
      </div>
      {!choosingTeam && (
        <div className={styles.row}>
          <Button
            disabled={ticked.size === 0}
            onClick={() => {
              onAdd(choices.filter((c) => ticked.has(keyOf(c))).map(inputOf));
              setTicked(new Set());
            }}
            data-testid="picker-add"
          >
            Add {ticked.size || ""} selected
          </Button>
          <Button
            appearance="subtle"
            disabled={choices.length === 0}
            onClick={() => setTicked(new Set(choices.filter((c) => !picked.has(keyOf(c))).map(keyOf)))}
            data-testid="picker-all"
          >
            Select all shown
          </Button>
        </div>
      )}
    </div>
  );
}
