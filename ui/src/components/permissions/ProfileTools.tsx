// Import a custom permission profile (JSON or TOML picked with <input type="file">, read here
// and sent as text: the window has no file-system access), export any profile, delete a
// custom one. Import errors from the core name the file, line and field.
import { useRef, useState } from "react";
import {
  Button,
  makeStyles,
  Menu,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  tokens,
} from "@fluentui/react-components";
import { ArrowDownloadRegular, ArrowUploadRegular, CopyRegular, DeleteRegular } from "@fluentui/react-icons";
import type { ApiError } from "../../ipc";
import { permsIpc, type BotProfile, type ProfileFormat } from "../../ipc/permissions";
import { copyText, downloadText } from "./exportText";

const useStyles = makeStyles({
  row: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap", alignItems: "center" },
  hidden: { display: "none" },
  stack: { display: "grid", gap: tokens.spacingVerticalS },
});

/** `acme.toml:5: permissions[0].type: …` → location and message, for the error bar. */
export function splitProfileError(message: string): { where: string | null; what: string } {
  const m = /^(.+?\.(?:json|toml)(?::\d+)?): ([^:]+): (.*)$/s.exec(message);
  return m ? { where: `${m[1]} — ${m[2]}`, what: m[3]! } : { where: null, what: message };
}

/** The file's text; FileReader where Blob.text() is missing (older WebKit, jsdom). */
function readText(file: File): Promise<string> {
  if (typeof file.text === "function") return file.text();
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result ?? ""));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(file);
  });
}

export function ProfileTools({
  selected,
  onImported,
  onDeleted,
}: {
  selected: BotProfile | null;
  onImported: (profile: BotProfile) => void;
  onDeleted: (list: BotProfile[]) => void;
}) {
  const styles = useStyles();
  const input = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [note, setNote] = useState<string | null>(null);

  const pick = async (file: File | undefined) => {
    if (!file) return;
    setNote(null);
    try {
      const text = await readText(file);
      const profile = await permsIpc.importProfile(file.name, text);
      setError(null);
      setNote(`Imported ${profile.name} (${profile.permissions.length} permissions).`);
      onImported(profile);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      // The same file can be picked again after fixing it.
      if (input.current) input.current.value = "";
    }
  };

  const exportAs = async (format: ProfileFormat, how: "download" | "copy") => {
    if (!selected) return;
    try {
      const text = await permsIpc.exportProfile(selected.id, format);
      const ok =
        how === "download"
          ? downloadText(`${selected.id}.${format}`, text, format === "json" ? "application/json" : "application/toml")
          : await copyText(text);
      setError(null);
      setNote(ok ? (how === "download" ? `Saved ${selected.id}.${format}.` : "Copied to the clipboard.") : "The text could not be handed over; try the other option.");
    } catch (err) {
      setError(err as ApiError);
    }
  };

  const remove = async () => {
    if (!selected) return;
    try {
      onDeleted(await permsIpc.deleteProfile(selected.id));
      setError(null);
      setNote(`Deleted ${selected.name}.`);
    } catch (err) {
      setError(err as ApiError);
    }
  };

  const problem = error ? splitProfileError(error.message) : null;
  return (
    <div className={styles.stack}>
      <div className={styles.row}>
        <input
          ref={input}
          type="file"
          accept=".json,.toml,application/json"
          className={styles.hidden}
          onChange={(e) => void pick(e.target.files?.[0])}
          data-testid="profile-file-input"
          aria-label="Permission profile file"
        />
        <Button icon={<ArrowUploadRegular />} onClick={() => input.current?.click()} data-testid="profile-import">
          Import profile…
        </Button>
        <Menu>
          <MenuTrigger disableButtonEnhancement>
            <Button icon={<ArrowDownloadRegular />} disabled={!selected} data-testid="profile-export">
              Export profile
            </Button>
          </MenuTrigger>
          <MenuPopover>
            <MenuList>
              <MenuItem icon={<ArrowDownloadRegular />} onClick={() => void exportAs("json", "download")}>
                Download JSON
              </MenuItem>
              <MenuItem icon={<ArrowDownloadRegular />} onClick={() => void exportAs("toml", "download")}>
                Download TOML
              </MenuItem>
              <MenuItem icon={<CopyRegular />} onClick={() => void exportAs("json", "copy")}>
                Copy JSON
              </MenuItem>
              <MenuItem icon={<CopyRegular />} onClick={() => void exportAs("toml", "copy")}>
                Copy TOML
              </MenuItem>
            </MenuList>
          </MenuPopover>
        </Menu>
        {selected?.source === "custom" && (
          <Button icon={<DeleteRegular />} onClick={() => void remove()} data-testid="profile-delete">
            Delete custom profile
          </Button>
        )}
      </div>
      {problem && error && (
        <MessageBar intent="error" layout="multiline" data-testid="profile-import-error" data-code={error.code}>
          <MessageBarBody>
            {problem.where && <MessageBarTitle data-testid="profile-import-where">{problem.where}</MessageBarTitle>}
            {problem.what}
          </MessageBarBody>
        </MessageBar>
      )}
      {note && !error && (
        <MessageBar intent="success" data-testid="profile-note">
          <MessageBarBody>{note}</MessageBarBody>
        </MessageBar>
      )}
    </div>
  );
}
