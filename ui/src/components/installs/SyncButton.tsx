import {
  Menu,
  MenuDivider,
  MenuGroup,
  MenuGroupHeader,
  MenuItem,
  MenuItemCheckbox,
  MenuList,
  MenuPopover,
  MenuTrigger,
  SplitButton,
  type MenuButtonProps,
  type MenuProps,
} from "@fluentui/react-components";
import { ArrowSyncRegular, ArrowClockwiseRegular } from "@fluentui/react-icons";
import type { TargetKind } from "../../ipc/installs";

export interface SyncChoiceState {
  kinds: TargetKind[];
  /** Read each team's channels (General channel, private / shared counts). */
  channels: boolean;
}

export const defaultSyncChoice: SyncChoiceState = { kinds: ["team", "chat", "user"], channels: true };

const order: TargetKind[] = ["team", "chat", "user"];
const plural: Record<TargetKind, string> = { team: "teams", chat: "chats", user: "users" };

/** "" for everything, else "teams" / "teams and chats". */
export function kindsText(kinds: readonly TargetKind[]): string {
  const sorted = order.filter((k) => kinds.includes(k));
  if (sorted.length === order.length) return "";
  const words = sorted.map((k) => plural[k]);
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

/** What core will be asked for; `null` when nothing is chosen (core would refuse it). */
export function syncRequest(choice: SyncChoiceState, fresh: boolean) {
  const kinds = order.filter((k) => choice.kinds.includes(k));
  if (kinds.length === 0) return null;
  // Channel facts belong to teams: core refuses channels without teams, so never ask for it.
  return { kinds, channels: choice.channels && kinds.includes("team"), fresh };
}

const STORAGE_KEY = "botdeck.installs.syncChoice";

/** The choice lives for the window's session, so it survives visits to other pages. */
export function loadSyncChoice(): SyncChoiceState {
  try {
    const raw = JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) ?? "null") as Partial<SyncChoiceState> | null;
    if (!raw || !Array.isArray(raw.kinds) || typeof raw.channels !== "boolean") return defaultSyncChoice;
    return { kinds: order.filter((k) => raw.kinds?.includes(k)), channels: raw.channels };
  } catch {
    return defaultSyncChoice;
  }
}

export function saveSyncChoice(choice: SyncChoiceState) {
  try {
    window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(choice));
  } catch {
    // Storage may be unavailable; the choice then lasts as long as the page.
  }
}

/**
 * Sync, with what to read in its menu: which kinds, channel facts, and a full resync that
 * starts over instead of continuing an unfinished sync.
 */
export function SyncButton({
  choice,
  onChoice,
  onSync,
  disabled,
}: {
  choice: SyncChoiceState;
  onChoice: (next: SyncChoiceState) => void;
  onSync: (fresh: boolean) => void;
  disabled: boolean;
}) {
  const valid = syncRequest(choice, false) !== null;
  const teams = choice.kinds.includes("team");
  const what = kindsText(choice.kinds);
  const checked = { kinds: choice.kinds, extra: choice.channels && teams ? ["channels"] : [] };
  const onChecked: MenuProps["onCheckedValueChange"] = (_, d) => {
    if (d.name === "kinds") onChoice({ ...choice, kinds: order.filter((k) => d.checkedItems.includes(k)) });
    if (d.name === "extra") onChoice({ ...choice, channels: d.checkedItems.includes("channels") });
  };
  // Built outside the JSX so the data-* attribute passes the slot's prop type.
  const primary = {
    onClick: () => onSync(false),
    disabled: disabled || !valid,
    "data-testid": "installs-sync",
    "data-kinds": choice.kinds.join(","),
  };
  return (
    <Menu positioning="below-end" checkedValues={checked} onCheckedValueChange={onChecked}>
      <MenuTrigger disableButtonEnhancement>
        {(triggerProps: MenuButtonProps) => (
          <SplitButton
            appearance="primary"
            icon={<ArrowSyncRegular />}
            menuButton={{ ...triggerProps, "aria-label": "Sync options", disabled } as MenuButtonProps}
            primaryActionButton={primary}
          >
            {what ? `Sync ${what}` : "Sync"}
          </SplitButton>
        )}
      </MenuTrigger>
      <MenuPopover data-testid="sync-options">
        <MenuList>
          <MenuGroup>
            <MenuGroupHeader>Read</MenuGroupHeader>
            <MenuItemCheckbox name="kinds" value="team" data-testid="sync-kind-team">
              Teams
            </MenuItemCheckbox>
            <MenuItemCheckbox name="kinds" value="chat" data-testid="sync-kind-chat">
              Group chats
            </MenuItemCheckbox>
            <MenuItemCheckbox name="kinds" value="user" data-testid="sync-kind-user">
              Users
            </MenuItemCheckbox>
          </MenuGroup>
          <MenuDivider />
          <MenuItemCheckbox
            name="extra"
            value="channels"
            disabled={!teams}
            secondaryContent={teams ? undefined : "teams only"}
            data-testid="sync-channels"
          >
            Channel facts (General, private, shared)
          </MenuItemCheckbox>
          <MenuDivider />
          <MenuItem
            icon={<ArrowClockwiseRegular />}
            disabled={disabled || !valid}
            onClick={() => onSync(true)}
            data-testid="sync-fresh"
          >
            {what ? `Full resync of ${what}` : "Full resync"} (start over)
          </MenuItem>
        </MenuList>
      </MenuPopover>
    </Menu>
  );
}
