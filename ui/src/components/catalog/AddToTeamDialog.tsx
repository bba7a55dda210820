// "Add to a team" from the app's page: pick one team (from the inventory of where the app is
// not installed yet) and install it there — one item through the same journaled bulk run as
// the Installations page, so it is audited, resumable and shown in the status bar.
import { useEffect, useRef, useState } from "react";
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  makeStyles,
  MessageBar,
  MessageBarBody,
  Radio,
  RadioGroup,
  SearchBox,
  Spinner,
  Text,
  tokens,
} from "@fluentui/react-components";
import type { ApiError } from "../../ipc";
import type { CatalogAppView } from "../../ipc/catalog";
import { installsIpc, type InventoryRow, type RunSummary } from "../../ipc/installs";
import { useBackgroundWork } from "../../work";
import { useReturnFocus } from "../a11y/useReturnFocus";
import { useEscape } from "../a11y/useEscape";
import { ConsentPrompt } from "../installs/ConsentPrompt";

const useStyles = makeStyles({
  stack: { display: "grid", gap: tokens.spacingVerticalM },
  list: { maxHeight: "260px", overflowY: "auto" },
  muted: { color: tokens.colorNeutralForeground3 },
});

export function AddToTeamDialog({ view, onClose }: { view: CatalogAppView; onClose: () => void }) {
  const styles = useStyles();
  const work = useBackgroundWork();
  const [needle, setNeedle] = useState("");
  const [teams, setTeams] = useState<InventoryRow[] | null>(null);
  const [picked, setPicked] = useState<string>("");
  const [error, setError] = useState<ApiError | null>(null);
  const [running, setRunning] = useState(false);
  const runningRef = useRef(false);
  runningRef.current = running;
  const [done, setDone] = useState<RunSummary | null>(null);
  useReturnFocus(true);
  useEscape(true, () => {
    if (!runningRef.current) onClose();
  });
  const app = view.app;
  const never = view.inventoryAgeSecs === null;

  useEffect(() => {
    if (never) return;
    let live = true;
    const t = window.setTimeout(() => {
      installsIpc
        .query(app.id, {
          kind: "team",
          state: "not_installed",
          olderThan: null,
          version: null,
          text: needle.trim() || null,
          includeArchived: false,
          sort: "name",
          descending: false,
          offset: 0,
          limit: 50,
        })
        .then(
          (page) => live && setTeams(page.rows),
          (e: ApiError) => live && setError(e),
        );
    }, 150);
    return () => {
      live = false;
      window.clearTimeout(t);
    };
  }, [app.id, needle, never]);

  const team = teams?.find((t) => t.id === picked) ?? null;
  const add = async () => {
    if (!team) return;
    setRunning(true);
    setError(null);
    const outcome = await work.run<RunSummary>(
      "bulk",
      `Adding ${app.displayName} to ${team.displayName}`,
      (report) => installsIpc.run(app.id, "install", { filter: null, ids: [{ kind: "team", id: team.id }] }, report),
      () => void installsIpc.cancel(),
    );
    setRunning(false);
    if (outcome.error) setError(outcome.error);
    else if (outcome.value) setDone(outcome.value);
  };
  const consent = error && (error.code === "consent_required" || error.code === "sign_in_required");

  return (
    <Dialog open onOpenChange={(_, d) => !d.open && d.type !== "escapeKeyDown" && !running && onClose()}>
      <DialogSurface data-testid="add-to-team-dialog" aria-describedby={undefined}>
        <DialogBody>
          <DialogTitle>Add {app.displayName} to a team</DialogTitle>
          <DialogContent className={styles.stack}>
            {never ? (
              <Text data-testid="add-to-team-never-synced">
                BotDeck does not know your teams yet: sync {app.displayName} on the Installations page first, then come back.
              </Text>
            ) : (
              <>
                <SearchBox
                  value={needle}
                  onChange={(_, d) => setNeedle(d.value)}
                  placeholder="Find a team by name"
                  aria-label="Find a team by name"
                  data-testid="add-to-team-search"
                />
                {!teams && !error && <Spinner size="tiny" label="Reading teams…" labelPosition="after" />}
                {teams && teams.length === 0 && (
                  <Text data-testid="add-to-team-none">
                    {needle.trim()
                      ? `No team without ${app.displayName} matches “${needle.trim()}”.`
                      : `${app.displayName} is in every team BotDeck knows of.`}
                  </Text>
                )}
                {teams && teams.length > 0 && (
                  <div className={styles.list}>
                    <RadioGroup value={picked} onChange={(_, d) => setPicked(d.value)} aria-label="Teams without the app">
                      {teams.map((t) => (
                        <Radio key={t.id} value={t.id} label={t.displayName} data-testid={`add-to-team-${t.id}`} />
                      ))}
                    </RadioGroup>
                  </div>
                )}
              </>
            )}
            {running && <Spinner size="tiny" label={`Installing in ${team?.displayName ?? "the team"}…`} labelPosition="after" />}
            {done && (
              <MessageBar intent={done.failed > 0 ? "error" : "success"} data-testid="add-to-team-done">
                <MessageBarBody>
                  {done.failed > 0
                    ? `${app.displayName} could not be added; the Activity page has the reason.`
                    : `${app.displayName} ${view.publishedVersion ?? ""} is in ${team?.displayName ?? "the team"}.`}
                </MessageBarBody>
              </MessageBar>
            )}
            {error && consent && (
              <ConsentPrompt feature="install" message={error.message} onSignedIn={() => void add()} />
            )}
            {error && !consent && (
              <MessageBar intent="error" data-testid="add-to-team-error">
                <MessageBarBody>{error.message}</MessageBarBody>
              </MessageBar>
            )}
          </DialogContent>
          <DialogActions>
            <Button onClick={onClose} disabled={running} data-testid="add-to-team-close">
              {done ? "Close" : "Cancel"}
            </Button>
            {!done && (
              <Button appearance="primary" disabled={!team || running} onClick={() => void add()} data-testid="add-to-team-send">
                {team ? `Add to ${team.displayName}` : "Add"}
              </Button>
            )}
          </DialogActions>
          {!team && !done && !never && (
            <Text size={200} className={styles.muted}>
              Choose a team first.
            </Text>
          )}
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
