import type { ReactElement } from "react";
import {
  AppsListDetailRegular,
  BoxRegular,
  DocumentBulletListClockRegular,
  HomeRegular,
  LinkMultipleRegular,
  PeopleTeamRegular,
  SettingsRegular,
  ShieldKeyholeRegular,
} from "@fluentui/react-icons";

export type PageId =
  | "overview"
  | "package"
  | "catalog"
  | "installations"
  | "permissions"
  | "links"
  | "activity"
  | "settings";

export interface PageMeta {
  id: PageId;
  label: string;
  icon: ReactElement;
  /** One line under the title: what this page is for. */
  purpose: string;
}

export const pages: PageMeta[] = [
  { id: "overview", label: "Overview", icon: <HomeRegular />, purpose: "Your tenant and your bot at a glance." },
  {
    id: "package",
    label: "Package",
    icon: <BoxRegular />,
    purpose: "Build, validate, version and compare the bot's Teams app package.",
  },
  {
    id: "catalog",
    label: "Catalog",
    icon: <AppsListDetailRegular />,
    purpose: "Publish and update the bot in your organisation's Teams app catalog.",
  },
  {
    id: "installations",
    label: "Installations",
    icon: <PeopleTeamRegular />,
    purpose: "Where the bot is installed — teams, group chats, users — and bulk install or upgrade.",
  },
  {
    id: "permissions",
    label: "Permissions",
    icon: <ShieldKeyholeRegular />,
    purpose: "What the bot needs, what your tenant granted, and the difference.",
  },
  {
    id: "links",
    label: "Links",
    icon: <LinkMultipleRegular />,
    purpose: "Which teams, chats and users are linked to the bot's integration, and their health.",
  },
  {
    id: "activity",
    label: "Activity",
    icon: <DocumentBulletListClockRegular />,
    purpose: "Every change BotDeck made, and where its log file is.",
  },
  { id: "settings", label: "Settings", icon: <SettingsRegular />, purpose: "Appearance and the health of this machine." },
];
