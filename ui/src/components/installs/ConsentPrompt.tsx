import { useState } from "react";
import { Button, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle } from "@fluentui/react-components";
import type { Feature } from "../../ipc";
import { useSession } from "../../session";
import { SignInDialog } from "../SignInDialog";

const featureText: Partial<Record<Feature, string>> = {
  install: "installing",
  publish: "publishing",
  read_tenant: "reading the tenant",
  check_link_evidence: "reading the bot's replies",
  reach_members: "installing the bot for a group's members",
  review_permissions: "reading the bot's permissions",
  revoke_permissions: "revoking the bot's permissions",
  update_bot: "updating the bot",
};

/**
 * A command answered `consent_required` or `sign_in_required`: offer to sign in again for the
 * feature, which asks for its permissions (incremental consent), then let the page retry.
 */
export function ConsentPrompt({
  feature,
  message,
  onSignedIn,
}: {
  feature: Feature;
  message: string;
  onSignedIn: () => void;
}) {
  const { session, update } = useSession();
  const [open, setOpen] = useState(false);
  const profile = session?.current ?? null;
  return (
    <MessageBar intent="warning" layout="multiline" data-testid="consent-needed" data-feature={feature}>
      <MessageBarBody>
        <MessageBarTitle>Sign in again to allow {featureText[feature] ?? feature}</MessageBarTitle>
        {message}
      </MessageBarBody>
      <MessageBarActions>
        <Button onClick={() => setOpen(true)} disabled={!profile} data-testid="consent-sign-in">
          Sign in again
        </Button>
      </MessageBarActions>
      {profile && (
        <SignInDialog
          profile={profile}
          feature={feature}
          open={open}
          onClose={() => setOpen(false)}
          onSignedIn={(next) => {
            setOpen(false);
            void update(next);
            onSignedIn();
          }}
        />
      )}
    </MessageBar>
  );
}
