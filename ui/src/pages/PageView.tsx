import { makeStyles, Text, tokens } from "@fluentui/react-components";
import type { AppInfo, ThemePreference } from "../ipc";
import { pages, type PageId } from "./registry";
import { OverviewPage } from "./OverviewPage";
import { SettingsPage } from "./SettingsPage";
import { ActivityPage } from "./ActivityPage";
import { LinksPage } from "./LinksPage";
import { PackagePage } from "./PackagePage";
import { PermissionsPage } from "./PermissionsPage";
import { CatalogPage } from "./CatalogPage";
import { InstallationsPage } from "./InstallationsPage";

const useStyles = makeStyles({
  heading: { display: "grid", gap: tokens.spacingVerticalXS, marginBottom: tokens.spacingVerticalXL },
  // The browser's default h1 margin put ~20px of empty space above every page's title.
  title: { margin: 0 },
});

export interface PageViewProps {
  page: PageId;
  info: AppInfo | null;
  preference: ThemePreference;
  onThemeChange: (theme: ThemePreference) => void;
  onNavigate: (page: PageId) => void;
}

export function PageView({ page, info, preference, onThemeChange, onNavigate }: PageViewProps) {
  const styles = useStyles();
  const meta = pages.find((p) => p.id === page) ?? pages[0]!;
  return (
    <section aria-labelledby="page-title" data-testid={`page-${meta.id}`}>
      <div className={styles.heading}>
        <Text as="h1" id="page-title" className={styles.title} size={700} weight="semibold" tabIndex={-1}>
          {meta.label}
        </Text>
        <Text size={300}>{meta.purpose}</Text>
      </div>
      {page === "overview" && <OverviewPage info={info} onNavigate={onNavigate} />}
      {page === "settings" && <SettingsPage info={info} preference={preference} onThemeChange={onThemeChange} />}
      {page === "activity" && <ActivityPage info={info} />}
      {page === "package" && <PackagePage />}
      {page === "permissions" && <PermissionsPage />}
      {page === "catalog" && <CatalogPage onNavigate={onNavigate} />}
      {page === "installations" && <InstallationsPage />}
      {page === "links" && <LinksPage />}
    </section>
  );
}
