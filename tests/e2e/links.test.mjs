// Links on the demo tenant, as an admin walks it in the real window.
//
// FlashDuty: the bot updated to 1.0.3 from the Catalog; a team (its General channel), a group
// chat and a user picked from the inventory in the link wizard; the bot upgraded there in
// place; the commands handed out. tenant-sim's control endpoint stands in for the person who
// types them in Teams (a message posted through Graph would never reach the bot); "Check for
// the bot's reply" proves the team and the chat, the user is confirmed. Then someone removes
// the bot from the team: the health check flags it with the reason and the fix, and it is
// unlinked (FlashDuty has no unlink command: the page says so).
//
// PagerDuty: a service connected to a standard channel; the team's private channel refused
// by the check before anything is stored; the team disconnected, and every link of it goes.
//
// Screenshots (target/e2e-artifacts/links-*.png) at 1280×800 and 1024×640.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  approveDeviceCode,
  byTestId,
  dialogShown,
  openPage,
  pickFile,
  recover,
  scratchDir,
  screenshot,
  signIn,
  step,
  tap,
  TIMEOUT,
  useApp,
  waitForAttribute,
  waitForText,
} from "./harness.mjs";
import { flashduty, MANIFEST_ID } from "./zipkit.mjs";


const work = scratchDir("botdeck-e2e-links-");
const v103 = join(work, "FlashDuty-v1.0.3.zip");
writeFileSync(v103, flashduty("1.0.3"));

const TEAM = "Platform Engineering";
const CHAT = "Launch war room";
const USER = "Megan Bowen";
const PD_TEAM = "Payments Team";

const app = useApp({ args: ["--demo"] });
/** tenant-sim's origin (its /_sim controls) and the admin who "types" in Teams. */
let sim;
let adminUpn;
/** The commands the wizard handed out, by target name. */
const commands = new Map();

