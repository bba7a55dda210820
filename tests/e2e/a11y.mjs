// axe-core in the real window: its source (vendored from npm, MPL-2.0, see
// node_modules/axe-core/LICENSE) is injected through WebDriver executeScript — the app's CSP
// forbids remote scripts, and a WebDriver script is not subject to it — then run on the whole
// document. Critical and serious violations fail; the rest are reported.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** Runs axe on the window as it is now; returns the violations (all impacts). */
export async function axeViolations(browser) {
  // Colours are judged when they have settled: a button that was just enabled fades from grey to
  // its brand colour, and halfway there it fails contrast that its final colour passes.
  await browser
    .waitUntil(async () => browser.execute(() => document.getAnimations().every((a) => a.playState !== "running")), {
      timeout: 3000,
      interval: 100,
    })
    .catch(() => undefined);
  // And transitions are switched off while axe reads them, so no colour is caught mid-fade.
  await browser.execute(() => {
    if (document.getElementById("a11y-no-transitions")) return;
    const style = document.createElement("style");
    style.id = "a11y-no-transitions";
    style.textContent = "*, *::before, *::after { transition: none !important; animation: none !important; }";
    document.head.appendChild(style);
  });
  const injected = await browser.execute(() => typeof window.axe === "object");
  if (!injected) await browser.execute(axeSource);
  const result = await browser.executeAsync((done) => {
    // Tabster's focus sentinels (<i tabindex="0" aria-hidden data-tabster-dummy>) hand focus
    // on at once and are never read; Fluent puts them around every arrow-key group.
    window.axe
      .run({ include: [["html"]], exclude: [["[data-tabster-dummy]"]] }, { resultTypes: ["violations"] })
      .then((r) =>
        done({
          violations: r.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            nodes: v.nodes.slice(0, 5).map((n) => ({
              target: n.target.join(" "),
              html: (n.html ?? "").slice(0, 200),
              summary: (n.failureSummary ?? "").split("\n").slice(0, 3).join(" "),
            })),
            count: v.nodes.length,
          })),
        }),
      )
      .catch((e) => done({ error: String(e) }));
  });
  assert.ok(!result.error, `axe failed to run: ${result.error}`);
  await browser.execute(() => document.getElementById("a11y-no-transitions")?.remove());
  return result.violations;
}

/** Fails on any critical or serious violation, naming each with the elements it found. */
export async function assertAccessible(browser, where) {
  const violations = await axeViolations(browser);
  const bad = violations.filter((v) => v.impact === "critical" || v.impact === "serious");
  const others = violations.filter((v) => !bad.includes(v));
  if (others.length) console.log(`axe (${where}): ${others.map((v) => `${v.id} [${v.impact}] ×${v.count}`).join(", ")}`);
  assert.equal(
    bad.length,
    0,
    `${where}: ${bad.length} critical/serious axe violation(s):\n` +
      bad
        .map((v) => `- ${v.id} [${v.impact}] ×${v.count}: ${v.help}\n${v.nodes.map((n) => `    ${n.target} ${n.html} — ${n.summary}`).join("\n")}`)
        .join("\n"),
  );
  return violations;
}
