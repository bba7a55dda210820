import { useState } from "react";
import {
  Button,
  makeStyles,
  Menu,
  MenuDivider,
  MenuGroup,
  MenuGroupHeader,
  MenuItem,
  MenuItemRadio,
  MenuList,
  MenuPopover,
  MenuTrigger,
  tokens,
} from "@fluentui/react-components";
import { AddRegular, PersonCircleRegular, SignOutRegular, PersonArrowRightRegular } from "@fluentui/react-icons";
import { ipc, type ApiError } from "../ipc";
import { useSession } from "../session";
import { SignInDialog } from "./SignInDialog";
import { AddProfileDialog } from "./AddProfileDialog";

const useStyles = makeStyles({
  trigger: { color: tokens.colorNeutralForegroundOnBrand, maxWidth: "380px" },
});

export function ProfileMenu({ onError }: { onError: (err: ApiError | null) => void }) {
  const styles = useStyles();
  const { session, update } = useSession();
  const [signInOpen, setSignInOpen] = useState(false);
  const [addOpen, setAddOpen] = useState(false);
  const current = session?.current ?? null;
  const identity = session?.signedIn ? current?.identity ?? null : null;

  const label = identity
    ? `${identity.accountName || identity.accountUpn} · ${identity.tenantName}`
    : current
      ? `${current.name} — not signed in`
      : "Not signed in";

  const run = async (action: () => Promise<Parameters<typeof update>[0]>) => {
    try {
      await update(await action());
      onError(null);
    } catch (err) {
      onError(err as ApiError);
    }
  };

  return (
    <>
      <Menu
        checkedValues={{ profile: current ? [current.id] : [] }}
        onCheckedValueChange={(_, d) => {
          const id = d.checkedItems[0];
          if (id) void run(() => ipc.switchProfile(id));
        }}
      >
        <MenuTrigger disableButtonEnhancement>
          <Button appearance="transparent" className={styles.trigger} icon={<PersonCircleRegular />} data-testid="profile-area">
            <span data-testid="profile-label">{label}</span>
          </Button>
        </MenuTrigger>
        <MenuPopover>
          <MenuList>
            {session && session.profiles.length > 0 && (
              <MenuGroup>
                <MenuGroupHeader>Tenants</MenuGroupHeader>
                {session.profiles.map((p) => (
                  <MenuItemRadio key={p.id} name="profile" value={p.id} data-testid={`profile-${p.name}`}>
                    {p.name}
                  </MenuItemRadio>
                ))}
              </MenuGroup>
            )}
            <MenuDivider />
            {current && !session?.signedIn && (
              <MenuItem
                icon={<PersonArrowRightRegular />}
                disabled={!session?.canSignIn}
                onClick={() => setSignInOpen(true)}
                data-testid="menu-sign-in"
              >
                {session?.canSignIn ? "Sign in…" : "Sign in (unavailable: OS keyring not usable)"}
              </MenuItem>
            )}
            {current && session?.signedIn && (
              <MenuItem icon={<SignOutRegular />} onClick={() => void run(() => ipc.signOut(current.id))} data-testid="menu-sign-out">
                Sign out
              </MenuItem>
            )}
            <MenuItem icon={<AddRegular />} onClick={() => setAddOpen(true)} data-testid="menu-add-profile">
              Add a tenant…
            </MenuItem>
          </MenuList>
        </MenuPopover>
      </Menu>
      {current && (
        <SignInDialog
          profile={current}
          open={signInOpen}
          onClose={() => setSignInOpen(false)}
          onSignedIn={(s) => {
            setSignInOpen(false);
            void update(s);
          }}
        />
      )}
      <AddProfileDialog
        open={addOpen}
        onClose={() => setAddOpen(false)}
        onCreated={(s) => {
          setAddOpen(false);
          void update(s);
          setSignInOpen(true);
        }}
      />
    </>
  );
}
