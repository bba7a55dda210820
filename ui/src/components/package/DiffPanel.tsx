import { useRef } from "react";
import {
  Badge,
  Button,
  Card,
  CardHeader,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from "@fluentui/react-components";
import { DocumentArrowLeftRegular, ShieldErrorFilled } from "@fluentui/react-icons";
import type { DiffEntry, DiffResult } from "../../ipc/package";

const useStyles = makeStyles({
  body: { display: "grid", gap: tokens.spacingVerticalM },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, wordBreak: "break-all" },
  reconsentRow: { backgroundColor: tokens.colorPaletteRedBackground1 },
  hidden: { position: "absolute", width: "1px", height: "1px", opacity: 0, overflow: "hidden", pointerEvents: "none" },
  reasons: { margin: 0, paddingInlineStart: tokens.spacingHorizontalL },
});

function show(v: unknown) {
  if (v === null || v === undefined) return "—";
  const text = typeof v === "string" ? v : JSON.stringify(v);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

const kindColor = { added: "success", removed: "danger", changed: "informative" } as const;

export function DiffPanel({ result, busy, onPick }: { result: DiffResult | null; busy: boolean; onPick: (file: File) => void }) {
  const styles = useStyles();
  const input = useRef<HTMLInputElement>(null);
  const reconsent: DiffEntry[] = result?.diff.entries.filter((e) => e.reconsent) ?? [];
  // Re-consent changes first: they are what an admin must not miss.
  const entries = result ? [...reconsent, ...result.diff.entries.filter((e) => !e.reconsent)] : [];
  return (
    <Card data-testid="diff-panel">
      <CardHeader
        header={<Text weight="semibold">Compare</Text>}
        description="Pick the package you are replacing (e.g. the version in your catalog): BotDeck lists what this one changes, and what makes Teams ask for consent again."
        action={
          <Button icon={<DocumentArrowLeftRegular />} disabled={busy} onClick={() => input.current?.click()} data-testid="diff-pick">
            Compare with a zip…
          </Button>
        }
      />
      <input
        ref={input}
        type="file"
        accept=".zip,application/zip"
        className={styles.hidden}
        tabIndex={-1}
        aria-hidden
        data-testid="diff-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = "";
          if (file) onPick(file);
        }}
      />
      {result && (
        <div className={styles.body} data-testid="diff-result">
          {result.diff.reconsentRequired ? (
            <MessageBar intent="error" layout="multiline" icon={<ShieldErrorFilled />} data-testid="diff-reconsent">
              <MessageBarBody>
                <MessageBarTitle>Users and admins will be asked to consent again</MessageBarTitle>
                <ul className={styles.reasons}>
                  {reconsent.map((e) => (
                    <li key={e.path}>
                      <span className={styles.mono}>{e.path}</span>: {e.reconsent}
                    </li>
                  ))}
                </ul>
              </MessageBarBody>
            </MessageBar>
          ) : (
            <MessageBar intent="success" data-testid="diff-no-reconsent">
              <MessageBarBody>No change here makes Teams ask for consent again.</MessageBarBody>
            </MessageBar>
          )}
          <Text>
            From <b>{result.other}</b> to the open package: {result.diff.entries.length} changed value
            {result.diff.entries.length === 1 ? "" : "s"}, {result.diff.files.length} changed file{result.diff.files.length === 1 ? "" : "s"}.
          </Text>
          {entries.length > 0 && (
            <Table size="small" aria-label="Changed values">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>Field</TableHeaderCell>
                  <TableHeaderCell>Change</TableHeaderCell>
                  <TableHeaderCell>Before</TableHeaderCell>
                  <TableHeaderCell>After</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {entries.map((e) => (
                  <TableRow key={`${e.kind}${e.path}`} className={e.reconsent ? styles.reconsentRow : undefined} data-testid={`diff-entry-${e.path}`}>
                    <TableCell className={styles.mono}>
                      {e.path}
                      {e.reconsent && (
                        <>
                          {" "}
                          <Badge color="danger" appearance="filled" size="small">re-consent</Badge>
                        </>
                      )}
                    </TableCell>
                    <TableCell>
                      <Badge appearance="tint" color={kindColor[e.kind]}>{e.kind}</Badge>
                    </TableCell>
                    <TableCell className={styles.mono}>{show(e.old)}</TableCell>
                    <TableCell className={styles.mono}>{show(e.new)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
          {result.diff.files.length > 0 && (
            <Table size="small" aria-label="Changed files">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>File</TableHeaderCell>
                  <TableHeaderCell>Change</TableHeaderCell>
                  <TableHeaderCell>Size before</TableHeaderCell>
                  <TableHeaderCell>Size after</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {result.diff.files.map((f) => (
                  <TableRow key={f.name}>
                    <TableCell className={styles.mono}>{f.name}</TableCell>
                    <TableCell>
                      <Badge appearance="tint" color={kindColor[f.kind]}>{f.kind}</Badge>
                    </TableCell>
                    <TableCell>{f.oldSize ?? "—"}</TableCell>
                    <TableCell>{f.newSize ?? "—"}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </div>
      )}
    </Card>
  );
}
