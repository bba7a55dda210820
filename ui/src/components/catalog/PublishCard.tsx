import { useRef, useState } from "react";
import { Button, Card, CardHeader, Checkbox, makeStyles, MessageBar, MessageBarBody, MessageBarTitle, Text, tokens } from "@fluentui/react-components";
import { ArrowUploadRegular } from "@fluentui/react-icons";
import type { ApiError } from "../../ipc";
import { catalogIpc, type PublishResult } from "../../ipc/catalog";
import { FindingsList } from "./FindingsList";

const useStyles = makeStyles({
  body: { display: "grid", gap: tokens.spacingVerticalM },
  row: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "center", flexWrap: "wrap" },
  hidden: { display: "none" },
});

/**
 * Publish a package zip. When its manifest id is already in the catalog, offer to upload it
 * as an update instead (core refuses a version that is not greater before uploading).
 */
export function PublishCard({ onPublished, onError }: { onPublished: () => void; onError: (e: ApiError) => void }) {
  const styles = useStyles();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [review, setReview] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<PublishResult | null>(null);

  const send = async (asUpdateOf: string | null) => {
    if (!file) return;
    setBusy(true);
    try {
      const r = asUpdateOf ? await catalogIpc.update(asUpdateOf, file, { review }) : await catalogIpc.publish(file, { review });
      setResult(r);
      if (r.outcome) onPublished();
    } catch (err) {
      onError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };

  const refused = result?.refused ?? null;
  const outcome = result?.outcome ?? null;
  return (
    <Card data-testid="catalog-publish">
      <CardHeader header={<Text weight="semibold">Publish a package</Text>} description="A Teams app package (.zip): validated here first, then uploaded to your org catalog." />
      <div className={styles.body}>
        <div className={styles.row}>
          <input
            ref={input}
            type="file"
            accept=".zip,application/zip"
            className={styles.hidden}
            data-testid="catalog-file"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setResult(null);
            }}
          />
          <Button icon={<ArrowUploadRegular />} onClick={() => input.current?.click()} data-testid="catalog-pick">
            Choose a zip…
          </Button>
          <Text>{file ? file.name : "No file chosen"}</Text>
          <Checkbox label="Submit for review instead of publishing" checked={review} onChange={(_, d) => setReview(!!d.checked)} />
          <Button appearance="primary" disabled={!file || busy} onClick={() => void send(null)} data-testid="catalog-publish-send">
            {busy ? "Uploading…" : "Publish"}
          </Button>
        </div>
        {outcome && (
          <MessageBar intent="success" data-testid="catalog-published">
            <MessageBarBody>
              <MessageBarTitle>{outcome.kind === "updated" ? "Updated" : "Published"}</MessageBarTitle>
              {outcome.app.displayName} {outcome.version} is {outcome.publishingState}.
              {outcome.warnings.map((w) => ` ${w}`)}
            </MessageBarBody>
          </MessageBar>
        )}
        {outcome && <FindingsList findings={outcome.findings} />}
        {refused && (
          <MessageBar intent={refused.kind === "already_in_catalog" ? "warning" : "error"} data-testid="catalog-refused" data-kind={refused.kind}>
            <MessageBarBody>
              {refused.message}
              {refused.requestId ? ` (request-id ${refused.requestId})` : ""}
            </MessageBarBody>
            {refused.kind === "already_in_catalog" && refused.catalogId && (
              <Button appearance="primary" disabled={busy} onClick={() => void send(refused.catalogId)} data-testid="catalog-update-instead">
                Upload as an update
              </Button>
            )}
          </MessageBar>
        )}
        {refused && <FindingsList findings={refused.findings} />}
      </div>
    </Card>
  );
}
