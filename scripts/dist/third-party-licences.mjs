// Writes THIRD-PARTY-LICENSES.txt for the packages: every crate linked into the shipped binaries
// (normal dependencies of `botdeck` and `botdeck-cli` on Linux x86_64) and every npm package in
// the embedded UI (ui's non-dev packages), with its licence expression and the licence texts it
// ships. Identical texts are printed once, followed by the packages that carry them.
// Usage: node scripts/dist/third-party-licences.mjs OUT
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const out = process.argv[2];
if (!out) {
  console.error("usage: third-party-licences.mjs OUT");
  process.exit(2);
}
const root = join(dirname(new URL(import.meta.url).pathname), "..", "..");
const LICENCE_FILE = /^(licen[cs]e|copying|notice|unlicense)([-._].*)?$/i;

function licenceTexts(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && LICENCE_FILE.test(e.name))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((e) => readFileSync(join(dir, e.name), "utf8"));
}

/** [{ name, version, licence, texts }] */
const entries = [];

// --- crates ----------------------------------------------------------------------------------
const meta = JSON.parse(
  execFileSync("cargo", ["metadata", "--format-version", "1", "--locked", "--filter-platform", "x86_64-unknown-linux-gnu"], {
    cwd: root,
    maxBuffer: 256 * 1024 * 1024,
  }).toString(),
);
const byId = new Map(meta.packages.map((p) => [p.id, p]));
const nodes = new Map(meta.resolve.nodes.map((n) => [n.id, n]));
const workspace = new Set(meta.workspace_members);
const shipped = new Set();
const queue = meta.packages.filter((p) => workspace.has(p.id) && ["botdeck", "botdeck-cli"].includes(p.name)).map((p) => p.id);
while (queue.length) {
  const id = queue.pop();
  if (shipped.has(id)) continue;
  shipped.add(id);
  for (const dep of nodes.get(id)?.deps ?? []) {
    // Only what is linked in: normal dependencies (kind null), not build scripts' or tests'.
    if (dep.dep_kinds.some((k) => k.kind === null)) queue.push(dep.pkg);
  }
}
for (const id of shipped) {
  const p = byId.get(id);
  if (!p || workspace.has(id)) continue;
  const dir = dirname(p.manifest_path);
  const texts = licenceTexts(dir);
  if (p.license_file) {
    const file = join(dir, p.license_file);
    if (existsSync(file)) texts.push(readFileSync(file, "utf8"));
  }
  entries.push({ name: `crate ${p.name}`, version: p.version, licence: p.license ?? "(see text)", texts });
}

// --- npm packages in the embedded UI -----------------------------------------------------------
const lock = JSON.parse(readFileSync(join(root, "ui", "package-lock.json"), "utf8"));
for (const [path, p] of Object.entries(lock.packages ?? {})) {
  if (!path.startsWith("node_modules/") || p.dev || p.optional) continue;
  const name = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
  entries.push({ name: `npm ${name}`, version: p.version, licence: p.license ?? "(see text)", texts: licenceTexts(join(root, "ui", path)) });
}

// --- the file ----------------------------------------------------------------------------------
entries.sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
const normalise = (t) => t.replace(/\s+/g, " ").trim();
const groups = new Map();
const missing = [];
for (const e of entries) {
  if (e.texts.length === 0) missing.push(e);
  for (const text of e.texts) {
    const key = createHash("sha256").update(normalise(text)).digest("hex");
    if (!groups.has(key)) groups.set(key, { text, users: [] });
    groups.get(key).users.push(`${e.name} ${e.version}`);
  }
}
const lines = [
  "BotDeck includes the following third-party software.",
  "",
  "Packages and their licence expressions:",
  ...entries.map((e) => `  ${e.name} ${e.version}: ${e.licence}`),
  "",
];
if (missing.length) {
  lines.push("Packages that ship no licence file (their licence is the expression above):");
  lines.push(...missing.map((e) => `  ${e.name} ${e.version}: ${e.licence}`), "");
}
for (const { text, users } of groups.values()) {
  lines.push("=".repeat(78), `Used by: ${users.join(", ")}`, "-".repeat(78), text.trimEnd(), "");
}
writeFileSync(out, lines.join("\n"));
console.log(`third-party licences: ${entries.length} packages, ${groups.size} distinct texts -> ${out}`);
