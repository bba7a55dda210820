// Teams app packages built byte by byte inside the tests, so each test owns every byte of the
// zips it opens or publishes: stored zip entries, RGBA PNGs and a bot manifest.
import { crc32, deflateSync } from "node:zlib";

function u32(n) {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function chunk(type, data) {
  const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
  return Buffer.concat([u32(data.length), td, u32(crc32(td))]);
}

/** An RGBA PNG; `pixel(x, y)` gives each pixel's [r, g, b, a]. */
export function png(size, pixel) {
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) row.set(pixel(x, y), 1 + x * 4);
    rows.push(row);
  }
  const raw = Buffer.concat(rows);
  const ihdr = Buffer.concat([u32(size), u32(size), Buffer.from([8, 6, 0, 0, 0])]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A zip with stored (uncompressed) entries: enough for a package. */
export function zip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const n = Buffer.from(name, "utf8");
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, n, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, n);
    offset += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A 192×192 colour icon and a 32×32 white-on-transparent outline: no icon findings. */
export function cleanIcons() {
  return [
    ["color.png", png(192, () => [0x44, 0x64, 0xee, 255])],
    ["outline.png", png(32, (x, y) => (Math.hypot(x - 15.5, y - 15.5) < 11 ? [255, 255, 255, 255] : [0, 0, 0, 0]))],
  ];
}

// The seeded demo bot (tenant-sim's DEMO_BOT_MANIFEST_ID / DEMO_BOT_APP_ID).
export const MANIFEST_ID = "9f3e2a1b-6c4d-4e8f-a0b1-c2d3e4f5a6b7";
export const BOT_ID = "d5a7c3e1-2f4b-4c6d-8e9f-0a1b2c3d4e5f";

/** The FlashDuty package of the demo tenant at `version` (what an admin would publish). */
export function flashduty(version) {
  const manifest = {
    $schema: "https://developer.microsoft.com/json-schemas/teams/v1.17/MicrosoftTeams.schema.json",
    manifestVersion: "1.17",
    version,
    id: MANIFEST_ID,
    developer: {
      name: "FlashDuty Inc.",
      websiteUrl: "https://flashduty.example.com",
      privacyUrl: "https://flashduty.example.com/privacy",
      termsOfUseUrl: "https://flashduty.example.com/terms",
    },
    name: { short: "FlashDuty", full: "FlashDuty for Microsoft Teams" },
    description: {
      short: "On-call alerting and incident response in Teams.",
      full: "FlashDuty posts alerts to the channels, group chats and personal chats linked to your integrations.",
    },
    icons: { color: "color.png", outline: "outline.png" },
    accentColor: "#4464EE",
    bots: [{ botId: BOT_ID, scopes: ["team", "groupChat", "personal"], isNotificationOnly: false }],
    validDomains: ["flashduty.example.com"],
  };
  return zip([["manifest.json", Buffer.from(JSON.stringify(manifest, null, 2))], ...cleanIcons()]);
}
