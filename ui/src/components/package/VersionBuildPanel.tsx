import { useEffect, useState } from "react";
import {
  Button,
  Card,
  CardHeader,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Text,
  tokens,
} from "@fluentui/react-components";
import { ArrowDownloadRegular, ArrowUpRegular } from "@fluentui/react-icons";
import type { BuildResult, BumpLevel, PackageView } from "../../ipc/package";

const useStyles = makeStyles({
  grid: { display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(340px, 1fr))", gap: tokens.spacingHorizontalL, alignItems: "start", "& > *": { minWidth: 0 } },
  body: { display: "grid", gap: tokens.spacingVerticalM },
  version: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeHero800, fontWeight: tokens.fontWeightSemibold },
  row: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
  mono: { fontFamily: tokens.fontFamilyMonospace, wordBreak: "break-all" },
  hint: { color: tokens.colorNeutralForeground3 },
});

/** What a bump would give, for the button labels. The real bump is done (and checked) in Rust. */
export function nextVersion(version: string, level: BumpLevel): string | null {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!m) return null;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (level === "patch") return `${major}.${minor}.${patch + 1}`;
  if (level === "minor") return `${major}.${minor + 1}.0`;
  return `${major + 1}.0.0`;
}

function formatSize(bytes: number) {
  return bytes < 1024 ? `${bytes} bytes` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

export interface VersionBuildPanelProps {
  view: PackageView;
  busy: boolean;
  lastBuild: BuildResult | null;
  onBump: (level: BumpLevel) => void;
  onCatalogVersion: (version: string | null) => void;
  onBuild: (directory: string | null, fileName: string | null) => void;
}

export function VersionBuildPanel({ view, busy, lastBuild, onBump, onCatalogVersion, onBuild }: VersionBuildPanelProps) {
  const styles = useStyles();
  const version = view.form?.version ?? "";
  const [catalog, setCatalog] = useState(view.catalogVersion ?? "");
  const [directory, setDirectory] = useState("");
  const [fileName, setFileName] = useState("");
  useEffect(() => setCatalog(view.catalogVersion ?? ""), [view.catalogVersion]);
  const catalogFinding = view.report.findings.find((f) => f.code === "BD-VER-002");
  const commitCatalog = () => {
    const next = catalog.trim() === "" ? null : catalog.trim();
    if (next !== (view.catalogVersion ?? null)) onCatalogVersion(next);
  };
  const errors = view.report.errors;

  return (
    <div className={styles.grid}>
      <Card data-testid="version-card">
        <CardHeader header={<Text weight="semibold">Version</Text>} description="Teams refuses an update whose version is not greater than the one in your org catalog." />
        <div className={styles.body}>
          <Text className={styles.version} data-testid="current-version">
            {version || "—"}
          </Text>
          <div className={styles.row}>
            {(["patch", "minor", "major"] as BumpLevel[]).map((level) => {
              const next = nextVersion(version, level);
              return (
                <Button
                  key={level}
                  icon={<ArrowUpRegular />}
                  disabled={busy || !view.form}
                  onClick={() => onBump(level)}
                  data-testid={`bump-${level}`}
                >
                  {level[0]!.toUpperCase() + level.slice(1)}
                  {next ? ` → ${next}` : ""}
                </Button>
              );
            })}
          </div>
          <Field
            label="Version in the org catalog (optional)"
            hint="When set, validation checks that this package is newer (BD-VER-002)."
            validationState={catalogFinding ? "error" : "none"}
            validationMessage={catalogFinding ? catalogFinding.message : undefined}
          >
            <Input
              value={catalog}
              placeholder="e.g. 1.0.3"
              onChange={(_, d) => setCatalog(d.value)}
              onBlur={commitCatalog}
              onKeyDown={(e) => {
                if (e.key === "Enter") commitCatalog();
              }}
              data-testid="catalog-version"
            />
          </Field>
        </div>
      </Card>

      <Card data-testid="build-card">
        <CardHeader
          header={<Text weight="semibold">Build</Text>}
          description="A reproducible zip: the same package always gives the same bytes."
        />
        <div className={styles.body}>
          <Field label="Save in folder" hint={view.defaultSaveDir ? `Empty: ${view.defaultSaveDir}` : "Type an absolute folder path."}>
            <Input
              value={directory}
              placeholder={view.defaultSaveDir ?? "/home/me/Downloads"}
              onChange={(_, d) => setDirectory(d.value)}
              data-testid="build-directory"
            />
          </Field>
          <Field label="File name">
            <Input value={fileName} placeholder={view.suggestedFileName} onChange={(_, d) => setFileName(d.value)} data-testid="build-file-name" />
          </Field>
          <div className={styles.row}>
            <Button
              appearance="primary"
              icon={<ArrowDownloadRegular />}
              disabled={busy || errors > 0}
              onClick={() => onBuild(directory.trim() || null, fileName.trim() || null)}
              data-testid="build-button"
            >
              Build zip
            </Button>
            {errors > 0 && (
              <Text className={styles.hint} data-testid="build-blocked">
                Fix the {errors} error{errors === 1 ? "" : "s"} first — Teams would refuse this package.
              </Text>
            )}
          </div>
          {lastBuild && (
            <MessageBar intent="success" layout="multiline" data-testid="build-result">
              <MessageBarBody>
                <MessageBarTitle>{lastBuild.unchanged ? "Already saved" : "Saved"}</MessageBarTitle>
                {lastBuild.fileName} ({formatSize(lastBuild.size)}) in <span className={styles.mono} data-testid="build-path">{lastBuild.path}</span>
                {lastBuild.unchanged ? " — the file there has exactly these bytes." : ""}
              </MessageBarBody>
            </MessageBar>
          )}
        </div>
      </Card>
    </div>
  );
}
