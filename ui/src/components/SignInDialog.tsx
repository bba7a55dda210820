import { useEffect, useRef, useState } from "react";
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  makeStyles,
  MessageBar,
  MessageBarBody,
  Radio,
  RadioGroup,
  Spinner,
  Text,
  tokens,
} from "@fluentui/react-components";
import { CopyRegular, OpenRegular } from "@fluentui/react-icons";
import { useReturnFocus } from "./a11y/useReturnFocus";
import { useEscape } from "./a11y/useEscape";
import { ipc, type ApiError, type DeviceCodePrompt, type Feature, type TenantProfile, type ScopeInfo, type SessionView } from "../ipc";
import { useSession } from "../session";

/**
 * The features each feature's scopes include (mirrors `implied` in core auth/scopes.rs: every
 * feature also needs reading the tenant).
 */
const IMPLIED: Partial<Record<Feature, Feature[]>> = {
  update_bot: ["publish", "install", "review_permissions"],
  revoke_permissions: ["review_permissions"],
  reach_members: ["install"],
};

/** A write step of updating the bot: its sign-in can cover the rest of the update too. */
const UPDATE_STEP: Partial<Record<Feature, string>> = {
  publish: "publishing the new version",
  install: "installing and upgrading the bot",
};

/** Scopes a sign-in for `feature` asks for that the profile does not hold yet, in catalog order. */
export function newScopes(catalog: ScopeInfo[], feature: Feature, held: string[]): string[] {
  const features = new Set<Feature>(["read_tenant", feature, ...(IMPLIED[feature] ?? [])]);
  const have = new Set(held.map((s) => s.replace(/^https:\/\/graph\.microsoft\.com\//, "").toLowerCase()));
  const oidc = new Set(["openid", "profile", "offline_access", "email"]);
  return catalog
    .filter((s) => features.has(s.feature) && !have.has(s.scope.toLowerCase()) && !oidc.has(s.scope))
    .map((s) => s.scope);
}

/** "14 minutes", "1 minute", "45 seconds": never "valid for 0 minutes". Rounded down. */
export function validity(secs: number): string {
  const plural = (n: number, unit: string) => (n === 1 ? `1 ${unit}` : `${n} ${unit}s`);
  return secs < 60 ? plural(Math.max(0, Math.floor(secs)), "second") : plural(Math.floor(secs / 60), "minute");
}

const useStyles = makeStyles({
  code: {
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeHero800,
    fontWeight: tokens.fontWeightSemibold,
    letterSpacing: "0.12em",
    padding: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalL}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground3,
    textAlign: "center",
    userSelect: "all",
  },
  stack: { display: "grid", gap: tokens.spacingVerticalM },
  row: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
});

type Method = "device_code" | "browser";
type Phase =
  | { kind: "choose" }
  | { kind: "running"; prompt: DeviceCodePrompt | null; browserUrl: string | null }
  | { kind: "failed"; error: ApiError; profileRemoved?: boolean };

export function SignInDialog({
  profile,
  open,
  onClose,
  onSignedIn,
  feature = "read_tenant",
}: {
  profile: TenantProfile;
  open: boolean;
  /** What the sign-in is for: its scopes (a page needing more asks for its feature). */
  feature?: Feature;
  onClose: () => void;
  onSignedIn: (session: SessionView) => void;
}) {
  const styles = useStyles();
  const { update: updateSession } = useSession();
  const sessionAfterRemoval = useRef<SessionView | null>(null);
  const [method, setMethod] = useState<Method>("device_code");
  // A step of an update that needs a new sign-in anyway asks, by default, for the rest of the
  // update too (upgrade, check permissions), so the admin signs in once for the whole story;
  // "only this step" keeps to least privilege. Reading never asks for more than reading.
  const updateStep = UPDATE_STEP[feature];
  const [scope, setScope] = useState<"update" | "only">("update");
  const [catalog, setCatalog] = useState<ScopeInfo[]>([]);
  useEffect(() => {
    if (!open) return;
    setScope("update");
    ipc.scopeCatalog().then(setCatalog, () => setCatalog([]));
  }, [open]);
  const held = profile.grantedScopes ?? [];
  const offerUpdate = !!updateStep && (catalog.length === 0 || newScopes(catalog, "update_bot", held).length > 0);
  const asked: Feature = offerUpdate && scope === "update" ? "update_bot" : feature;
  const asking = newScopes(catalog, asked, held);
  const [phase, setPhase] = useState<Phase>({ kind: "choose" });
  const [copied, setCopied] = useState(false);
  useReturnFocus(open);
  // "Sign in" leaves the dialog when pressed: focus goes to "Cancel sign-in" instead of falling
  // to the page body (where Escape would no longer reach the dialog).
  const cancelButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (phase.kind === "running" && (!document.activeElement || document.activeElement === document.body)) {
      cancelButton.current?.focus();
    }
  }, [phase.kind]);

  const start = async () => {
    setPhase({ kind: "running", prompt: null, browserUrl: null });
    setCopied(false);
    try {
      const onEvent = (event: Parameters<Parameters<typeof ipc.signInDeviceCode>[2]>[0]) => {
        if (event.kind === "deviceCode") {
          const { kind: _kind, ...prompt } = event;
          setPhase({ kind: "running", prompt, browserUrl: null });
        } else {
          setPhase({ kind: "running", prompt: null, browserUrl: event.url });
        }
      };
      const session =
        method === "device_code"
          ? await ipc.signInDeviceCode(profile.id, asked, onEvent)
          : await ipc.signInBrowser(profile.id, asked, onEvent);
      setPhase({ kind: "choose" });
      onSignedIn(session);
    } catch (err) {
      const error = err as ApiError;
      if (error.code === "cancelled") {
        setPhase({ kind: "choose" });
      } else {
        // A tenant added here whose first sign-in is refused is not kept (the app removes it):
        // "Try again" could only answer "not found", and once the dialog closes the menu must
        // stop showing it (not before: the dialog would re-render for another tenant).
        const fresh = await ipc.getSession().catch(() => null);
        const profileRemoved = !!fresh && !fresh.profiles.some((p) => p.id === profile.id);
        sessionAfterRemoval.current = profileRemoved ? fresh : null;
        setPhase({ kind: "failed", error, profileRemoved });
      }
    }
  };

  const cancel = async () => {
    if (phase.kind === "running") await ipc.cancelSignIn().catch(() => false);
    setPhase({ kind: "choose" });
    onClose();
    if (sessionAfterRemoval.current) {
      void updateSession(sessionAfterRemoval.current);
      sessionAfterRemoval.current = null;
    }
  };

  useEscape(open, () => void cancel());

  const copy = async (code: string) => {
    try {
      await navigator.clipboard.writeText(code);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };

  return (
    <Dialog
      open={open}
      // Escape (useEscape below) cancels, a running sign-in too; a stray click outside does not.
      onOpenChange={() => undefined}
    >
      <DialogSurface aria-describedby={undefined} data-testid="sign-in-dialog">
        <DialogBody>
          <DialogTitle>Sign in to {profile.name}</DialogTitle>
          <DialogContent className={styles.stack}>
            {phase.kind === "choose" && offerUpdate && (
              <Field label="What should this sign-in allow?">
                <RadioGroup value={scope} onChange={(_, d) => setScope(d.value as "update" | "only")}>
                  <Radio
                    value="update"
                    label="The whole update — publish, upgrade where the bot is installed, check its permissions (you sign in once)"
                    data-testid="sign-in-scope-update"
                  />
                  <Radio value="only" label={`Only ${updateStep}`} data-testid="sign-in-scope-only" />
                </RadioGroup>
              </Field>
            )}
            {phase.kind === "choose" && asking.length > 0 && (
              <Text size={200} data-testid="sign-in-asks" data-feature={asked}>
                Microsoft will ask you to allow: {asking.join(", ")}.
                {held.length > 0 && " This adds to what you already allowed."}
                {asked === "update_bot" && " Revoking permissions and reading messages are asked for only when you use them."}
              </Text>
            )}
            {phase.kind === "choose" && (
              <Field label="How do you want to sign in?">
                <RadioGroup value={method} onChange={(_, d) => setMethod(d.value as Method)}>
                  <Radio
                    value="device_code"
                    label="With a code — enter a short code on the Microsoft sign-in page, on this or another device"
                    data-testid="method-device-code"
                  />
                  <Radio
                    value="browser"
                    label="In the browser — sign in in your default browser (works with MFA and conditional access)"
                    data-testid="method-browser"
                  />
                </RadioGroup>
              </Field>
            )}
            {phase.kind === "running" && phase.prompt && (
              <>
                <Text>
                  Open <b>{phase.prompt.verificationUri}</b> and enter this code. It is valid for{" "}
                  {validity(phase.prompt.expiresInSecs)}.
                </Text>
                <div className={styles.code} data-testid="device-code" aria-label="Sign-in code">
                  {phase.prompt.userCode}
                </div>
                <div className={styles.row}>
                  <Button icon={<CopyRegular />} onClick={() => void copy(phase.prompt!.userCode)}>
                    {copied ? "Copied" : "Copy code"}
                  </Button>
                  <Button
                    appearance="primary"
                    icon={<OpenRegular />}
                    onClick={() => void ipc.openExternal(phase.prompt!.verificationUri).catch(() => undefined)}
                    data-testid="open-verification"
                  >
                    Open sign-in page
                  </Button>
                </div>
                <Spinner size="tiny" label="Waiting for you to approve…" labelPosition="after" />
              </>
            )}
            {phase.kind === "running" && !phase.prompt && (
              <Spinner
                size="small"
                label={phase.browserUrl ? "Finish signing in in your browser…" : "Contacting Microsoft…"}
                labelPosition="after"
              />
            )}
            {phase.kind === "failed" && (
              <MessageBar intent="error" data-testid="sign-in-error" data-code={phase.error.code}>
                <MessageBarBody>{phase.error.message}</MessageBarBody>
              </MessageBar>
            )}
          </DialogContent>
          <DialogActions>
            {phase.kind === "failed" && phase.error.actionUrl && (
              <Button
                icon={<OpenRegular />}
                onClick={() => void ipc.openExternal(phase.error.actionUrl!).catch(() => undefined)}
                data-testid="open-consent"
              >
                Open admin consent page
              </Button>
            )}
            <Button appearance="secondary" ref={cancelButton} onClick={() => void cancel()} data-testid="sign-in-cancel">
              {phase.kind === "running" ? "Cancel sign-in" : "Close"}
            </Button>
            {phase.kind !== "running" && !(phase.kind === "failed" && phase.profileRemoved) && (
              <Button appearance="primary" onClick={() => void start()} data-testid="sign-in-start">
                {phase.kind === "failed" ? "Try again" : "Sign in"}
              </Button>
            )}
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
