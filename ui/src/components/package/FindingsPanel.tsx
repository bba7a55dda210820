import { Badge, Button, Card, CardHeader, makeStyles, mergeClasses, Text, tokens } from "@fluentui/react-components";
import {
  CheckmarkCircleFilled,
  ErrorCircleFilled,
  InfoFilled,
  LightbulbRegular,
  WarningFilled,
} from "@fluentui/react-icons";
import type { Finding, Severity, PackageView } from "../../ipc/package";

const useStyles = makeStyles({
  counts: { display: "flex", gap: tokens.spacingHorizontalM, flexWrap: "wrap", alignItems: "stretch" },
  count: {
    display: "grid",
    gridTemplateColumns: "auto auto",
    alignItems: "center",
    columnGap: tokens.spacingHorizontalS,
    minWidth: "120px",
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    borderRadius: tokens.borderRadiusLarge,
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  number: { fontSize: tokens.fontSizeHero700, fontWeight: tokens.fontWeightSemibold, lineHeight: tokens.lineHeightHero700 },
  error: { color: tokens.colorPaletteRedForeground1, borderLeft: `4px solid ${tokens.colorPaletteRedBorder2}` },
  warning: { color: tokens.colorPaletteDarkOrangeForeground1, borderLeft: `4px solid ${tokens.colorPaletteDarkOrangeBorder2}` },
  info: { color: tokens.colorPaletteBlueForeground2, borderLeft: `4px solid ${tokens.colorPaletteBlueBorderActive}` },
  zero: { color: tokens.colorNeutralForeground3, borderLeft: `4px solid ${tokens.colorNeutralStroke2}` },
  label: { gridColumn: "1 / span 2", color: tokens.colorNeutralForeground2, fontSize: tokens.fontSizeBase200 },
  groups: { display: "grid", gap: tokens.spacingVerticalM },
  group: { display: "grid", gap: tokens.spacingVerticalXS },
  list: { listStyle: "none", margin: 0, padding: 0, display: "grid", gap: tokens.spacingVerticalXS },
  item: {
    width: "100%",
    justifyContent: "flex-start",
    textAlign: "start",
    alignItems: "flex-start",
    display: "grid",
    gridTemplateColumns: "20px 1fr",
    columnGap: tokens.spacingHorizontalS,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalS}`,
    fontWeight: tokens.fontWeightRegular,
    height: "auto",
  },
  body: { display: "grid", gap: "2px", minWidth: 0 },
  head: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap", alignItems: "baseline" },
  code: { fontFamily: tokens.fontFamilyMonospace, fontWeight: tokens.fontWeightSemibold },
  where: { fontFamily: tokens.fontFamilyMonospace, color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200, wordBreak: "break-all" },
  hint: { display: "flex", gap: tokens.spacingHorizontalXS, color: tokens.colorNeutralForeground2, fontSize: tokens.fontSizeBase200 },
  ok: { display: "flex", gap: tokens.spacingHorizontalS, alignItems: "center", color: tokens.colorPaletteGreenForeground1 },
});

const order: Severity[] = ["error", "warning", "info"];
const titles: Record<Severity, string> = { error: "Errors", warning: "Warnings", info: "Notes" };

export function SeverityIcon({ severity }: { severity: Severity }) {
  if (severity === "error") return <ErrorCircleFilled color={tokens.colorPaletteRedForeground1} aria-label="error" />;
  if (severity === "warning") return <WarningFilled color={tokens.colorPaletteDarkOrangeForeground1} aria-label="warning" />;
  return <InfoFilled color={tokens.colorPaletteBlueForeground2} aria-label="note" />;
}

/** Coloured counts: the state of the package at a glance. */
export function FindingCounts({ report }: { report: PackageView["report"] }) {
  const styles = useStyles();
  const cells: [Severity, number][] = [
    ["error", report.errors],
    ["warning", report.warnings],
    ["info", report.infos],
  ];
  return (
    <div className={styles.counts} data-testid="finding-counts">
      {cells.map(([sev, n]) => (
        <div
          key={sev}
          className={mergeClasses(styles.count, n === 0 ? styles.zero : styles[sev])}
          data-testid={`count-${sev}`}
          data-count={n}
        >
          <SeverityIcon severity={sev} />
          <span className={styles.number}>{n}</span>
          <span className={styles.label}>{titles[sev]}</span>
        </div>
      ))}
    </div>
  );
}

function where(f: Finding) {
  const file = f.file === "" ? "package" : f.file;
  const path = f.path === "" ? "" : ` ${f.path}`;
  const pos = f.line != null ? ` (line ${f.line}${f.column != null ? `, column ${f.column}` : ""})` : "";
  return `${file}${path}${pos}`;
}

/** Findings grouped by severity; each one takes the admin to the field it is about. */
export function FindingsPanel({ view, onSelect }: { view: PackageView; onSelect: (f: Finding) => void }) {
  const styles = useStyles();
  const { report } = view;
  return (
    <Card data-testid="findings-panel">
      <CardHeader
        header={<Text weight="semibold">Validation</Text>}
        description={`Microsoft's schema for manifest ${report.manifestVersion ?? "?"} and the Teams service's own rules, re-checked after every change.`}
      />
      <FindingCounts report={report} />
      {report.findings.length === 0 ? (
        <div className={styles.ok} data-testid="findings-none">
          <CheckmarkCircleFilled />
          <Text>No findings: the package is ready to build and upload.</Text>
        </div>
      ) : (
        <div className={styles.groups}>
          {order.map((sev) => {
            const group = report.findings.filter((f) => f.severity === sev);
            if (group.length === 0) return null;
            return (
              <section key={sev} className={styles.group} aria-label={titles[sev]} data-testid={`findings-${sev}`}>
                <Text weight="semibold">
                  {titles[sev]} <Badge appearance="tint" color={sev === "error" ? "danger" : sev === "warning" ? "warning" : "informative"}>{group.length}</Badge>
                </Text>
                <ul className={styles.list}>
                  {group.map((f, i) => (
                    <li key={`${f.code}-${f.file}-${f.path}-${i}`}>
                      <Button
                        appearance="subtle"
                        className={styles.item}
                        onClick={() => onSelect(f)}
                        data-testid={`finding-${f.code}`}
                        data-path={f.path}
                        data-file={f.file}
                        title="Go to the field"
                      >
                        <SeverityIcon severity={f.severity} />
                        <span className={styles.body}>
                          <span className={styles.head}>
                            <span className={styles.code}>{f.code}</span>
                            <span>{f.message}</span>
                          </span>
                          <span className={styles.where}>{where(f)}</span>
                          <span className={styles.hint}>
                            <LightbulbRegular aria-hidden />
                            <span>{f.hint}</span>
                          </span>
                        </span>
                      </Button>
                    </li>
                  ))}
                </ul>
              </section>
            );
          })}
        </div>
      )}
    </Card>
  );
}
