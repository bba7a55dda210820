// Confirmation for a fix: what will be sent, what stops working (from the core's FixPlan), and
// that tokens already issued stay valid until they expire. Planning needs only a read
// sign-in; applying needs revocation scopes, and a token without them gets "sign in again"
// right here, after which the admin confirms once more.
import { useEffect, useState } from "react";
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Text,
  tokens,
} from "@fluentui/react-components";
import { PersonArrowRightRegular } from "@fluentui/react-icons";
import type { ApiError, TenantProfile, SessionView } from "../../ipc";
import { permsIpc, type DiffRow, type FixOutcome, type FixPlan, type PermsFixRequest } from "../../ipc/permissions";
import { SignInDialog } from "../SignInDialog";
import { useReturnFocus } from "../a11y/useReturnFocus";
import { useEscape } from "../a11y/useEscape";

const useStyles = makeStyles({
  // minmax(0, 1fr): long requests and effects wrap inside the dialog instead of widening it.
  stack: { display: "grid", gap: tokens.spacingVerticalM, gridTemplateColumns: "minmax(0, 1fr)" },
  request: {
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    padding: tokens.spacingHorizontalS,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground3,
    wordBreak: "break-all",
    overflowWrap: "anywhere",
  },
});

type Phase =
  | { kind: "planning" }
  | { kind: "confirm"; plan: FixPlan }
  | { kind: "applying"; plan: FixPlan }
  | { kind: "failed"; plan: FixPlan | null; error: ApiError };

export function FixDialog({
  row,
  appId,
  permProfileId,
  profile,
  onClose,
  onApplied,
  onSignedIn,
}: {
  row: DiffRow;
  appId: string;
  permProfileId: string;
  profile: TenantProfile | null;
  onClose: () => void;
  onApplied: (outcome: FixOutcome) => void;
  onSignedIn: (session: SessionView) => void;
}) {
  const styles = useStyles();
  const [phase, setPhase] = useState<Phase>({ kind: "planning" });
  const [signInOpen, setSignInOpen] = useState(false);
  useReturnFocus(true);
  const request: PermsFixRequest = {
    appId,
    permProfileId,
    permission: row.permission,
    kind: row.kind,
    principal: row.principal,
    expectedRequest: null,
  };

  useEffect(() => {
    let live = true;
    permsIpc.planFix(request).then(
      (plan) => live && setPhase({ kind: "confirm", plan }),
      (error: ApiError) => live && setPhase({ kind: "failed", plan: null, error }),
    );
    return () => {
      live = false;
    };
    // The dialog is mounted per row; planning once is what we want.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const apply = async (plan: FixPlan) => {
    setPhase({ kind: "applying", plan });
    try {
      const outcome = await permsIpc.applyFix({ ...request, expectedRequest: plan.request });
      onApplied(outcome);
    } catch (err) {
      setPhase({ kind: "failed", plan, error: err as ApiError });
    }
  };

  useEscape(true, () => {
    if (phase.kind !== "applying") onClose();
  });
  const plan = phase.kind === "planning" ? null : phase.plan;
  const verb = row.fix?.action === "revokeAppRole" ? "Revoke" : row.fix?.action === "deleteGrant" ? "Delete grant" : "Remove";
  const needsSignIn =
    phase.kind === "failed" && (phase.error.code === "consent_required" || phase.error.code === "sign_in_required");

  return (
    <Dialog
      open
      // Escape (useEscape) is Cancel, except while the change is on its way.
      onOpenChange={() => undefined}
    >
      <DialogSurface data-testid="fix-dialog" aria-describedby={undefined}>
        <DialogBody>
          <DialogTitle>
            {verb} {row.permission}
            {row.principal ? ` for ${row.principal}` : ""}?
          </DialogTitle>
          <DialogContent className={styles.stack}>
            {phase.kind === "planning" && <Spinner size="small" label="Reading the current grants…" labelPosition="after" />}
            {plan && (
              <>
                <MessageBar intent="warning" layout="multiline" data-testid="fix-effect">
                  <MessageBarBody>
                    <MessageBarTitle>What will stop working</MessageBarTitle>
                    {plan.effect}
                  </MessageBarBody>
                </MessageBar>
                <Text data-testid="fix-token-note">{plan.tokenNote}</Text>
                <div>
                  <Text size={200}>BotDeck will send:</Text>
                  <div className={styles.request} data-testid="fix-request">
                    {plan.request}
                  </div>
                </div>
                <Text size={200}>The change is recorded in the Activity log ({plan.auditAction}).</Text>
              </>
            )}
            {phase.kind === "applying" && <Spinner size="tiny" label="Applying…" labelPosition="after" />}
            {phase.kind === "failed" && (
              <MessageBar intent="error" layout="multiline" data-testid="fix-error" data-code={phase.error.code}>
                <MessageBarBody>
                  {needsSignIn && <MessageBarTitle>More permission needed</MessageBarTitle>}
                  {phase.error.message}
                </MessageBarBody>
              </MessageBar>
            )}
          </DialogContent>
          <DialogActions>
            <Button appearance="secondary" onClick={onClose} data-testid="fix-cancel">
              Cancel
            </Button>
            {needsSignIn && profile && (
              <Button icon={<PersonArrowRightRegular />} onClick={() => setSignInOpen(true)} data-testid="fix-sign-in">
                Sign in again to grant permission revocation
              </Button>
            )}
            {plan && (
              <Button
                appearance="primary"
                disabled={phase.kind === "applying"}
                onClick={() => void apply(plan)}
                data-testid="fix-confirm"
              >
                {phase.kind === "failed" ? `Try again: ${verb.toLowerCase()}` : verb}
              </Button>
            )}
          </DialogActions>
        </DialogBody>
        {profile && (
          <SignInDialog
            profile={profile}
            feature="revoke_permissions"
            open={signInOpen}
            onClose={() => setSignInOpen(false)}
            onSignedIn={(session) => {
              setSignInOpen(false);
              onSignedIn(session);
              // Signed in with revocation scopes: back to the confirmation, not applied yet.
              if (plan) setPhase({ kind: "confirm", plan });
            }}
          />
        )}
      </DialogSurface>
    </Dialog>
  );
}
