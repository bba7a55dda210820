import { useRef, useState } from "react";
import {
  Button,
  Card,
  CardHeader,
  Field,
  Input,
  makeStyles,
  Text,
  tokens,
} from "@fluentui/react-components";
import { AddRegular, FolderOpenRegular, FolderZipRegular } from "@fluentui/react-icons";
import type { NewPackageRequest } from "../../ipc/package";

const useStyles = makeStyles({
  grid: { display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(320px, 1fr))", gap: tokens.spacingHorizontalL, alignItems: "start" },
  body: { display: "grid", gap: tokens.spacingVerticalM },
  row: { display: "flex", gap: tokens.spacingHorizontalS, alignItems: "end" },
  grow: { flexGrow: 1 },
  hint: { color: tokens.colorNeutralForeground3 },
  // Not display:none: WebDriver (and some assistive tech) must still reach the input.
  hidden: { position: "absolute", width: "1px", height: "1px", opacity: 0, overflow: "hidden", pointerEvents: "none" },
});

/** The hidden `<input type=file>` for zips, with the button that opens it. */
export function OpenZipButton({ busy, onFile, appearance = "primary", label = "Open a zip…" }: { busy: boolean; onFile: (f: File) => void; appearance?: "primary" | "secondary"; label?: string }) {
  const styles = useStyles();
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <Button appearance={appearance} icon={<FolderZipRegular />} disabled={busy} onClick={() => input.current?.click()} data-testid="package-open">
        {label}
      </Button>
      <input
        ref={input}
        type="file"
        accept=".zip,application/zip"
        className={styles.hidden}
        tabIndex={-1}
        aria-hidden
        data-testid="package-open-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = "";
          if (file) onFile(file);
        }}
      />
    </>
  );
}

export interface OpenPanelProps {
  busy: boolean;
  onOpenFile: (file: File) => void;
  onOpenPath: (path: string) => void;
  onNew: (req: NewPackageRequest) => void;
}

/** Nothing open yet: open a zip, a folder (by path), or start from the template. */
export function OpenPanel({ busy, onOpenFile, onOpenPath, onNew }: OpenPanelProps) {
  const styles = useStyles();
  const [path, setPath] = useState("");
  const [name, setName] = useState("");
  const [developer, setDeveloper] = useState("");
  const [website, setWebsite] = useState("");
  const [botId, setBotId] = useState("");
  return (
    <div className={styles.grid} data-testid="package-open-panel">
      <Card>
        <CardHeader header={<Text weight="semibold">Open a package</Text>} description="A Teams app package zip, e.g. FlashDutyBot-v1.0.3.zip. Nothing is extracted to disk." />
        <div className={styles.body}>
          <div>
            <OpenZipButton busy={busy} onFile={onOpenFile} />
          </div>
          <form
            className={styles.row}
            onSubmit={(e) => {
              e.preventDefault();
              if (path.trim()) onOpenPath(path.trim());
            }}
          >
            <Field label="…or a package folder (or zip) by path" className={styles.grow}>
              <Input value={path} onChange={(_, d) => setPath(d.value)} placeholder="/home/me/FlashDutyBot" data-testid="package-open-path" />
            </Field>
            <Button type="submit" icon={<FolderOpenRegular />} disabled={busy || !path.trim()} data-testid="package-open-path-button">
              Open
            </Button>
          </form>
          <Text size={200} className={styles.hint}>
            A folder holds manifest.json and the icons it names; other files are ignored, as the build would.
          </Text>
        </div>
      </Card>
      <Card>
        <CardHeader
          header={<Text weight="semibold">New bot app</Text>}
          description="An alerting bot in the FlashDuty mould: scopes team, group chat and personal; linkTeam, linkChat and linkUser commands."
        />
        <form
          className={styles.body}
          onSubmit={(e) => {
            e.preventDefault();
            onNew({
              name: name.trim(),
              ...(developer.trim() ? { developerName: developer.trim() } : {}),
              ...(website.trim() ? { websiteUrl: website.trim() } : {}),
              ...(botId.trim() ? { botId: botId.trim() } : {}),
            });
          }}
        >
          <Field label="App name (1–30 characters)" required>
            <Input value={name} onChange={(_, d) => setName(d.value)} placeholder="Alert Bot" data-testid="new-name" />
          </Field>
          <Field label="Developer">
            <Input value={developer} onChange={(_, d) => setDeveloper(d.value)} placeholder="Contoso" />
          </Field>
          <Field label="Website (https)">
            <Input value={website} onChange={(_, d) => setWebsite(d.value)} placeholder="https://www.example.com" />
          </Field>
          <Field label="Bot ID" hint="The Microsoft App ID of your Azure Bot; leave empty to fill in later.">
            <Input value={botId} onChange={(_, d) => setBotId(d.value)} placeholder="00000000-0000-0000-0000-000000000000" />
          </Field>
          <div>
            <Button type="submit" icon={<AddRegular />} disabled={busy || !name.trim()} data-testid="new-create">
              Create
            </Button>
          </div>
        </form>
      </Card>
    </div>
  );
}
