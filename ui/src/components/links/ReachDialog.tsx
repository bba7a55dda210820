import { useEffect, useRef, useState } from "react";
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  ProgressBar,
  Select,
  Text,
  tokens,
} from "@fluentui/react-components";
import { PHASE_LABELS } from "../../work";
import type { ApiError } from "../../ipc";
import { linksIpc, type LinkReachOutcome, type LinkTargetChoice } from "../../ipc/links";
import type { CatalogApp } from "../../ipc/bindings/CatalogApp";
import { installsIpc } from "../../ipc/installs";
import { useEscape } from "../a11y/useEscape";
import { useReturnFocus } from "../a11y/useReturnFocus";
import { count } from "../plural";

/**
 * Reach: install the bot in the personal scope of every member of a team or group (the bulk
 * engine, journalled), so each gets the bot's welcome and can link. Progress as it goes;
 * Cancel stops it after the requests already on the wire.
 */
export function ReachDialog({
  open,
  apps,
  defaultApp,
  onClose,
  onDone,
  onConsent,
}: {
  open: boolean;
  apps: CatalogApp[];
  defaultApp: string;
  onClose: () => void;
  onDone: () => void;
  onConsent: (e: ApiError) => void;
}) {
  const [appId, setAppId] = useState(defaultApp);
  const [text, setText] = useState("");
  const [teams, setTeams] = useState<LinkTargetChoice[]>([]);
  const [groupId, setGroupId] = useState("");
  const [progress, setProgress] = useState<{ done: number; total: number; failed: number; phase: string } | null>(null);
  const [running, setRunning] = useState(false);
  useReturnFocus(open);
  // While members are being reached, Cancel (not Escape) stops the run.
  useEscape(open, () => {
    if (!running) onClose();
  });
  const [cancelling, setCancelling] = useState(false);
  const [outcome, setOutcome] = useState<LinkReachOutcome | null>(null);
  const [error, setError] = useState<string | null>(null);
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (open) {
      setOutcome(null);
      setError(null);
      setProgress(null);
      setAppId((a) => a || defaultApp);
    }
  }, [open, defaultApp]);
  useEffect(() => {
    if (outcome) closeRef.current?.focus();
  }, [outcome]);

  useEffect(() => {
    if (!open || !appId) return;
    let live = true;
    const t = setTimeout(() => {
      linksIpc
        .targets(appId, "team", text.trim() || undefined)
        .then((a) => live && setTeams(a.choices))
        .catch(() => live && setTeams([]));
    }, 200);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [open, appId, text]);

  const run = async () => {
    if (!appId) return setError("Choose the bot.");
    if (!groupId.trim()) return setError("Choose a team, or enter a group id.");
    setRunning(true);
    setCancelling(false);
    setError(null);
    setProgress({ done: 0, total: 0, failed: 0, phase: "reading the members" });
    try {
      const r = await linksIpc.reach(appId, groupId.trim(), (p) => setProgress({ done: p.done, total: p.total, failed: p.failed, phase: PHASE_LABELS[p.phase] }));
      setOutcome(r);
      onDone();
    } catch (e) {
      const err = e as ApiError;
      if (err.code === "consent_required" || err.code === "sign_in_required") {
        onConsent(err);
        onClose();
      } else setError(err.message);
    } finally {
      setRunning(false);
      setProgress(null);
    }
  };

  const cancel = async () => {
    setCancelling(true);
    try {
      await installsIpc.cancel();
    } catch (e) {
      setError((e as ApiError).message);
    }
  };

  const run_ = outcome?.run;
  return (
    <Dialog open={open} onOpenChange={(_, d) => !d.open && !running && onClose()}>
      <DialogSurface data-testid="reach-dialog">
        <DialogBody>
          <DialogTitle>Reach every member</DialogTitle>
          <DialogContent>
            <div style={{ display: "grid", gap: tokens.spacingVerticalS }}>
              <Text>
                Installs the bot for each enabled member who does not have it yet. Each gets the bot&apos;s welcome in its personal chat and can link their account there.
              </Text>
              {!outcome && (
                <>
                  <Field label="Bot">
                    <Select value={appId} disabled={running} onChange={(_, d) => setAppId(d.value)} data-testid="reach-app">
                      <option value="">Choose…</option>
                      {apps.map((a) => (
                        <option key={a.id} value={a.id}>
                          {a.displayName}
                        </option>
                      ))}
                    </Select>
                  </Field>
                  <Field label="Search teams">
                    <Input value={text} disabled={running} onChange={(_, d) => setText(d.value)} data-testid="reach-search" />
                  </Field>
                  <Field label="Team (its members)">
                    <Select value={groupId} disabled={running} onChange={(_, d) => setGroupId(d.value)} data-testid="reach-team">
                      <option value="">Choose…</option>
                      {teams.map((t) => (
                        <option key={t.teamId ?? t.name} value={t.teamId ?? ""}>
                          {t.name}
                        </option>
                      ))}
                      {groupId && !teams.some((t) => t.teamId === groupId) && <option value={groupId}>{groupId}</option>}
                    </Select>
                  </Field>
                  <Field label="…or any group's id" hint="A Microsoft 365 or security group.">
                    <Input value={groupId} disabled={running} onChange={(_, d) => setGroupId(d.value)} data-testid="reach-group" />
                  </Field>
                </>
              )}
              {progress && (
                <Field label={`${cancelling ? "Cancelling… " : ""}${progress.phase}: ${progress.done}${progress.total ? ` of ${progress.total}` : ""}${progress.failed ? `, ${progress.failed} failed` : ""}`} validationState="none">
                  <ProgressBar value={progress.total ? progress.done / progress.total : undefined} data-testid="reach-progress" />
                </Field>
              )}
              {outcome && (
                <MessageBar intent={run_ && run_.failed > 0 ? "warning" : "success"} data-testid="reach-result">
                  <MessageBarBody>
                    {count(outcome.members, "member")}: {outcome.already} already had the bot
                    {run_ ? `, ${run_.succeeded + run_.alreadyDone} installed now, ${run_.failed} failed, ${run_.pending} not attempted${run_.cancelRequested ? " (cancelled)" : ""}` : ", nobody else to install"}
                    {outcome.disabled.length ? `. Left alone (disabled): ${outcome.disabled.join(", ")}` : ""}.
                  </MessageBarBody>
                </MessageBar>
              )}
              {error && (
                <MessageBar intent="error" data-testid="reach-error">
                  <MessageBarBody>{error}</MessageBarBody>
                </MessageBar>
              )}
            </div>
          </DialogContent>
          <DialogActions>
            {running ? (
              <Button disabled={cancelling} onClick={() => void cancel()} data-testid="reach-cancel">
                {cancelling ? "Cancelling…" : "Cancel"}
              </Button>
            ) : (
              <Button ref={closeRef} onClick={onClose}>
                Close
              </Button>
            )}
            {!outcome && (
              <Button appearance="primary" disabled={running} onClick={() => void run()} data-testid="reach-run">
                {running ? "Installing…" : "Install for every member"}
              </Button>
            )}
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