async function simPost(path, body) {
  const r = await fetch(`${sim}/_sim/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  assert.equal(r.status, 200, `${path}: ${text}`);
  return JSON.parse(text);
}

const row = (name, vendor = "flashduty") => app.browser.$(`[data-testid="link-row"][data-name="${name}"][data-vendor="${vendor}"]`);

async function shoot(name) {
  const b = app.browser;
  await b.setWindowSize(1280, 800);
  await b.pause(300);
  await screenshot(b, `links-${name}-1280x800`);
  await b.setWindowSize(1024, 640);
  await b.pause(300);
  await screenshot(b, `links-${name}-1024x640`);
  await b.setWindowSize(1280, 800);
}

/** Answers the "Sign in again" prompt that a step raised, if it did. */
async function signInAgainIfAsked(timeout = 8000) {
  const consent = app.browser.$(byTestId("consent-sign-in"));
  if (await consent.waitForExist({ timeout }).catch(() => false)) {
    await tap(consent);
    await approveDeviceCode(app.browser);
    return true;
  }
  return false;
}

/** In the open wizard: pick targets of one kind by name through the search. */
async function pick(kind, search, name) {
  const b = app.browser;
  await b.$(byTestId("picker-kind")).selectByAttribute("value", kind);
  const field = b.$(byTestId("picker-search"));
  await field.setValue(search);
  const choice = b.$(`[data-testid="picker-choice"][data-name="${name}"]`);
  await choice.waitForExist({ timeout: TIMEOUT.ui, timeoutMsg: `${name} is not offered in the picker` });
  return choice;
}

/** The picker lists what BotDeck read for the bot; a first use reads it (an inventory sync). */
async function inventoryReady() {
  const b = app.browser;
  const list = b.$(byTestId("picker-list"));
  await waitForAttribute(list, "data-loading", "no", { what: "the picker's first list" });
  const sync = b.$(byTestId("picker-sync"));
  if (await sync.isExisting()) {
    await tap(sync);
    await b.$(byTestId("picker-no-inventory")).waitForExist({ reverse: true, timeout: TIMEOUT.work, timeoutMsg: "the inventory was not read" });
  }
  await b.$('[data-testid="picker-choice"]').waitForExist({ timeout: TIMEOUT.ui, timeoutMsg: "the picker offers nothing" });
}

async function openWizard(vendor, externalId, name) {
  const b = app.browser;
  await openPage(b, "links");
  await tap(b.$(byTestId("link-wizard-open")));
  await dialogShown(b, "link-wizard");
  await b.$(byTestId("wizard-vendor")).selectByAttribute("value", vendor);
  await b.$(byTestId("wizard-external-id")).setValue(externalId);
  await b.$(byTestId("wizard-name")).setValue(name);
  await waitForAttribute(b.$(byTestId("wizard-app")), "value", /.+/, { what: "the bot the vendor's profile names" });
  await inventoryReady();
}

const result = (name) => app.browser.$(`[data-testid="wizard-result"][data-name="${name}"]`);

step("sign in to the demo tenant", async () => {
  sim = await signIn(app.browser);
  const state = await (await fetch(`${sim}/_sim/state`)).json();
  adminUpn = state.admin_upn;
  assert.match(adminUpn, /megan/i);
});

step("FlashDuty 1.0.3 is published from the Catalog", async () => {
  const b = app.browser;
  await openPage(b, "catalog");
  const flashRow = b.$('[data-testid^="catalog-row-"][data-name="FlashDuty"]');
  await flashRow.waitForExist({ timeout: TIMEOUT.ui });
  await tap(flashRow.$(byTestId("catalog-open")));
  await b.$(byTestId(`catalog-app-${MANIFEST_ID}`)).waitForExist({ timeout: TIMEOUT.ui });
  await pickFile(b, "catalog-file", v103);
  await waitForAttribute(b.$(byTestId("catalog-target")), "data-kind", "update", { what: "the package read as an update" });
  await tap(b.$(byTestId("catalog-publish-send")));
  await signInAgainIfAsked(15000);
  await waitForText(b.$(byTestId("catalog-published")), /FlashDuty 1\.0\.3 is published/, { timeout: TIMEOUT.work, what: "the published update" });
  await b.keys("Escape");
  await recover(b);
});

step("FlashDuty: pick a team, a group chat and a user from the inventory; the check finds the bot outdated and upgrades it there", async () => {
  const b = app.browser;
  await openWizard("flashduty", "fd-int-1002", "Payments alerts");
  for (const [kind, search, name] of [
    ["team", "Platform", TEAM],
    ["chat", "Launch", CHAT],
    ["user", "Megan", USER],
  ]) {
    const choice = await pick(kind, search, name);
    await tap(choice.$(byTestId("picker-tick")));
    await tap(b.$(byTestId("picker-add")));
  }
  assert.equal((await b.$$(byTestId("wizard-target"))).length, 3, "three targets to link");
  await tap(b.$(byTestId("wizard-check")));
  await result(TEAM).waitForExist({ timeout: TIMEOUT.work, timeoutMsg: "the check did not answer" });
  // 1.0.3 is the published version now: the team and the chat still run 1.0.2.
  const teamFindings = await waitForText(result(TEAM), /outdated|older|upgrade/i, { what: "the team's check" });
  assert.match(teamFindings, /upgrade/i);
  await result(TEAM).scrollIntoView();
  await shoot("flashduty-check");
  const fixAll = b.$(byTestId("wizard-fix-all"));
  await tap((await fixAll.isExisting()) ? fixAll : b.$(byTestId("wizard-fix")));
  await signInAgainIfAsked(15000);
  for (const name of [TEAM, CHAT, USER]) {
    await waitForAttribute(result(name), "data-ready", "yes", { timeout: TIMEOUT.work, what: `${name} ready after the upgrade` });
  }
});

step("FlashDuty: link them; each gets the exact command and where to type it", async () => {
  const b = app.browser;
  await tap(b.$(byTestId("wizard-link")));
  for (const name of [TEAM, CHAT, USER]) {
    await waitForAttribute(result(name), "data-ready", "yes", { timeout: TIMEOUT.work, what: `${name} linked` });
    commands.set(name, await waitForText(result(name).$(byTestId("wizard-command")), /\S/, { what: `${name}'s command` }));
  }
  assert.match(commands.get(TEAM), /^@FlashDuty linkTeam fd-int-1002$/);
  assert.match(commands.get(CHAT), /^@FlashDuty linkChat fd-int-1002 Launch war room$/);
  assert.match(await result(TEAM).getProperty("innerText"), /General channel/);
  await result(TEAM).scrollIntoView();
  await shoot("flashduty-commands");
  await tap(b.$(byTestId("wizard-close")));
  await b.$(byTestId("link-wizard")).waitForExist({ reverse: true, timeout: TIMEOUT.ui });
  for (const name of [TEAM, CHAT, USER]) await waitForAttribute(row(name), "data-state", "awaiting", { what: `${name} awaiting` });
});

