// browser.test.js: the portal seen as a person sees it (WCAG 2.1 AA, phones first).
// Debian's Chromium, driven by playwright-core, goes through every flow at a phone size
// (390x844) and a desktop size (1280x800), with scripts on and off; the keyboard-only
// flows; then every page seen is checked by the Nu HTML Checker.  Every page of the
// script-on runs is checked by axe-core on the way (lib.js).
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start } = require('../e2e/lib');
const { launch, newContext, Report, Visitor, AXE_TAGS } = require('./lib');
const flows = require('./flows');
const keyboard = require('./keyboard');
const languages = require('./languages');
const twofactor = require('./twofactor');
const { nowSeconds, totp } = require('../e2e/lib');

let srv;
let browser;
const report = new Report();
let failed = false;

before(async () => {
  // en-XA, the pseudo-language, exists for the language checks below.
  [srv, browser] = await Promise.all([start({ env: { PORTAL_PSEUDO_LANGUAGE: '1' } }), launch()]);
});

after(async () => {
  await Promise.all([browser && browser.close(), srv && srv.stop()]);
  if (failed && srv) console.error(srv.logs.portal.slice(-4000));
  report.cleanup();
});

// A test that, when it fails, has the portal's log printed at the end.
function step(name, fn) {
  test(name, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      failed = true;
      throw e;
    }
  });
}

const CONFIGS = [
  { size: 'phone', js: true },
  { size: 'desktop', js: true },
  { size: 'phone', js: false },
  { size: 'desktop', js: false },
];

// BROWSER_ONLY=phone-js (or desktop-nojs...) runs one configuration, when debugging.
const only = process.env.BROWSER_ONLY;
CONFIGS.forEach((c, i) => {
  if (only && only !== `${c.size}-${c.js ? 'js' : 'nojs'}`) return;
  const where = `${c.size}, ${c.js ? 'scripts on' : 'no script'}`;
  describe(where, () => {
    let ctx;
    let v;
    let st;
    let broken = null; // a flow failed: the ones after it would only repeat the failure
    before(async () => {
      st = flows.story(srv, i + 1);
      ctx = await newContext(browser, c.size, { js: c.js });
      v = new Visitor(await ctx.newPage(), { base: srv.base, where, report, js: c.js });
    });
    after(async () => { await ctx.close(); });
    const flow = (name, fn) => step(name, async (t) => {
      if (broken) {
        t.skip(`after the failure of "${broken}"`);
        return;
      }
      try {
        await fn(t);
      } catch (e) {
        broken = name;
        throw e;
      }
    });
    flow('the public pages', () => flows.publicPages(v));
    flow('joining the interest list while no class is open', () => flows.interestList(v, st));
    flow('staff sign in (refused, then right) and create a class', () => flows.createClass(v, st));
    flow('applying for PIP: refused, fixed through the error summary, confirmed', () => flows.apply(v, st));
    flow('checking the status', () => flows.checkStatus(v, st, 'status page', { errors: true }));
    flow('Back and Forward after a status lookup: no resubmission', () => flows.statusBack(v, st));
    flow('correcting my details: refused, fixed, saved', () => flows.correctDetails(v, st));
    flow('getting my references by email', () => flows.resend(v, st));
    flow('staff review the class list, accept the application, download the CSV', () => flows.review(v, st));
    flow('staff take attendance', async (t) => {
      const missing = await flows.attendance(v, st);
      if (missing) t.skip('TODO: /admin/pip/classes/ID/attendance does not exist yet (404)');
    });
    flow('withdrawing the application, after a confirmation step', () => flows.withdraw(v, st));
    flow('a counselor nominates a student, corrects and withdraws the nomination', () => flows.nominate(v, st));
    flow('an administrator edits the PIP page: preview, then save', () => flows.editPage(v, st));
    flow('the rest of the staff desk', () => flows.staffDesk(v, st));
    flow('registration not open, open, full, closed: places left and the schedule', () => flows.registrationStates(v, st));
    flow("the coordinator's desk: bulk decisions, background checks, corrections, a message, accounts", () => flows.coordinatorDesk(v, st));
    flow('two-step sign-in: set up by typing the code, then signing in with one', () => twofactor.setUpAndSignIn(v, st));
  });
});

