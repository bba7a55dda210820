// How each diff row state and matrix cell looks. Colours come from Fluent tokens (palette
// foregrounds/backgrounds), so light and dark themes both work; every state also has a glyph
// and a word, so nothing is told by colour alone.
import { Badge, makeStyles, mergeClasses, tokens, type BadgeProps } from "@fluentui/react-components";
import { PersonRegular } from "@fluentui/react-icons";
import type { ReactNode } from "react";
import type { CellState, RowState } from "../../ipc/permissions";

export const rowStateMeta: Record<RowState, { label: string; color: BadgeProps["color"] }> = {
  granted: { label: "Granted", color: "success" },
  missing_required: { label: "Missing (required)", color: "danger" },
  missing_optional: { label: "Missing (optional)", color: "warning" },
  excess: { label: "Not needed", color: "severe" },
  broader: { label: "Broader than needed", color: "severe" },
  per_user_consent: { label: "Per-user consent", color: "important" },
  rsc_partial: { label: "Some teams only", color: "warning" },
  not_checked: { label: "Not checked", color: "informative" },
};

export function RowStateBadge({ state }: { state: RowState }) {
  const meta = rowStateMeta[state];
  return (
    <Badge appearance="tint" color={meta.color} data-testid="row-state" data-state={state}>
      {meta.label}
    </Badge>
  );
}

const useCellStyles = makeStyles({
  cell: {
    display: "inline-flex",
    alignItems: "center",
    justifyContent: "center",
    minWidth: "28px",
    height: "22px",
    paddingInline: tokens.spacingHorizontalXS,
    borderRadius: tokens.borderRadiusMedium,
    fontWeight: tokens.fontWeightSemibold,
    fontSize: tokens.fontSizeBase200,
  },
  granted: { backgroundColor: tokens.colorPaletteGreenBackground2, color: tokens.colorPaletteGreenForeground2 },
  missing: { backgroundColor: tokens.colorPaletteRedBackground2, color: tokens.colorPaletteRedForeground2 },
  excess: { backgroundColor: tokens.colorPaletteDarkOrangeBackground2, color: tokens.colorPaletteDarkOrangeForeground2 },
  per_user: { backgroundColor: tokens.colorPaletteBerryBackground2, color: tokens.colorPaletteBerryForeground2 },
  not_applicable: { color: tokens.colorNeutralForeground4 },
  not_checked: { backgroundColor: tokens.colorNeutralBackground3, color: tokens.colorNeutralForeground3 },
});

// Plain glyphs that every font has (no emoji: WebKitGTK without an emoji font shows boxes).
export const cellMeta: Record<CellState, { glyph: ReactNode; label: string }> = {
  granted: { glyph: "✓", label: "granted" },
  missing: { glyph: "✕", label: "missing" },
  excess: { glyph: "!", label: "granted, not needed" },
  per_user: { glyph: <PersonRegular />, label: "one user's own consent" },
  not_applicable: { glyph: "·", label: "does not apply" },
  not_checked: { glyph: "?", label: "not checked" },
};

export function MatrixCell({ state, where }: { state: CellState; where: string }) {
  const styles = useCellStyles();
  const meta = cellMeta[state];
  return (
    <span
      className={mergeClasses(styles.cell, styles[state])}
      role="img"
      aria-label={`${meta.label} — ${where}`}
      title={`${meta.label} — ${where}`}
      data-cell={state}
    >
      {meta.glyph}
    </span>
  );
}

export const kindLabel: Record<string, string> = {
  application: "Application",
  delegated: "Delegated",
  rsc: "RSC",
};
