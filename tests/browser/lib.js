// lib.js: a real browser (Debian's Chromium driven by playwright-core) on the real portal,
// and the checks every page it shows must pass: axe-core (WCAG 2.1 A and AA) and the
// Nu HTML Checker.  The flows (flows.js) go through a Visitor, which waits for each page
// and keeps its HTML exactly as the server sent it.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');
const axeSource = require('axe-core').source;

const ROOT = path.resolve(__dirname, '../..');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const VNU = path.join(ROOT, 'node_modules/vnu-jar/build/dist/vnu.jar');

// Without the background-networking flags Chromium's own connections are refused on a
// closed network and slow every start down.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const SIZES = {
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
  desktop: { viewport: { width: 1280, height: 800 } },
};

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

// Launches Chromium; each launch gets a fresh, temporary user-data directory of its own.
function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60000 });
}

// A browser context of one size; js: false turns scripts off.  Contexts with scripts on
// bypass the page's Content-Security-Policy, so that axe-core can be injected.
async function newContext(browser, size, { js = true } = {}) {
  const ctx = await browser.newContext({
    ...SIZES[size],
    deviceScaleFactor: 1,
    locale: 'en-US',
    timezoneId: 'America/Los_Angeles',
    javaScriptEnabled: js,
    bypassCSP: js,
    acceptDownloads: true,
  });
  ctx.setDefaultTimeout(10000);
  ctx.setDefaultNavigationTimeout(15000);
  return ctx;
}

// Every page checked in this run, for the summary and the HTML check at the end.
class Report {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-browser-'));
    this.pages = []; // {name, where, url, file, axeRules, axeViolations, vnuErrors}
  }

  save(html, info) {
    const file = path.join(this.dir, `${String(this.pages.length + 1).padStart(3, '0')}.html`);
    fs.writeFileSync(file, html);
    const entry = { ...info, file, vnuErrors: null };
    this.pages.push(entry);
    return entry;
  }

  // Runs the Nu HTML Checker once on every saved page; returns the errors of each page.
  validate() {
    if (!this.pages.length) return [];
    const r = spawnSync('java', ['-Xss1024k', '-jar', VNU, '--format', 'json', '--stdout',
      ...this.pages.map((p) => p.file)], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.error) throw r.error;
    let out;
    try {
      out = JSON.parse(r.stdout);
    } catch (e) {
      throw new Error(`vnu printed no JSON (exit ${r.status}): ${r.stderr}\n${r.stdout.slice(0, 2000)}`);
    }
    const byFile = new Map(this.pages.map((p) => [p.file, p]));
    for (const p of this.pages) p.vnuErrors = [];
    for (const m of out.messages) {
      if (m.type !== 'error' && m.type !== 'non-document-error') continue;
      const file = (m.url || '').replace(/^file:/, '');
      const p = byFile.get(file);
      if (p) p.vnuErrors.push(m);
      else throw new Error(`vnu: ${m.message} (${m.url || 'no file'})`);
    }
    return this.pages;
  }

  cleanup() {
    if (!process.env.KEEP_TEST_DIR) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// Drives one page as a person would and checks every page it reaches.
class Visitor {
  constructor(page, { base, where, report, js, shots, axe }) {
    this.axe = axe;
    this.page = page;
    this.base = base;
    this.where = where; // e.g. "phone, no script"
    this.report = report;
    this.js = js;
    this.shots = shots || null; // {dir, names: {checkpoint name: file stem}, size, taken: Set, maxHeight}
    this.doc = null; // the response of the page shown now
    this.visited = [];
  }

  url() {
    return this.page.url().replace(this.base, '');
  }

  // Does action, which leads to a new page (a link followed, a form sent), and waits for the
  // new document to load.  Redirects are followed; returns the final response.
  async navigation(action) {
    const page = this.page;
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().isNavigationRequest() && r.frame() === page.mainFrame() &&
        (r.status() < 300 || r.status() > 399)),
      page.waitForEvent('load'),
      action(),
    ]);
    this.doc = response;
    return response;
  }

  async goto(p) {
    this.doc = await this.page.goto(this.base + p, { waitUntil: 'load' });
    return this.doc;
  }

  // Clicks a link or a button that leads to another page.
  click(locator) {
    return this.navigation(() => locator.click());
  }

  // Presses a key (Enter, Space) on the focused element, which leads to another page.
  press(key) {
    return this.navigation(() => this.page.keyboard.press(key));
  }

  // The checks of the page shown now, called name in messages: its status, axe-core's
  // WCAG 2.1 AA rules (zero violations), and its HTML kept for the Nu HTML Checker.
  async check(name, { status = 200 } = {}) {
    const page = this.page;
    const url = this.url();
    const doc = this.doc;
    if (!doc) throw new Error(`${name}: no page loaded`);
    if (doc.status() !== status) {
      throw new Error(`${name} (${url}, ${this.where}): status ${doc.status()}, expected ${status}`);
    }
    const html = await doc.text();
    // A page that was not refused shows no error box (nor an alert read out on every load).
    if (status === 200 && /class="error-summary"/.test(html)) {
      throw new Error(`${name} (${url}, ${this.where}): an error box on a page that succeeded: ` +
        `${html.slice(html.indexOf('class="error-summary"'), html.indexOf('class="error-summary"') + 300)}`);
    }
    const entry = this.report.save(html, { name, where: this.where, url, axeRules: null, axeViolations: null });
    this.visited.push(entry);
    // Reflow (WCAG 1.4.10): the page never scrolls sideways; wide tables scroll in their box.
    // A phone's page is also seen 320 CSS pixels wide, as WCAG measures it.
    const size = page.viewportSize();
    if (size.width < 400) {
      await page.setViewportSize({ width: 320, height: size.height });
      const narrow = await overflow(page);
      await page.setViewportSize(size);
      if (narrow) {
        throw new Error(`${name} (${url}, ${this.where}): 320 pixels wide, the page is ` +
          `${narrow.scroll}px wide:\n  ${narrow.out.join('\n  ')}`);
      }
    }
    const wide = await overflow(page);
    if (wide) {
      throw new Error(`${name} (${url}, ${this.where}): the page is ${wide.scroll}px wide in a ` +
        `${wide.client}px window:\n  ${wide.out.join('\n  ')}`);
    }
    if (this.js && this.axe !== false) {
      const results = await runAxe(page);
      entry.axeRules = results.rules;
      entry.axeViolations = results.violations.length;
      entry.axeReview = results.review; // what axe-core could not decide: for a person to look at
      if (results.violations.length) throw new Error(axeMessage(name, url, this.where, results.violations));
    }
    if (this.shots && this.shots.names[name] && !this.shots.taken.has(name)) {
      this.shots.taken.add(name);
      fs.mkdirSync(this.shots.dir, { recursive: true });
      // The whole page; maxHeight cuts a long one short (the size of the files in git).
      const { width, height } = await page.evaluate(() => ({
        width: document.documentElement.clientWidth, height: document.documentElement.scrollHeight }));
      const clip = this.shots.maxHeight && height > this.shots.maxHeight
        ? { x: 0, y: 0, width, height: this.shots.maxHeight } : undefined;
      await page.screenshot({ path: path.join(this.shots.dir, `${this.shots.names[name]}-${this.shots.size}.png`),
        fullPage: true, clip, animations: 'disabled', caret: 'hide' });
    }
    return entry;
  }
}