describe('keyboard only', () => {
  for (const size of ['phone', 'desktop']) {
    let ctx;
    let v;
    let st;
    before(async () => {
      st = flows.story(srv, size === 'phone' ? 11 : 12);
    });
    step(`${size}: the PIP application`, async () => {
      ctx = await newContext(browser, size, { js: true });
      v = new Visitor(await ctx.newPage(), { base: srv.base, where: `${size}, keyboard`, report, js: true });
      srv.sql("UPDATE cohorts SET registration_open = 0 WHERE program = 'pip'");
      const id = flows.makeClass(srv, 300 + st.n, flows.fromToday(60));
      srv.sql(`UPDATE cohorts SET registration_open = 1 WHERE id = ${id}`);
      st.classId = id;
      await keyboard.applyByKeyboard(v, st);
    });
    step(`${size}: staff sign-in`, async () => {
      await keyboard.signInByKeyboard(v, st.staff);
    });
    step(`${size}: staff sign-in with a code from the app`, async () => {
      const secret = await twofactor.giveFactor(srv, st.staff);
      await keyboard.twoFactorByKeyboard(v, st.staff, totp(secret, nowSeconds() + 30));
      await ctx.close();
    });
  }
});

describe('languages, phone size', () => {
  if (only && only !== 'languages') return;
  let ctx;
  let v;
  let st;
  before(async () => {
    st = flows.story(srv, 13);
    srv.sql("UPDATE cohorts SET registration_open = 0 WHERE program = 'pip'");
    st.classId = flows.makeClass(srv, 313, flows.fromToday(60));
    srv.sql(`UPDATE cohorts SET registration_open = 1 WHERE id = ${st.classId}`);
    ctx = await newContext(browser, 'phone', { js: true });
    v = new Visitor(await ctx.newPage(), { base: srv.base, where: 'phone, languages', report, js: true });
  });
  after(async () => { await ctx.close(); });
  for (const lang of languages.LANGS) {
    step(`the public pages in ${lang}`, () => languages.publicPagesIn(v, lang));
  }
  step('applying for PIP in Spanish', () => languages.applyIn(v, st, 'es'));
  step('applying for PIP in Japanese', () => languages.applyIn(v, st, 'ja'));
  step('applying for PIP in Japanese by keyboard alone', () => languages.applyByKeyboardIn(v, st, 'ja'));
});

describe('passkeys', () => {
  // WebAuthn's relying party is a name, never an address: this portal is http://localhost:PORT.
  let pk;
  before(async () => {
    pk = await start({ config: (port) => `base_url = http://localhost:${port}\n` });
  });
  after(async () => { if (pk) await pk.stop(); });
  for (const size of ['phone', 'desktop']) {
    step(`${size}: a passkey added and used through Chromium's virtual authenticator`, async () => {
      const ctx = await newContext(browser, size, { js: true });
      const base = pk.base.replace('127.0.0.1', 'localhost');
      const v = new Visitor(await ctx.newPage(), { base, where: `${size}, passkey`, report, js: true });
      const who = { email: `passkey-${size}@example.org`, name: `Pia Passkey ${size}` };
      pk.cli(['user', 'add', '--role', 'staff', '--email', who.email, '--name', who.name],
        'a long enough password\n');
      const secret = await twofactor.giveFactor(pk, who);
      try {
        await twofactor.passkeyWithVirtualAuthenticator(v, pk, who, secret);
      } finally {
        await ctx.close();
      }
    });
  }
});

step('every page seen is valid HTML (Nu HTML Checker)', (t) => {
  assert.ok(report.pages.length > 0, 'no page was checked');
  report.validate();
  const problems = [];
  for (const p of report.pages) {
    for (const m of p.vnuErrors) {
      problems.push(`${p.name} (${p.url}, ${p.where}) line ${m.lastLine || m.firstLine || '?'}: ${m.message}` +
        (m.extract ? `\n    ${m.extract.replace(/\n/g, ' ').trim()}` : ''));
    }
  }
  // The summary: each page once, with what was checked on it.
  const seen = new Map();
  const review = new Set();
  for (const p of report.pages) {
    const s = seen.get(p.name) || { visits: 0, axeRules: 0, axeRuns: 0, violations: 0, vnuErrors: 0 };
    s.visits += 1;
    if (p.axeRules !== null) {
      s.axeRuns += 1;
      s.axeRules = Math.max(s.axeRules, p.axeRules);
      s.violations += p.axeViolations;
    }
    s.vnuErrors += p.vnuErrors.length;
    for (const r of p.axeReview || []) review.add(`${p.name}: ${r}`);
    seen.set(p.name, s);
  }
  t.diagnostic(`${seen.size} pages, ${report.pages.length} visits; axe-core tags ${AXE_TAGS.join(', ')}`);
  for (const [name, s] of seen) {
    t.diagnostic(`${name}: ${s.visits} visits, axe ${s.axeRuns} runs of ${s.axeRules} rules, ` +
      `${s.violations} violations, ${s.vnuErrors} HTML errors`);
  }
  if (process.env.AXE_REVIEW) for (const r of review) t.diagnostic(`axe-core could not decide: ${r}`);
  assert.equal(problems.length, 0, `Nu HTML Checker errors:\n${problems.join('\n')}`);
});
