import { useRef, useState } from "react";
import {
  Badge,
  Button,
  Card,
  CardHeader,
  makeStyles,
  mergeClasses,
  Text,
  tokens,
} from "@fluentui/react-components";
import { ArrowRightRegular, ImageAddRegular, WandRegular } from "@fluentui/react-icons";
import type { ApiError, Finding, IconChange, IconFixPreview, IconRole, IconView, PackageView } from "../../ipc/package";
import { SeverityIcon } from "./FindingsPanel";

// The checkerboards are the one place with fixed colours: they stand for "transparent" and
// must look the same in both themes, dark squares for the white outline icon, light ones for
// what Teams shows on a light background.
const useStyles = makeStyles({
  grid: { display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(320px, 1fr))", gap: tokens.spacingHorizontalL, alignItems: "start", "& > *": { minWidth: 0 } },
  stage: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "flex-end", flexWrap: "wrap" },
  board: {
    display: "grid",
    placeItems: "center",
    padding: tokens.spacingHorizontalM,
    borderRadius: tokens.borderRadiusMedium,
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    backgroundSize: "16px 16px",
  },
  light: { backgroundImage: "repeating-conic-gradient(#ffffff 0% 25%, #d9d9d9 0% 50%)" },
  dark: { backgroundImage: "repeating-conic-gradient(#202020 0% 25%, #3a3a3a 0% 50%)" },
  caption: { display: "grid", justifyItems: "center", gap: tokens.spacingVerticalXXS, fontSize: tokens.fontSizeBase200, color: tokens.colorNeutralForeground3 },
  img: { imageRendering: "pixelated", display: "block", maxWidth: "100%" },
  missing: { padding: tokens.spacingHorizontalL, color: tokens.colorNeutralForeground3 },
  actions: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
  problems: { listStyle: "none", margin: 0, padding: 0, display: "grid", gap: tokens.spacingVerticalXS },
  problem: { display: "flex", gap: tokens.spacingHorizontalS, alignItems: "flex-start", "& > svg": { flexShrink: 0 } },
  hidden: { position: "absolute", width: "1px", height: "1px", opacity: 0, overflow: "hidden", pointerEvents: "none" },
  preview: {
    display: "grid",
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingHorizontalM,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground3,
  },
});

function Board({ dark, children, label }: { dark?: boolean; children: React.ReactNode; label: string }) {
  const styles = useStyles();
  return (
    <div className={styles.caption}>
      <div className={mergeClasses(styles.board, dark ? styles.dark : styles.light)}>{children}</div>
      <span>{label}</span>
    </div>
  );
}

/** An image at its real pixel size (capped to the card's width). */
function RealSize({ src, width, height, alt, testId }: { src: string; width: number | null; height: number | null; alt: string; testId?: string }) {
  const styles = useStyles();
  return <img className={styles.img} src={src} width={width ?? undefined} height={height ?? undefined} alt={alt} data-testid={testId} />;
}