// Whether the page is wider than its window, and the first elements that stick out.
function overflow(page) {
  return page.evaluate(() => {
    const root = document.documentElement;
    if (root.scrollWidth <= root.clientWidth) return null;
    const out = [];
    for (const e of document.body.querySelectorAll('*')) {
      const r = e.getBoundingClientRect();
      if (r.right > root.clientWidth + 1 && out.length < 5) out.push(e.outerHTML.slice(0, 160));
    }
    return { scroll: root.scrollWidth, client: root.clientWidth, out };
  });
}

async function runAxe(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ content: axeSource });
  }
  const r = await page.evaluate(async (tags) => {
    const res = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations', 'incomplete'],
    });
    return {
      rules: res.passes.length + res.violations.length + res.incomplete.length + res.inapplicable.length,
      review: res.incomplete.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
      violations: res.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary })),
      })),
    };
  }, AXE_TAGS);
  return r;
}

function axeMessage(name, url, where, violations) {
  const lines = [`axe-core: ${violations.length} WCAG 2.1 AA violation(s) on ${name} (${url}, ${where}):`];
  for (const v of violations) {
    for (const n of v.nodes) {
      lines.push(`  ${v.id} (${v.impact}): ${v.help}`);
      lines.push(`    at ${n.target}: ${n.html.slice(0, 300)}`);
      if (n.summary) lines.push(`    ${n.summary.replace(/\n/g, ' ').slice(0, 400)}`);
    }
  }
  return lines.join('\n');
}

module.exports = { ROOT, launch, newContext, Report, Visitor, SIZES, AXE_TAGS, runAxe };
