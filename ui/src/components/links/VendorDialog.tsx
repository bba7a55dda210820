import { useEffect, useRef, useState } from "react";
import {
  Button,
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
  Text,
  Textarea,
  tokens,
} from "@fluentui/react-components";
import type { ApiError } from "../../ipc";
import { linksIpc, type LinkTargetKind, type VendorProfile } from "../../ipc/links";
import { useEscape } from "../a11y/useEscape";
import { useReturnFocus } from "../a11y/useReturnFocus";

const useStyles = makeStyles({
  grid: { display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(220px, 1fr))", gap: tokens.spacingHorizontalM },
  box: { display: "grid", gap: tokens.spacingVerticalS },
  row: { display: "flex", gap: tokens.spacingHorizontalM, flexWrap: "wrap" },
});

const KINDS: LinkTargetKind[] = ["team", "channel", "chat", "user"];
const CHANNEL_KINDS = ["standard", "private", "shared"];

export function blankVendor(): VendorProfile {
  return {
    id: "",
    name: "",
    botName: "",
    integrationLabel: "Integration ID",
    targets: [],
    channelKinds: [],
    commands: { team: null, channel: null, chat: null, user: null },
    unlink: { team: null, channel: null, chat: null, user: null },
    unlinkNote: "",
    replies: { success: [], failure: [], pending: [] },
  };
}

const lines = (text: string) =>
  text
    .split(/\r?\n|,/)
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * A custom vendor's link language, from a form or a file (the same TOML as the built-in
 * FlashDuty and PagerDuty profiles). Core checks it as the admin types (nothing is saved until
 * "Save"), so what is wrong is said next to the form, with the field it is about.
 */
