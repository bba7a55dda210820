import { useRef, useState } from "react";
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DialogTrigger,
  Text,
  Tooltip,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { InfoRegular } from "@fluentui/react-icons";
import type { AppInfo } from "../ipc";

const useStyles = makeStyles({
  facts: {
    display: "grid",
    gridTemplateColumns: "max-content 1fr",
    columnGap: tokens.spacingHorizontalL,
    rowGap: tokens.spacingVerticalS,
    margin: 0,
  },
  term: { color: tokens.colorNeutralForeground3 },
  value: { margin: 0, fontFamily: tokens.fontFamilyMonospace, overflowWrap: "anywhere" },
  trigger: { color: tokens.colorNeutralForegroundOnBrand },
});

/**
 * The header's "About BotDeck" button and its dialog: which release this is and the commit it
 * was built from (what a support request needs first), and where it keeps its data and log.
 */
export function AboutDialog({ info }: { info: AppInfo | null }) {
  const styles = useStyles();
  const [open, setOpen] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const onOpenChange = (next: boolean) => {
    setOpen(next);
    // Back to the button that opened it, so a keyboard user carries on where they were.
    if (!next) opener.current?.focus();
  };
  return (
    <>
      <Tooltip content="About BotDeck" relationship="label">
        <Button
          appearance="transparent"
          className={styles.trigger}
          icon={<InfoRegular />}
          onClick={() => setOpen(true)}
          ref={opener}
          data-testid="about-open"
        />
      </Tooltip>
      {/* Escape and the Close button both end it (Fluent's Dialog reports either as open: false). */}
      <Dialog open={open} onOpenChange={(_, data) => onOpenChange(data.open)}>
      <DialogSurface data-testid="about-dialog" aria-describedby="about-facts">
        <DialogBody>
          <DialogTitle>About BotDeck</DialogTitle>
          <DialogContent>
            <Text as="p">Install, update and audit a Microsoft Teams bot app in your tenant.</Text>
            {info ? (
              <dl className={styles.facts} id="about-facts">
                <dt className={styles.term}>Version</dt>
                <dd className={styles.value} data-testid="about-version">
                  {info.version}
                </dd>
                <dt className={styles.term}>Commit</dt>
                <dd className={styles.value} data-testid="about-commit">
                  {info.commit}
                </dd>
                <dt className={styles.term}>Data folder</dt>
                <dd className={styles.value}>{info.dataDir}</dd>
                <dt className={styles.term}>Log file</dt>
                <dd className={styles.value}>{info.logFile}</dd>
                <dt className={styles.term}>Licence</dt>
                <dd className={styles.value}>MIT</dd>
              </dl>
            ) : (
              <Text as="p" id="about-facts" data-testid="about-unknown">
                BotDeck could not read its own version: see the message on the page.
              </Text>
            )}
          </DialogContent>
          <DialogActions>
            <DialogTrigger disableButtonEnhancement>
              <Button appearance="primary" data-testid="about-close">
                Close
              </Button>
            </DialogTrigger>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
      </Dialog>
    </>
  );
}
