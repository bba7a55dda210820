import { useRef, useState } from "react";
import {
  Badge,
  Button,
  Card,
  CardHeader,
  Checkbox,
  makeStyles,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Text,
  tokens,
} from "@fluentui/react-components";
import { ArrowUploadRegular, BoxRegular } from "@fluentui/react-icons";
import type { ApiError } from "../../ipc";
import { catalogIpc, type CatalogAppView, type LocalPackageInfo, type PackageCheck, type PublishResult } from "../../ipc/catalog";
import { compareVersions } from "../installs/format";
import { FindingsList } from "./FindingsList";
import { useSession } from "../../session";
import { SignInDialog } from "../SignInDialog";
import { count } from "../plural";

const useStyles = makeStyles({
  body: { display: "grid", gap: tokens.spacingVerticalM },
  row: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "center", flexWrap: "wrap" },
  hidden: { display: "none" },
  reason: { color: tokens.colorNeutralForeground2 },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, color: tokens.colorNeutralForeground3 },
});

/** What would be uploaded: a chosen zip (read locally first) or the Package page's open package. */
export type Candidate =
  | { source: "zip"; file: File; check: PackageCheck | null }
  | { source: "package"; info: LocalPackageInfo };

export function candidateInfo(c: Candidate | null): { manifestId: string | null; version: string | null; label: string } | null {
  if (!c) return null;
  if (c.source === "package") return { manifestId: c.info.manifestId, version: c.info.version, label: "open package" };
  return { manifestId: c.check?.manifestId ?? null, version: c.check?.version ?? null, label: "chosen zip" };
}

/** The catalog app a candidate would update: the one with its manifest id. */
export function matchOf(c: Candidate | null, apps: CatalogAppView[]): CatalogAppView | null {
  const id = candidateInfo(c)?.manifestId?.toLowerCase();
  if (!id) return null;
  return apps.find((v) => v.app.externalId?.toLowerCase() === id) ?? null;
}

/**
 * Publish a package: a chosen zip or the package open in the Package page. The zip is read
 * locally first, so before anything is uploaded the card says whether it is a new app or an
 * update of an app already in the catalog, and whether its version is greater. Core still
 * checks the version against the live catalog (this list may be the cache).
 */
/**
 * Why publishing this candidate would fail, known before anything is sent; null when the local
 * checks pass. Core still checks against the live catalog (this list may be the cache).
 */
export function publishBlocker(
  candidate: Candidate | null,
  match: CatalogAppView | null,
  reading: boolean,
): string | null {
  if (!candidate) return "Choose a zip or use the open package first.";
  if (reading) return "Reading the package…";
  if (candidate.source === "zip") {
    const check = candidate.check;
    if (!check) return "The package could not be read.";
    if (check.errors > 0)
      return `The package has ${check.errors} error${check.errors === 1 ? "" : "s"}: fix ${check.errors === 1 ? "it" : "them"} in the Package page first.`;
    if (!check.version) return "The package's manifest has no version.";
  }
  const info = candidateInfo(candidate);
  const catalogVersion = match?.currentVersion ?? null;
  if (match && info?.version && catalogVersion) {
    const c = compareVersions(info.version, catalogVersion);
    if (c === 0) return `The catalog has ${match.app.displayName} ${catalogVersion} already: bump the version to publish an update.`;
    if (c < 0) return `${info.version} is lower than the catalog's ${catalogVersion}: the catalog only takes a greater version.`;
  }
  return null;
}

