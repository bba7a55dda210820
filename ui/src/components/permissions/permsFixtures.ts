// The demo tenant's FlashDuty bot as the core reports it (shape of PermsReport), trimmed.
import type { DiffRow, BotProfile, PermsReport } from "../../ipc/permissions";

export const APP_ID = "d5a7c3e1-2f4b-4c6d-8e9f-0a1b2c3d4e5f";
export const CONSENT_URL = `http://127.0.0.1:4000/e28529f4/v2.0/adminconsent?client_id=${APP_ID}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default`;
const GRAPH = "00000003-0000-0000-c000-000000000000";

const entry = (name: string, type: "application" | "delegated" | "rsc", required = true) => ({
  resource: GRAPH,
  name,
  type,
  required,
  purpose: `purpose of ${name}`,
  leastPrivileged: true,
  alternative: null,
  model: null,
});

export const flashdutyProfile: BotProfile = {
  id: "flashduty",
  name: "FlashDuty (alerting bot)",
  vendor: "FlashDuty",
  description: "Alerting / on-call bot.",
  appId: APP_ID,
  otherAppIds: [],
  storeAppId: null,
  sourceUrl: null,
  source: "builtin",
  models: [],
  permissions: [entry("Team.ReadBasic.All", "application"), entry("ChannelMessage.Read.Group", "rsc")],
};

export const oxProfile: BotProfile = {
  ...flashdutyProfile,
  id: "ox-security",
  name: "OX Security",
  vendor: "OX",
  appId: "0e0e0e0e-0000-4000-8000-000000000000",
  models: [
    {
      id: "identity-provider",
      name: "Identity provider",
      description: "OX acts as the signed-in Microsoft user, through the delegated grants to OX's app registration (OXSecurity).",
    },
    {
      id: "bot-identity",
      name: "Bot identity",
      description: 'The "OX Security" Teams app, deployed to users through Teams setup policies, sends as the app.',
    },
  ],
};

const row = (over: Partial<DiffRow> & Pick<DiffRow, "permission" | "kind" | "state">): DiffRow => ({
  resourceAppId: GRAPH,
  resourceName: "Microsoft Graph",
  required: null,
  purpose: null,
  leastPrivileged: null,
  alternative: null,
  model: null,
  principal: null,
  grantedIn: [],
  missingIn: [],
  detail: `${over.permission} is ${over.state}`,
  fix: null,
  ...over,
});

const team = (id: string, name: string) => ({ kind: "team" as const, id, name });

export const missingRow = row({
  permission: "Team.ReadBasic.All",
  kind: "application",
  state: "missing_required",
  required: true,
  purpose: "List the teams the bot is in.",
  detail: "Needed, not granted.",
});
export const excessRow = row({
  permission: "Group.ReadWrite.All",
  kind: "application",
  state: "broader",
  detail: "Granted, not needed; broader than Team.ReadBasic.All.",
  fix: { action: "revokeAppRole", servicePrincipalId: "sp1", assignmentId: "as1" },
});
export const perUserRow = row({
  permission: "Presence.Read.All",
  kind: "delegated",
  state: "per_user_consent",
  principal: "diego.siciliani@contoso.onmicrosoft.com",
  detail: "Diego consented for himself.",
  fix: { action: "trimGrant", grantId: "g2", remove: ["Presence.Read.All"] },
});
export const rscRow = row({
  permission: "ChannelMessage.Read.Group",
  kind: "rsc",
  state: "rsc_partial",
  required: true,
  grantedIn: [team("t1", "Incident Response")],
  missingIn: [team("t2", "Payments Team")],
  detail: "Granted in 1 of 2 teams.",
});

export function report(rows: DiffRow[] = [missingRow, excessRow, perUserRow, rscRow]): PermsReport {
  const count = (s: DiffRow["state"]) => rows.filter((r) => r.state === s).length;
  const missing = count("missing_required");
  return {
    profile: flashdutyProfile,
    diff: {
      profileId: "flashduty",
      profileName: "FlashDuty (alerting bot)",
      appId: APP_ID,
      servicePrincipal: { id: "sp1", appId: APP_ID, displayName: "FlashDuty" },
      connection: {
        delegated: true,
        application: true,
        rsc: true,
        label: "bot identity (application + RSC) and identity provider (delegated)",
        profileModelsInUse: [],
        evaluatedModels: [],
      },
      rows,
      summary: {
        granted: count("granted"),
        missingRequired: missing,
        missingOptional: count("missing_optional"),
        excess: count("excess"),
        broader: count("broader"),
        perUserConsents: count("per_user_consent"),
        rscPartial: count("rsc_partial"),
        notChecked: count("not_checked"),
      },
      updateAvailable: missing > 0,
      consent:
        missing > 0
          ? { url: CONSENT_URL, scopes: ["https://graph.microsoft.com/.default"], usesDefault: true, note: "Consents to what the registration declares." }
          : null,
      consentAll: null,
      warnings: [],
    },
    matrix: {
      columns: [
        { id: "tenant", label: "Tenant-wide", kind: "tenant" },
        { id: "t1", label: "Incident Response", kind: "team" },
        { id: "t2", label: "Payments Team", kind: "team" },
      ],
      rows: rows.map((r) => ({
        permission: r.permission,
        kind: r.kind,
        principal: r.principal,
        required: r.required,
        state: r.state,
        cells:
          r.kind === "rsc"
            ? ["not_applicable", "granted", "missing"]
            : [r.state === "missing_required" ? "missing" : r.state === "per_user_consent" ? "per_user" : "excess", "not_applicable", "not_applicable"],
      })),
    },
    granted: {
      appId: APP_ID,
      servicePrincipal: { id: "sp1", appId: APP_ID, displayName: "FlashDuty" },
      appRoles: [],
      delegated: [],
      rsc: [],
      rscTargets: [team("t1", "Incident Response"), team("t2", "Payments Team")],
      rscFailures: [],
      warnings: [],
      inspectedAt: "2026-11-22T15:00:00Z",
    },
    diffCsv: "permission,type,state\r\nTeam.ReadBasic.All,application,missing_required\r\n",
    matrixCsv: "permission,Tenant-wide\r\n",
    fromCache: false,
    allTeams: true,
  };
}