step("FlashDuty: the commands are typed in Teams; the bot's reply proves the team and the chat, the user is confirmed", async () => {
  const b = app.browser;
  const team = row(TEAM);
  await simPost("teams/type", {
    upn: adminUpn,
    teamId: await team.getAttribute("data-team-id"),
    channelId: await team.getAttribute("data-channel-id"),
    text: commands.get(TEAM),
    press: true,
  });
  await simPost("teams/type", { upn: adminUpn, chatId: await row(CHAT).getAttribute("data-chat-id"), text: commands.get(CHAT), press: true });
  await tap(b.$(byTestId("links-evidence")));
  // Reading messages is asked for only now (incremental consent): sign in again, check again.
  if (await signInAgainIfAsked(15000)) await tap(b.$(byTestId("links-evidence")));
  await waitForAttribute(row(TEAM), "data-state", "linked", { timeout: TIMEOUT.work, what: "the team after reading the bot's reply" });
  await waitForAttribute(row(CHAT), "data-state", "linked", { what: "the chat after reading the bot's reply" });
  assert.match(await row(TEAM).getProperty("innerText"), /Bot's reply seen at/);
  await tap(row(USER).$(byTestId("link-confirm")));
  await waitForAttribute(row(USER), "data-state", "linked", { what: "the user after confirming" });
  assert.match(await row(USER).getProperty("innerText"), /Confirmed by/);
  await shoot("flashduty-linked");
});

step("FlashDuty: someone removes the bot from the team; the health check flags it with the reason and the fix", async () => {
  const b = app.browser;
  await simPost("teams/change", { change: "remove_app", kind: "team", target: await row(TEAM).getAttribute("data-team-id"), app: "FlashDuty" });
  await tap(b.$(byTestId("links-health-check")));
  await waitForAttribute(row(TEAM), "data-state", "broken", { timeout: TIMEOUT.work, what: "the team after the health check" });
  assert.equal(await row(TEAM).getAttribute("data-problem"), "bot_not_installed");
  const why = await waitForText(row(TEAM).$(byTestId("link-problem")), /fix: install the bot here/, { what: "the reason and the fix" });
  assert.match(why, /not installed/i);
  assert.ok(await row(TEAM).$(byTestId("link-fix")).isExisting(), "install here is offered");
  assert.equal(await row(CHAT).getAttribute("data-state"), "linked", "the chat still works");
  await shoot("flashduty-broken");
});

step("FlashDuty: unlink the broken team; the page says FlashDuty has no unlink command", async () => {
  const b = app.browser;
  await tap(row(TEAM).$(byTestId("link-unlink")));
  await dialogShown(b, "unlink-dialog");
  await tap(b.$(byTestId("unlink-confirm")));
  const advice = await waitForText(b.$(byTestId("unlink-advice")), /\S/, { what: "the vendor's unlink advice" });
  assert.match(advice, /not supported|no unlink/i);
  await screenshot(b, "links-flashduty-unlinked-1280x800");
  await b.keys("Escape");
  await recover(b);
  await row(TEAM).waitForExist({ reverse: true, timeout: TIMEOUT.ui, timeoutMsg: "the unlinked team is still listed" });
});

step("PagerDuty: a standard channel is ready, the team's private channel is refused by the check", async () => {
  const b = app.browser;
  await openWizard("pagerduty", "https://contoso.pagerduty.com/service-directory/PSRE001", "SRE On-Call");
  await b.$(byTestId("picker-kind")).selectByAttribute("value", "channel");
  await b.$(byTestId("picker-search")).setValue("Payments");
  const team = b.$(`[data-testid="picker-choice"][data-name="${PD_TEAM}"]`);
  await team.waitForExist({ timeout: TIMEOUT.ui, timeoutMsg: `${PD_TEAM} is not offered` });
  await tap(team.$(byTestId("picker-team")));
  const general = b.$('[data-testid="picker-choice"][data-name="General"]');
  const privateOne = b.$('[data-testid="picker-choice"][data-name="Chargebacks"]');
  await general.waitForExist({ timeout: TIMEOUT.work, timeoutMsg: "the team's channels were not read" });
  await tap(general.$(byTestId("picker-tick")));
  await tap(privateOne.$(byTestId("picker-tick")));
  await tap(b.$(byTestId("picker-add")));
  await tap(b.$(byTestId("wizard-check")));
  const refused = b.$('[data-testid="wizard-result"][data-ready="no"] [data-problem="channel_not_supported"]');
  await refused.waitForExist({ timeout: TIMEOUT.work, timeoutMsg: "the private channel was not refused" });
  assert.match(await refused.getProperty("innerText"), /standard channel/i);
  await b.$('[data-testid="wizard-result"][data-ready="yes"]').waitForExist({ timeout: TIMEOUT.ui, timeoutMsg: "the standard channel is not ready" });
  await shoot("pagerduty-private-refused");
  // Only the standard channel is linked.
  await tap(b.$('[aria-label="Remove Chargebacks"]'));
  await tap(b.$(byTestId("wizard-link")));
  const ready = b.$('[data-testid="wizard-result"][data-ready="yes"]');
  await waitForText(ready.$(byTestId("wizard-command")), /^@PagerDuty connect https:\/\/contoso\.pagerduty\.com\/service-directory\/PSRE001$/, {
    timeout: TIMEOUT.work,
    what: "PagerDuty's connect command",
  });
  await tap(b.$(byTestId("wizard-close")));
  await b.$(byTestId("link-wizard")).waitForExist({ reverse: true, timeout: TIMEOUT.ui });
});

step("PagerDuty: disconnect the team; every link of it goes", async () => {
  const b = app.browser;
  const connected = b.$(`[data-testid="link-row"][data-vendor="pagerduty"][data-kind="channel"][data-state="awaiting"]`);
  await connected.waitForExist({ timeout: TIMEOUT.ui, timeoutMsg: "the channel link is not listed" });
  const teamId = await connected.getAttribute("data-team-id");
  const before = (await b.$$(`[data-testid="link-row"][data-team-id="${teamId}"]`)).length;
  assert.ok(before >= 2, `the team has its links (the demo's planned one and ours): ${before}`);
  await tap(connected.$(byTestId("link-disconnect")));
  await dialogShown(b, "disconnect-dialog");
  await tap(b.$(byTestId("disconnect-confirm")));
  const said = await waitForText(b.$(byTestId("disconnect-result")), /\b\d+ links? unlinked/, { what: "the disconnect result" });
  assert.match(said, new RegExp(`^${before} links? unlinked`));
  assert.match(said, /@PagerDuty disconnect/);
  await screenshot(b, "links-pagerduty-disconnected-1280x800");
  await b.keys("Escape");
  await recover(b);
  await b.waitUntil(async () => (await b.$$(`[data-testid="link-row"][data-team-id="${teamId}"]`)).length === 0, {
    timeout: TIMEOUT.ui,
    timeoutMsg: "links of the disconnected team are still listed",
  });
  await shoot("after-stories");
});

step("the Overview's link-health card counts the links and opens Links filtered", async () => {
  const b = app.browser;
  await openPage(b, "overview");
  const card = b.$(byTestId("overview-links"));
  await waitForText(card, /linked/, { what: "the link-health card" });
  await shoot("overview-card");
  await tap(b.$(byTestId("overview-links-linked")));
  await b.$(byTestId("page-links")).waitForDisplayed({ timeout: TIMEOUT.ui });
  await waitForAttribute(b.$(byTestId("links-state-filter")), "value", "linked", { what: "the Links page's state filter" });
  const states = await b.$$('[data-testid="link-row"]').map((r) => r.getAttribute("data-state"));
  assert.ok(states.length > 0 && states.every((s) => s === "linked"), `only linked rows: ${states}`);
});