export function PublishCard({
  apps,
  localPackage,
  candidate,
  signedIn = true,
  onCandidate,
  onPublished,
  onError,
}: {
  apps: CatalogAppView[];
  localPackage: LocalPackageInfo | null;
  candidate: Candidate | null;
  /** Signed out, the local checks still run; the sign-in is asked only when they pass. */
  signedIn?: boolean;
  onCandidate: (c: Candidate | null) => void;
  onPublished: () => void;
  onError: (e: ApiError, retry?: () => void) => void;
}) {
  const styles = useStyles();
  const { session, update } = useSession();
  const [signIn, setSignIn] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const [review, setReview] = useState(false);
  const [busy, setBusy] = useState(false);
  const [reading, setReading] = useState(false);
  const [result, setResult] = useState<PublishResult | null>(null);

  const info = candidateInfo(candidate);
  const match = matchOf(candidate, apps);
  const catalogVersion = match?.currentVersion ?? null;
  const greater = !!info?.version && (!catalogVersion || compareVersions(info.version, catalogVersion) > 0);
  // The version that blocks another upload may be a submission nobody has reviewed yet.
  const catalogVersionInReview = !!match?.app.definitions.some(
    (d) => d.publishingState === "submitted" && !!catalogVersion && compareVersions(d.version, catalogVersion) === 0,
  );

  const choose = async (file: File | null) => {
    setResult(null);
    if (!file) {
      onCandidate(null);
      return;
    }
    onCandidate({ source: "zip", file, check: null });
    setReading(true);
    try {
      onCandidate({ source: "zip", file, check: await catalogIpc.inspect(file) });
    } catch (err) {
      onCandidate(null);
      onError(err as ApiError);
    } finally {
      setReading(false);
    }
  };

  const send = async (asUpdateOf: string | null) => {
    if (!candidate) return;
    setBusy(true);
    try {
      let r: PublishResult;
      if (candidate.source === "package") r = await catalogIpc.publishOpen(asUpdateOf, { review });
      else if (asUpdateOf) r = await catalogIpc.update(asUpdateOf, candidate.file, { review });
      else r = await catalogIpc.publish(candidate.file, { review });
      setResult(r);
      if (r.outcome) onPublished();
    } catch (err) {
      // After "sign in again", the page repeats this very upload.
      onError(err as ApiError, () => void send(asUpdateOf));
    } finally {
      setBusy(false);
    }
  };

  const refused = result?.refused ?? null;
  const outcome = result?.outcome ?? null;
  const local = candidate?.source === "zip" ? (candidate.check?.findings ?? []) : [];
  // Microsoft's manifest errors next to BotDeck's own; an invalid-package refusal already is BotDeck's.
  const findings = refused
    ? refused.kind === "invalid_package"
      ? refused.findings
      : [...refused.findings, ...local]
    : outcome
      ? outcome.findings
      : local;
  const what = match ? `${match.app.displayName} ${info?.version ?? "?"}` : (info?.version ?? "");
  const blocker = publishBlocker(candidate, match, reading);
  const sendLabel = busy
    ? "Uploading…"
    : !candidate || blocker
      ? "Publish"
      : !signedIn
        ? "Sign in to publish"
        : match
          ? `Publish ${what} as an update`
          : "Publish as a new app";

  return (
    <Card data-testid="catalog-publish">
      <CardHeader
        header={<Text weight="semibold">Publish a package</Text>}
        description="A Teams app package: a zip you choose, or the package open in the Package page. Validated here first, then uploaded to your org catalog."
      />
      <div className={styles.body}>
        <div className={styles.row}>
          <input
            ref={input}
            type="file"
            accept=".zip,application/zip"
            className={styles.hidden}
            data-testid="catalog-file"
            onChange={(e) => {
              void choose(e.target.files?.[0] ?? null);
              // The same file chosen again (e.g. rebuilt) must still fire a change.
              e.target.value = "";
            }}
          />
          <Button icon={<ArrowUploadRegular />} onClick={() => input.current?.click()} data-testid="catalog-pick">
            Choose a zip…
          </Button>
          {localPackage && candidate?.source !== "package" && (
            <Button
              icon={<BoxRegular />}
              onClick={() => {
                setResult(null);
                onCandidate({ source: "package", info: localPackage });
              }}
              data-testid="catalog-use-open-package"
            >
              Use the open package ({localPackage.name} {localPackage.version})
            </Button>
          )}
        </div>
        <div className={styles.row} data-testid="catalog-candidate" data-source={candidate?.source ?? "none"}>
          {!candidate && <Text>No package chosen.</Text>}
          {candidate?.source === "zip" && (
            <>
              <Text weight="semibold">{candidate.file.name}</Text>
              {reading && <Text>Reading…</Text>}
              {candidate.check && (
                <Text>
                  {candidate.check.name ?? "unreadable manifest"} {candidate.check.version ?? ""}
                </Text>
              )}
            </>
          )}
          {candidate?.source === "package" && (
            <Text weight="semibold">
              Open package: {candidate.info.name} {candidate.info.version}
            </Text>
          )}
          {info?.manifestId && <Text className={styles.mono}>manifest id {info.manifestId}</Text>}
          {candidate?.source === "zip" && candidate.check && (
            <Badge appearance="tint" color={candidate.check.errors > 0 ? "danger" : candidate.check.warnings > 0 ? "warning" : "success"} data-testid="catalog-check">
              {count(candidate.check.errors, "error")}, {count(candidate.check.warnings, "warning")}
            </Badge>
          )}
        </div>
        {candidate && info?.version && (
          <div className={styles.row} data-testid="catalog-target" data-kind={match ? (greater ? "update" : "not-greater") : "new"}>
            {!match && <Text>Not in your org catalog yet: it is published as a new app.</Text>}
            {match && greater && (
              <Text>
                <strong>Update available:</strong> {match.app.displayName} is at {catalogVersion ?? "no version"} in the catalog; this{" "}
                {info.label} is {info.version}.
              </Text>
            )}
            {match && !greater && catalogVersion && compareVersions(info.version, catalogVersion) === 0 && (
              <Text>
                {catalogVersionInReview
                  ? `${match.app.displayName} ${catalogVersion} is in the catalog already, waiting for review: approve, reject or withdraw it, or upload a greater version.`
                  : `The catalog has ${match.app.displayName} ${catalogVersion} already: another upload needs a greater version.`}
              </Text>
            )}
            {match && !greater && catalogVersion && compareVersions(info.version, catalogVersion) < 0 && (
              <Text>
                {info.version} is not greater than {catalogVersion}, {match.app.displayName}&apos;s version in the catalog: the catalog
                refuses it. Bump the version in the Package page first.
              </Text>
            )}
          </div>
        )}
        <div className={styles.row}>
          <Checkbox label="Submit for review instead of publishing" checked={review} onChange={(_, d) => setReview(!!d.checked)} data-testid="catalog-review-flag" />
          <Button
            appearance="primary"
            disabled={!!blocker || busy}
            aria-describedby={blocker ? "catalog-publish-blocker" : undefined}
            onClick={() => (signedIn ? void send(match?.app.id ?? null) : setSignIn(true))}
            data-testid="catalog-publish-send"
          >
            {sendLabel}
          </Button>
          {blocker && (
            <Text id="catalog-publish-blocker" className={styles.reason} data-testid="catalog-publish-blocker">
              {blocker}
            </Text>
          )}
        </div>
        {session?.current && (
          <SignInDialog
            profile={session.current}
            feature="publish"
            open={signIn}
            onClose={() => setSignIn(false)}
            onSignedIn={(next) => {
              setSignIn(false);
              void update(next);
              // Signed in for this upload: send it now (the checks already passed).
              void send(match?.app.id ?? null);
            }}
          />
        )}
        {outcome && (
          <MessageBar intent="success" data-testid="catalog-published" data-state={outcome.publishingState}>
            <MessageBarBody>
              <MessageBarTitle>{outcome.kind === "updated" ? "Updated" : "Published"}</MessageBarTitle>
              {outcome.app.displayName} {outcome.version} is {outcome.publishingState}.{outcome.warnings.map((w) => ` ${w}`)}
            </MessageBarBody>
          </MessageBar>
        )}
        {refused && (
          <MessageBar intent={refused.kind === "already_in_catalog" ? "warning" : "error"} data-testid="catalog-refused" data-kind={refused.kind}>
            <MessageBarBody>
              <MessageBarTitle>{refused.kind === "already_in_catalog" ? "Already in the catalog" : "Not uploaded"}</MessageBarTitle>
              {refused.message}
              {refused.requestId ? ` (request-id ${refused.requestId})` : ""}
            </MessageBarBody>
            {refused.kind === "already_in_catalog" && refused.catalogId && (
              <MessageBarActions>
                <Button appearance="primary" disabled={busy} onClick={() => void send(refused.catalogId)} data-testid="catalog-update-instead">
                  Upload as an update
                </Button>
              </MessageBarActions>
            )}
          </MessageBar>
        )}
        <FindingsList findings={findings} />
      </div>
    </Card>
  );
}
