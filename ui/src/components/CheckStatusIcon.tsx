import { tokens } from "@fluentui/react-components";
import { CheckmarkCircleFilled, DismissCircleFilled, WarningFilled } from "@fluentui/react-icons";
import type { CheckStatus } from "../ipc";

export function CheckStatusIcon({ status }: { status: CheckStatus }) {
  switch (status) {
    case "ok":
      return <CheckmarkCircleFilled aria-label="OK" color={tokens.colorPaletteGreenForeground1} />;
    case "warn":
      return <WarningFilled aria-label="Warning" color={tokens.colorPaletteMarigoldForeground1} />;
    case "fail":
      return <DismissCircleFilled aria-label="Failed" color={tokens.colorPaletteRedForeground1} />;
  }
}
