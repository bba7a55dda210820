import type { InventoryRow } from "../../ipc/installs";

/** RFC 4180 field: quoted when it holds a comma, quote or line break; a leading =, +, - or @
 * is prefixed with ' so a spreadsheet never runs a team name as a formula. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value === "string") text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(fields: (string | number | boolean | null | undefined)[]): string {
  return fields.map(csvField).join(",");
}

const HEADER = [
  "kind",
  "id",
  "name",
  "detail",
  "state",
  "version",
  "archived",
  "general channel",
  "private channels",
  "shared channels",
  "error status",
  "error code",
  "error message",
  "last read",
];

/** The inventory rows as CSV (CRLF line ends, a header line), as spreadsheets read it. */
export function inventoryCsv(rows: InventoryRow[]): string {
  const lines = [csvLine(HEADER)];
  for (const r of rows)
    lines.push(
      csvLine([
        r.kind,
        r.id,
        r.displayName,
        r.detail,
        r.state,
        r.version,
        r.archived,
        r.generalChannel,
        r.privateChannels,
        r.sharedChannels,
        r.errorStatus,
        r.errorCode,
        r.errorMessage,
        r.checkedAt,
      ]),
    );
  return lines.join("\r\n") + "\r\n";
}
