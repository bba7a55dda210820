import { useCallback, useEffect, useState } from "react";
import {
  Badge,
  Button,
  FluentProvider,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Tab,
  TabList,
  Text,
  Tooltip,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { WeatherMoonRegular, WeatherSunnyRegular } from "@fluentui/react-icons";
import { ipc, OFFLINE_EVENT, type ApiError, type AppInfo, type ThemePreference } from "./ipc";
import { effectiveTheme, fluentTheme, useSystemTheme } from "./theme";
import { pages, type PageId } from "./pages/registry";
import { PageView } from "./pages/PageView";
import { BrandMark } from "./components/BrandMark";
import { ProfileMenu } from "./components/ProfileMenu";
import { AboutDialog } from "./components/AboutDialog";
import { installFocusGuard } from "./components/a11y/focusGuard";
import { SessionProvider } from "./session";
import { BackgroundWorkProvider, StatusWork, WorkAnnouncer } from "./work";

const useStyles = makeStyles({
  frame: {
    display: "grid",
    gridTemplateRows: "48px 1fr 28px",
    gridTemplateColumns: "220px 1fr",
    gridTemplateAreas: `"header header" "nav main" "status status"`,
    height: "100vh",
    backgroundColor: tokens.colorNeutralBackground2,
    color: tokens.colorNeutralForeground1,
  },
  header: {
    gridArea: "header",
    display: "flex",
    alignItems: "center",
    gap: tokens.spacingHorizontalM,
    paddingInline: tokens.spacingHorizontalL,
    backgroundColor: tokens.colorBrandBackground,
    color: tokens.colorNeutralForegroundOnBrand,
  },
  title: { fontWeight: tokens.fontWeightSemibold, fontSize: tokens.fontSizeBase400 },
  spacer: { flexGrow: 1 },
  headerButton: { color: tokens.colorNeutralForegroundOnBrand },
  nav: {
    gridArea: "nav",
    paddingBlock: tokens.spacingVerticalM,
    borderRight: `1px solid ${tokens.colorNeutralStroke2}`,
    backgroundColor: tokens.colorNeutralBackground1,
    overflowY: "auto",
  },
  main: { gridArea: "main", overflowY: "auto", padding: tokens.spacingHorizontalXXL },
  status: {
    gridArea: "status",
    display: "flex",
    alignItems: "center",
    gap: tokens.spacingHorizontalL,
    paddingInline: tokens.spacingHorizontalM,
    borderTop: `1px solid ${tokens.colorNeutralStroke2}`,
    backgroundColor: tokens.colorNeutralBackground1,
    fontSize: tokens.fontSizeBase200,
    color: tokens.colorNeutralForeground3,
  },
  // No notice, no gap: at 1024×640 every line of height counts.
  notices: { display: "grid", gap: tokens.spacingVerticalS, marginBottom: tokens.spacingVerticalL, ":empty": { display: "none" } },
});

export function App() {
  const styles = useStyles();
  const system = useSystemTheme();
  const [preference, setPreference] = useState<ThemePreference>("system");
  const [page, setPage] = useState<PageId>("overview");
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [startupError, setStartupError] = useState<ApiError | null>(null);
  const [themeError, setThemeError] = useState<ApiError | null>(null);
  const [sessionError, setSessionError] = useState<ApiError | null>(null);
  const [offline, setOffline] = useState<ApiError | null>(null);
  useEffect(() => {
    const onOffline = (e: Event) => setOffline((e as CustomEvent<ApiError>).detail);
    window.addEventListener(OFFLINE_EVENT, onOffline);
    return () => window.removeEventListener(OFFLINE_EVENT, onOffline);
  }, []);

  useEffect(() => installFocusGuard(), []);

  useEffect(() => {
    ipc.appInfo().then(setInfo, setStartupError);
    ipc.getUiSettings().then((s) => setPreference(s.theme), () => setPreference("system"));
  }, []);

  const theme = effectiveTheme(preference, system);

  const chooseTheme = useCallback(async (next: ThemePreference) => {
    setPreference(next);
    try {
      await ipc.setTheme(next);
      setThemeError(null);
    } catch (err) {
      // The switch still works for this session; say that it was not saved.
      setThemeError(err as ApiError);
    }
  }, []);

  const toggleTheme = () => chooseTheme(theme === "dark" ? "light" : "dark");

  return (
    <FluentProvider theme={fluentTheme(theme)} data-theme={theme} data-testid="app-root">
      <SessionProvider>
      <BackgroundWorkProvider>
      <div className={styles.frame}>
        <header className={styles.header}>
          <BrandMark size={24} />
          <Text className={styles.title}>BotDeck</Text>
          {info?.demo && (
            <Badge appearance="filled" color="warning" data-testid="demo-badge">
              Demo tenant — Contoso (simulated)
            </Badge>
          )}
          <span className={styles.spacer} />
          <ProfileMenu onError={setSessionError} />
          <Tooltip content={theme === "dark" ? "Switch to light theme" : "Switch to dark theme"} relationship="label">
            <Button
              appearance="transparent"
              className={styles.headerButton}
              icon={theme === "dark" ? <WeatherSunnyRegular /> : <WeatherMoonRegular />}
              onClick={toggleTheme}
              data-testid="theme-toggle"
            />
          </Tooltip>
          <AboutDialog info={info} />
        </header>

        <nav className={styles.nav} aria-label="Main navigation">
          <TabList
            vertical
            size="large"
            selectedValue={page}
            onTabSelect={(_, data) => setPage(data.value as PageId)}
          >
            {pages.map((p) => (
              <Tab key={p.id} value={p.id} icon={p.icon} data-testid={`nav-${p.id}`}>
                {p.label}
              </Tab>
            ))}
          </TabList>
        </nav>

        <main className={styles.main}>
          <div className={styles.notices}>
            {startupError && (
              <MessageBar intent="error">
                <MessageBarBody>
                  <MessageBarTitle>BotDeck could not read its state</MessageBarTitle>
                  {startupError.message}
                </MessageBarBody>
              </MessageBar>
            )}
            {info?.notices.map((n) => (
              <MessageBar key={n.id} intent={n.level === "info" ? "info" : n.level} data-testid={`notice-${n.id}`}>
                <MessageBarBody>
                  <MessageBarTitle>{n.title}</MessageBarTitle>
                  {n.message}
                </MessageBarBody>
              </MessageBar>
            ))}
            {sessionError && (
              <MessageBar intent="error" data-testid="session-error">
                <MessageBarBody>{sessionError.message}</MessageBarBody>
              </MessageBar>
            )}
            {themeError && (
              <MessageBar intent="warning">
                <MessageBarBody>The theme was changed but not saved: {themeError.message}</MessageBarBody>
              </MessageBar>
            )}
          </div>
          <PageView page={page} info={info} preference={preference} onThemeChange={chooseTheme} onNavigate={setPage} />
        </main>

        {/* A footer is a contentinfo landmark: no status role on it, and no live region around
            the data path. WorkAnnouncer speaks only when work starts, is cancelled or ends. */}
        <footer className={styles.status} data-testid="status-bar">
          <WorkAnnouncer />
          {offline && (
            <Tooltip content={offline.message} relationship="description">
              <Badge appearance="filled" color="danger" data-testid="offline-indicator">
                Offline — working from the local cache
              </Badge>
            </Tooltip>
          )}
          {offline && (
            <Button size="small" appearance="subtle" onClick={() => setOffline(null)}>
              Dismiss
            </Button>
          )}
          <StatusWork />
          <span className={styles.spacer} />
          {info && <span>Data: {info.dataDir}</span>}
          {info && <span>BotDeck {info.version}</span>}
        </footer>
      </div>
      </BackgroundWorkProvider>
      </SessionProvider>
    </FluentProvider>
  );
}
