import { Button, Card, CardHeader, makeStyles, Text, tokens } from "@fluentui/react-components";
import { CopyRegular } from "@fluentui/react-icons";
import { useState } from "react";
import type { AppInfo } from "../ipc";

const useStyles = makeStyles({
  stack: { display: "grid", gap: tokens.spacingVerticalL, maxWidth: "980px" },
  body: { display: "grid", gap: tokens.spacingVerticalS, paddingInline: tokens.spacingHorizontalXS },
  row: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalS },
  mono: { fontFamily: tokens.fontFamilyMonospace, wordBreak: "break-all" },
});

export function ActivityPage({ info }: { info: AppInfo | null }) {
  const styles = useStyles();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    if (!info) return;
    try {
      await navigator.clipboard.writeText(info.logFile);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div className={styles.stack}>
      <Card>
        <CardHeader header={<Text weight="semibold">Log file</Text>} description="Attach it when you ask for support. It never contains sign-in tokens." />
        <div className={styles.body}>
          <div className={styles.row}>
            <Text className={styles.mono} data-testid="activity-log-file">{info?.logFile ?? "…"}</Text>
            <Button size="small" icon={<CopyRegular />} onClick={() => void copy()} disabled={!info}>
              {copied ? "Copied" : "Copy path"}
            </Button>
          </div>
        </div>
      </Card>
      <Card>
        <CardHeader header={<Text weight="semibold">Audit log</Text>} />
        <div className={styles.body}>
          <Text>
            BotDeck cannot change your tenant in this build yet, so nothing has been recorded. Once publishing and
            installing arrive, every change is listed here: who, what, which team or chat, the result and Graph's
            request id.
          </Text>
        </div>
      </Card>
    </div>
  );
}