export function VendorDialog({ open, onClose, onSaved }: { open: boolean; onClose: () => void; onSaved: (p: VendorProfile) => void }) {
  useReturnFocus(open);
  useEscape(open, onClose);
  const styles = useStyles();
  const [p, setP] = useState<VendorProfile>(blankVendor());
  const [fileText, setFileText] = useState<string | null>(null);
  const [fileName, setFileName] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [checked, setChecked] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<VendorProfile | null>(null);
  const touched = useRef(false);
  const closeRef = useRef<HTMLButtonElement>(null);
  // Save goes away with the answer: keep focus in the dialog (Escape, Tab).
  useEffect(() => {
    if (saved) closeRef.current?.focus();
  }, [saved]);

  useEffect(() => {
    if (open) {
      setP(blankVendor());
      setFileText(null);
      setFileName("");
      setProblem(null);
      setChecked(false);
      setSaved(null);
      touched.current = false;
    }
  }, [open]);

  // Inline validation: core's own check, a moment after the last keystroke.
  useEffect(() => {
    if (!open || (!touched.current && fileText === null)) return;
    let live = true;
    const t = setTimeout(() => {
      linksIpc
        .saveVendor(fileText !== null ? { toml: fileText } : { profile: p }, true)
        .then(() => {
          if (!live) return;
          setProblem(null);
          setChecked(true);
        })
        .catch((e) => {
          if (!live) return;
          setProblem((e as ApiError).message);
          setChecked(false);
        });
    }, 300);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [p, fileText, open]);

  const edit = (change: Partial<VendorProfile>) => {
    touched.current = true;
    setFileText(null);
    setFileName("");
    setP({ ...p, ...change });
  };
  const toggle = <T,>(list: T[], v: T, on: boolean) => (on ? [...list.filter((x) => x !== v), v] : list.filter((x) => x !== v));

  const save = async () => {
    setSaving(true);
    try {
      const r = await linksIpc.saveVendor(fileText !== null ? { toml: fileText } : { profile: p });
      setSaved(r);
      onSaved(r);
    } catch (e) {
      setProblem((e as ApiError).message);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Dialog open={open} onOpenChange={(_, d) => !d.open && onClose()}>
      <DialogSurface style={{ maxWidth: 820 }} data-testid="vendor-dialog">
        <DialogBody>
          <DialogTitle>Custom vendor</DialogTitle>
          <DialogContent>
            {saved ? (
              <MessageBar intent="success" data-testid="vendor-saved">
                <MessageBarBody>{saved.name} is saved: the link wizard offers it now.</MessageBarBody>
              </MessageBar>
            ) : (
              <div className={styles.box}>
                <div className={styles.row}>
                  <input
                    type="file"
                    accept=".toml,text/plain"
                    aria-label="Load a vendor profile file (TOML)"
                    data-testid="vendor-file"
                    onChange={async (e) => {
                      const file = e.target.files?.[0];
                      if (!file) return;
                      setFileName(file.name);
                      setFileText(await file.text());
                    }}
                  />
                  {fileName && <Text data-testid="vendor-file-name">From {fileName}: the form is not used.</Text>}
                </div>
                <div className={styles.grid}>
                  <Field label="Id" required hint="Lowercase letters, digits, dashes (acme-oncall)">
                    <Input value={p.id} onChange={(_, d) => edit({ id: d.value })} data-testid="vendor-id" />
                  </Field>
                  <Field label="Name" required>
                    <Input value={p.name} onChange={(_, d) => edit({ name: d.value })} data-testid="vendor-name" />
                  </Field>
                  <Field label="Bot's name in Teams" required hint="What people @mention">
                    <Input value={p.botName} onChange={(_, d) => edit({ botName: d.value })} data-testid="vendor-bot-name" />
                  </Field>
                  <Field label="What the vendor calls its id">
                    <Input value={p.integrationLabel} onChange={(_, d) => edit({ integrationLabel: d.value })} data-testid="vendor-label" />
                  </Field>
                </div>
                <Field label="Links these targets">
                  <div className={styles.row}>
                    {KINDS.map((k) => (
                      <Checkbox key={k} label={k} checked={p.targets.includes(k)} onChange={(_, d) => edit({ targets: toggle(p.targets, k, !!d.checked) })} data-testid={`vendor-target-${k}`} />
                    ))}
                  </div>
                </Field>
                {p.targets.includes("channel") && (
                  <Field label="Channel kinds it works in">
                    <div className={styles.row}>
                      {CHANNEL_KINDS.map((k) => (
                        <Checkbox key={k} label={k} checked={p.channelKinds.includes(k)} onChange={(_, d) => edit({ channelKinds: toggle(p.channelKinds, k, !!d.checked) })} data-testid={`vendor-channel-${k}`} />
                      ))}
                    </div>
                  </Field>
                )}
                <Text size={200}>Placeholders: {"{bot} {id} {name} {account} {chatName} {teamName} {channelName} {userName}"}</Text>
                <div className={styles.grid}>
                  {p.targets.map((k) => (
                    <Field key={k} label={`Command for a ${k}`} required>
                      <Input value={p.commands[k] ?? ""} onChange={(_, d) => edit({ commands: { ...p.commands, [k]: d.value || null } })} data-testid={`vendor-command-${k}`} />
                    </Field>
                  ))}
                  {KINDS.filter((k) => p.targets.includes(k) || k === "team").map((k) => (
                    <Field key={`u-${k}`} label={k === "team" ? "Disconnect a whole team" : `Unlink a ${k}`}>
                      <Input value={p.unlink[k] ?? ""} onChange={(_, d) => edit({ unlink: { ...p.unlink, [k]: d.value || null } })} data-testid={`vendor-unlink-${k}`} />
                    </Field>
                  ))}
                </div>
                <Field label="When there is no unlink command, say">
                  <Input value={p.unlinkNote} onChange={(_, d) => edit({ unlinkNote: d.value })} data-testid="vendor-unlink-note" />
                </Field>
                <div className={styles.grid}>
                  <Field label="The bot's reply on success" required hint="One phrase per line">
                    <Textarea value={p.replies.success.join("\n")} onChange={(_, d) => edit({ replies: { ...p.replies, success: lines(d.value) } })} data-testid="vendor-success" />
                  </Field>
                  <Field label="…on failure" required hint="One phrase per line">
                    <Textarea value={p.replies.failure.join("\n")} onChange={(_, d) => edit({ replies: { ...p.replies, failure: lines(d.value) } })} data-testid="vendor-failure" />
                  </Field>
                  <Field label="…while it waits for a button" hint="One phrase per line">
                    <Textarea value={p.replies.pending.join("\n")} onChange={(_, d) => edit({ replies: { ...p.replies, pending: lines(d.value) } })} data-testid="vendor-pending" />
                  </Field>
                </div>
                {problem && (
                  <MessageBar intent="error" data-testid="vendor-problem">
                    <MessageBarBody>{problem}</MessageBarBody>
                  </MessageBar>
                )}
                {checked && !problem && (
                  <MessageBar intent="success" data-testid="vendor-valid">
                    <MessageBarBody>The profile is valid.</MessageBarBody>
                  </MessageBar>
                )}
              </div>
            )}
          </DialogContent>
          <DialogActions>
            <Button ref={closeRef} onClick={onClose}>
              Close
            </Button>
            {!saved && (
              <Button appearance="primary" disabled={!checked || !!problem || saving} onClick={() => void save()} data-testid="vendor-save">
                {saving ? "Saving…" : "Save"}
              </Button>
            )}
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
