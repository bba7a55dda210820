import { useCallback, useEffect, useRef, useState } from "react";
import {
  Badge,
  Button,
  Card,
  makeStyles,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Tab,
  TabList,
  Text,
  tokens,
} from "@fluentui/react-components";
import { DismissRegular } from "@fluentui/react-icons";
import {
  packageIpc,
  type ApiError,
  type BuildResult,
  type BumpLevel,
  type DiffResult,
  type Finding,
  type IconRole,
  type ManifestEdit,
  type NewPackageRequest,
  type PackageView,
} from "../ipc/package";
import { FindingsPanel } from "../components/package/FindingsPanel";
import { ManifestEditor } from "../components/package/ManifestEditor";
import { ManifestJson, type ManifestJsonHandle } from "../components/package/ManifestJson";
import { IconsPanel } from "../components/package/IconsPanel";
import { VersionBuildPanel } from "../components/package/VersionBuildPanel";
import { DiffPanel } from "../components/package/DiffPanel";
import { OpenPanel, OpenZipButton } from "../components/package/OpenPanel";

const useStyles = makeStyles({
  stack: { display: "grid", gap: tokens.spacingVerticalL },
  bar: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "center", flexWrap: "wrap" },
  titleBlock: { display: "grid", gap: tokens.spacingVerticalXXS, flexGrow: 1, minWidth: 0 },
  source: { fontFamily: tokens.fontFamilyMonospace, wordBreak: "break-all" },
  sub: { color: tokens.colorNeutralForeground3 },
  editor: { display: "grid", gridTemplateColumns: "minmax(360px, 1fr) minmax(360px, 1fr)", gap: tokens.spacingHorizontalL, alignItems: "start", "& > *": { minWidth: 0 } },
  sticky: { position: "sticky", top: 0 },
});

type PageTab = "manifest" | "icons" | "release" | "compare";

/** `[data-pointer="…"]` for the pointer or its nearest ancestor that has a field. */
function fieldFor(pointer: string): HTMLElement | null {
  let p = pointer;
  while (p !== "") {
    const quoted = p.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
    const el = document.querySelector<HTMLElement>(`[data-pointer="${quoted}"]`);
    if (el) return el;
    p = p.slice(0, p.lastIndexOf("/"));
  }
  return null;
}