function IconCard({
  icon,
  findings,
  busy,
  onPreview,
  onFix,
  onReplace,
}: {
  icon: IconView;
  findings: Finding[];
  busy: boolean;
  onPreview: (role: IconRole) => Promise<IconFixPreview | null>;
  onFix: (role: IconRole) => Promise<IconChange | null>;
  onReplace: (role: IconRole, file: File) => Promise<IconChange | null>;
}) {
  const styles = useStyles();
  const input = useRef<HTMLInputElement>(null);
  const [preview, setPreview] = useState<{ data: IconFixPreview; applied: boolean } | null>(null);
  const role = icon.role;
  const title = role === "color" ? "Colour icon" : "Outline icon";
  const mine = findings.filter((f) => icon.file !== "" && f.file === icon.file);
  const sizeOk = icon.width === icon.expectedSize && icon.height === icon.expectedSize;
  const boards = role === "outline" ? [true, false] : [false];

  return (
    <Card data-testid={`icon-card-${role}`}>
      <CardHeader
        header={<Text weight="semibold">{title}</Text>}
        description={`${icon.file || "(not named in the manifest)"} — Teams wants ${icon.expectedSize}×${icon.expectedSize}${role === "outline" ? ", white on transparent" : ""}`}
        action={
          icon.present ? (
            <Badge appearance="tint" color={sizeOk ? "success" : "danger"} data-testid={`icon-size-${role}`}>
              {icon.width != null ? `${icon.width}×${icon.height}` : "unreadable"}
            </Badge>
          ) : undefined
        }
      />
      {icon.present && icon.dataUrl ? (
        <div className={styles.stage}>
          {boards.map((dark) => (
            <Board key={String(dark)} dark={dark} label={dark ? "on dark" : "on light"}>
              <RealSize src={icon.dataUrl!} width={icon.width} height={icon.height} alt={`${title} ${dark ? "on dark" : "on light"}`} testId={`icon-img-${role}${dark ? "-dark" : ""}`} />
            </Board>
          ))}
        </div>
      ) : (
        <Text className={styles.missing}>{icon.present ? "This file cannot be previewed (not a PNG or JPEG, or over 2 MiB)." : "The package has no such file."}</Text>
      )}
      {mine.length > 0 && (
        <ul className={styles.problems}>
          {mine.map((f, i) => (
            <li key={i} className={styles.problem}>
              <SeverityIcon severity={f.severity} />
              <Text size={200}>
                <b>{f.code}</b> {f.message}
              </Text>
            </li>
          ))}
        </ul>
      )}
      <div className={styles.actions}>
        <Button
          icon={<WandRegular />}
          disabled={busy || !icon.present}
          onClick={async () => {
            const p = await onPreview(role);
            if (p) setPreview({ data: p, applied: false });
          }}
          data-testid={`icon-fix-preview-${role}`}
        >
          Preview fix
        </Button>
        <Button
          icon={<ImageAddRegular />}
          disabled={busy || icon.file === ""}
          onClick={() => input.current?.click()}
          data-testid={`icon-replace-${role}`}
        >
          Replace from PNG/JPEG…
        </Button>
        <input
          ref={input}
          type="file"
          accept="image/png,image/jpeg"
          className={styles.hidden}
          tabIndex={-1}
          aria-hidden
          data-testid={`icon-replace-input-${role}`}
          onChange={async (e) => {
            const file = e.target.files?.[0];
            e.target.value = "";
            if (!file) return;
            const change = await onReplace(role, file);
            if (change) setPreview({ data: change.preview, applied: true });
          }}
        />
      </div>
      {preview && (
        <div className={styles.preview} data-testid={`icon-fix-${role}`}>
          <Text weight="semibold">{preview.applied ? "Applied" : "What the fix does"}</Text>
          <div className={styles.stage}>
            <Board dark={role === "outline"} label={`before ${preview.data.beforeWidth}×${preview.data.beforeHeight}`}>
              <RealSize src={preview.data.beforeDataUrl} width={Math.min(preview.data.beforeWidth, 192)} height={null} alt="before" />
            </Board>
            <ArrowRightRegular aria-hidden />
            {boards.map((dark) => (
              <Board key={String(dark)} dark={dark} label={`after ${preview.data.afterWidth}×${preview.data.afterHeight}`}>
                <RealSize src={preview.data.afterDataUrl} width={preview.data.afterWidth} height={preview.data.afterHeight} alt={`after${dark ? " on dark" : ""}`} />
              </Board>
            ))}
          </div>
          {!preview.applied && (
            <div className={styles.actions}>
              <Button
                appearance="primary"
                disabled={busy}
                onClick={async () => {
                  const change = await onFix(role);
                  if (change) setPreview({ data: change.preview, applied: true });
                }}
                data-testid={`icon-fix-apply-${role}`}
              >
                Apply fix
              </Button>
              <Button onClick={() => setPreview(null)}>Cancel</Button>
            </div>
          )}
        </div>
      )}
    </Card>
  );
}

export interface IconsPanelProps {
  view: PackageView;
  busy: boolean;
  onPreview: (role: IconRole) => Promise<IconFixPreview | null>;
  onFix: (role: IconRole) => Promise<IconChange | null>;
  onReplace: (role: IconRole, file: File) => Promise<IconChange | null>;
  error?: ApiError | null;
}

/** Both icons at real size, the outline one on dark and light checkerboards, with the fixes. */
export function IconsPanel({ view, busy, onPreview, onFix, onReplace }: IconsPanelProps) {
  const styles = useStyles();
  return (
    <div className={styles.grid} data-testid="icons-panel">
      {[view.colorIcon, view.outlineIcon].map((icon) => (
        <IconCard
          key={icon.role}
          icon={icon}
          findings={view.report.findings}
          busy={busy}
          onPreview={onPreview}
          onFix={onFix}
          onReplace={onReplace}
        />
      ))}
    </div>
  );
}
