// How each grant was given and by whom, as Entra's "Permissions" blade shows it ("Granted
// through: Admin consent / User consent", "Granted by: An administrator / <user>"). Graph
// records a date only for application permissions (appRoleAssignment.createdDateTime); an
// oauth2PermissionGrant and a team's permissionGrant carry none, and we say so.
import type { DiffRow, PermsReport } from "../../ipc/permissions";

export interface Provenance {
  through: string;
  by: string;
  /** ISO time, or null when Graph does not record one. */
  when: string | null;
}

type Granted = PermsReport["granted"];

export function provenanceOf(row: DiffRow, granted: Granted): Provenance | null {
  if (row.state === "missing_required" || row.state === "missing_optional" || row.state === "not_checked") return null;
  const name = row.permission.toLowerCase();
  if (row.kind === "application") {
    const role = granted.appRoles.find((r) => r.name.toLowerCase() === name);
    if (!role) return null;
    return { through: "Admin consent", by: "An administrator", when: role.created };
  }
  if (row.kind === "delegated") {
    const grants = (granted.delegated ?? []).filter((g) => g.scopes.some((s) => s.name.toLowerCase() === name));
    const own = row.principal
      ? grants.find((g) => g.consentType === "Principal" && (g.principalName === row.principal || g.principalId === row.principal))
      : grants.find((g) => g.consentType === "AllPrincipals");
    if (!own) return null;
    return own.consentType === "AllPrincipals"
      ? { through: "Admin consent", by: "An administrator, for every user", when: null }
      : { through: "User consent", by: own.principalName ?? own.principalId ?? "a user", when: null };
  }
  const places = granted.rsc.filter((g) => g.permission.toLowerCase() === name).length;
  if (places === 0) return null;
  return {
    through: "Team owner consent (resource-specific)",
    by: `Whoever installed the bot in ${places === 1 ? "that team or chat" : `those ${places} teams or chats`}`,
    when: null,
  };
}