export function PackagePage() {
  const styles = useStyles();
  const [view, setView] = useState<PackageView | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [tab, setTab] = useState<PageTab>("manifest");
  const [lastBuild, setLastBuild] = useState<BuildResult | null>(null);
  const [diff, setDiff] = useState<DiffResult | null>(null);
  const [target, setTarget] = useState<Finding | null>(null);
  const json = useRef<ManifestJsonHandle>(null);
  // Edits are sent as the admin types; only the answer to the latest request is shown (the
  // open package in Rust already holds every earlier edit).
  const seq = useRef(0);

  useEffect(() => {
    packageIpc.current().then(
      (v) => {
        setView(v);
        setLoaded(true);
      },
      (err: ApiError) => {
        setError(err);
        setLoaded(true);
      },
    );
  }, []);

  /** Runs an action that answers with a new view; `busy` disables the buttons meanwhile. */
  const act = useCallback(async <T,>(op: () => Promise<T>, pick: ((r: T) => PackageView | null) | null, opts: { quiet?: boolean } = {}): Promise<T | null> => {
    // Only requests that answer with a view take a turn; a build or a preview must not make
    // the answer to an edit in flight look stale.
    const mine = pick ? ++seq.current : seq.current;
    if (!opts.quiet) setBusy(true);
    try {
      const result = await op();
      const next = pick ? pick(result) : null;
      if (next && mine === seq.current) setView(next);
      setError(null);
      return result;
    } catch (err) {
      setError(err as ApiError);
      return null;
    } finally {
      if (!opts.quiet) setBusy(false);
    }
  }, []);

  const opened = (v: PackageView | null) => {
    if (v) {
      setLastBuild(null);
      setDiff(null);
      setTab("manifest");
    }
  };

  const openFile = async (file: File) => opened(await act(() => packageIpc.open(file), (v) => v));
  const openPath = async (path: string) => opened(await act(() => packageIpc.openPath(path), (v) => v));
  const newApp = async (req: NewPackageRequest) => opened(await act(() => packageIpc.newApp(req), (v) => v));
  const close = async () => {
    await act(() => packageIpc.close(), null);
    seq.current++;
    setView(null);
  };
  const edit = (edits: ManifestEdit[]) => void act(() => packageIpc.edit(edits), (v) => v, { quiet: true });
  const setText = (text: string) => void act(() => packageIpc.setManifest(text), (v) => v, { quiet: true });
  const bump = (level: BumpLevel) => void act(() => packageIpc.bump(level), (v) => v);
  const catalog = (version: string | null) => void act(() => packageIpc.setCatalogVersion(version), (v) => v);
  const build = async (directory: string | null, fileName: string | null) => {
    const r = await act(() => packageIpc.build(directory, fileName), null);
    if (r) setLastBuild(r);
  };
  const iconPreview = (role: IconRole) => act(() => packageIpc.iconFixPreview(role), null);
  const iconFix = (role: IconRole) => act(() => packageIpc.iconFix(role), (c) => c.view);
  const iconReplace = (role: IconRole, file: File) => act(() => packageIpc.iconReplace(role, file), (c) => c.view);
  const compare = async (file: File) => {
    const r = await act(() => packageIpc.diff(file), null);
    if (r) setDiff(r);
  };

  /** A finding takes the admin to its field: the form input, an icon, or the JSON line. */
  const goTo = (f: Finding) => {
    if (f.file !== "" && f.file !== "manifest.json") {
      setTab("icons");
      setTarget(f);
      return;
    }
    if (f.path.startsWith("/version") && tab === "release") {
      setTarget(f);
      return;
    }
    setTab("manifest");
    setTarget(f);
  };

  useEffect(() => {
    if (!target) return;
    // After the tab has rendered its fields.
    const t = setTimeout(() => {
      let el: HTMLElement | null = null;
      if (target.file !== "" && target.file !== "manifest.json") {
        const role = view?.colorIcon.file === target.file ? "color" : "outline";
        el = document.querySelector<HTMLElement>(`[data-testid="icon-fix-preview-${role}"]`);
      } else if (target.file === "manifest.json") {
        el = fieldFor(target.path);
      }
      if (el) {
        el.scrollIntoView?.({ block: "center" });
        el.focus();
      } else if (target.file === "manifest.json") {
        json.current?.focusLine(target.line);
      }
      setTarget(null);
    }, 0);
    return () => clearTimeout(t);
  }, [target, tab, view]);

  const errorBar = error && (
    <MessageBar intent="error" data-testid="package-error">
      <MessageBarBody>
        <MessageBarTitle>That did not work</MessageBarTitle>
        {error.message}
      </MessageBarBody>
      <MessageBarActions containerAction={<Button appearance="transparent" aria-label="Dismiss" icon={<DismissRegular />} onClick={() => setError(null)} />} />
    </MessageBar>
  );

  if (!loaded) return <Spinner size="small" label="Loading…" />;

  if (!view) {
    return (
      <div className={styles.stack} data-testid="package-page">
        {errorBar}
        <OpenPanel busy={busy} onOpenFile={openFile} onOpenPath={openPath} onNew={newApp} />
      </div>
    );
  }

  const s = view.summary;
  return (
    <div className={styles.stack} data-testid="package-page">
      {errorBar}
      <Card>
        <div className={styles.bar}>
          <div className={styles.titleBlock}>
            <Text weight="semibold" size={500} data-testid="package-title">
              {s?.name ?? "(no name)"} {s?.version && <span data-testid="package-version">{s.version}</span>}
            </Text>
            <Text size={200} className={styles.sub}>
              <span className={styles.source} data-testid="package-source">{view.source}</span>
              {s?.manifestVersion ? ` · manifest ${s.manifestVersion}` : ""}
              {s ? ` · ${s.files.length} file${s.files.length === 1 ? "" : "s"}` : ""}
            </Text>
          </div>
          {view.edited && (
            <Badge appearance="tint" color="warning" data-testid="package-edited">
              edited — build to save
            </Badge>
          )}
          {busy && <Spinner size="tiny" />}
          <OpenZipButton busy={busy} onFile={openFile} appearance="secondary" label="Open another zip…" />
          <Button icon={<DismissRegular />} onClick={() => void close()} disabled={busy} data-testid="package-close">
            Close
          </Button>
        </div>
      </Card>

      <FindingsPanel view={view} onSelect={goTo} />

      <TabList selectedValue={tab} onTabSelect={(_, d) => setTab(d.value as PageTab)} aria-label="Package sections">
        <Tab value="manifest" data-testid="package-tab-manifest">Manifest</Tab>
        <Tab value="icons" data-testid="package-tab-icons">Icons</Tab>
        <Tab value="release" data-testid="package-tab-release">Version & build</Tab>
        <Tab value="compare" data-testid="package-tab-compare">Compare</Tab>
      </TabList>

      {tab === "manifest" && (
        <div className={styles.editor}>
          <Card>
            {view.form ? (
              <ManifestEditor form={view.form} findings={view.report.findings} onEdits={edit} />
            ) : (
              <MessageBar intent="warning" data-testid="form-unavailable">
                <MessageBarBody>manifest.json is not a JSON object yet: fix it on the right and the form comes back.</MessageBarBody>
              </MessageBar>
            )}
          </Card>
          <Card className={styles.sticky}>
            <ManifestJson ref={json} text={view.manifestText} findings={view.report.findings} onChange={setText} />
          </Card>
        </div>
      )}
      {tab === "icons" && <IconsPanel view={view} busy={busy} onPreview={iconPreview} onFix={iconFix} onReplace={iconReplace} />}
      {tab === "release" && (
        <VersionBuildPanel view={view} busy={busy} lastBuild={lastBuild} onBump={bump} onCatalogVersion={catalog} onBuild={(d, n) => void build(d, n)} />
      )}
      {tab === "compare" && <DiffPanel result={diff} busy={busy} onPick={(f) => void compare(f)} />}
    </div>
  );
}
