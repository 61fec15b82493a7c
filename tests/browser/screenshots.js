#!/usr/bin/env node
// screenshots.js: `make screenshots`: PNGs of the main pages at a phone size (390x844) and a
// desktop size (1280x800), taken on the way through the browser flows, in docs/screenshots/
// (or the folder given as the first argument).  Older PNGs there are replaced.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { start } = require('../e2e/lib');
const { ROOT, launch, newContext, Report, Visitor } = require('./lib');
const flows = require('./flows');

// Checkpoint name (flows.js) -> file name, without the size.
const NAMES = {
  'home page, a class open': 'home',
  'Partners In Policing page': 'pip',
  'application form': 'apply',
  'application form with errors': 'apply-errors',
  'confirmation page': 'confirmation',
  'status page': 'status',
  'staff desk, a class open': 'staff-desk',
  'class list': 'class-list',
  'application page': 'application',
  'counselor page, nominated': 'counselor',
  'nomination form': 'nominate',
  'application form (es)': 'apply-es',
  'application form (ja)': 'apply-ja',
};

// A few more applicants, so that the class list looks like one.
async function applicants(srv, classId) {
  const people = [['Grace', 'Kim'], ['David', 'Okafor'], ['Lucia', 'Fernandez'], ['Hiro', 'Tanaka'],
    ['Beth', 'Anderson']];
  for (const [i, [first, last]] of people.entries()) {
    const c = srv.client();
    await c.get('/pip/apply');
    const r = await c.post('/pip/apply', [['class', String(classId)], ['first_name', first],
      ['last_name', last], ['dob', `19${70 + i}-0${i + 1}-12`], ['email', `${first.toLowerCase()}@example.com`],
      ['phone', `310-555-01${10 + i}`], ['street', `${100 + i} Maple Avenue`], ['city', 'Torrance'],
      ['zip', '90503'], ['affiliation', 'resident'], ['emergency_name', 'A. Friend'],
      ['emergency_phone', '310-555-0100'], ['ack_background', 'yes']]);
    if (r.status !== 303) throw new Error(`seeding an applicant: ${r.status}`);
  }
}

async function main() {
  const dir = path.resolve(process.argv[2] || path.join(ROOT, 'docs/screenshots'));
  if (fs.existsSync(dir)) {
    for (const f of fs.readdirSync(dir)) if (/-(phone|desktop)\.png$/.test(f)) fs.rmSync(path.join(dir, f));
  }
  const [srv, browser] = await Promise.all([start(), launch()]);
  const report = new Report();
  try {
    for (const [i, size] of ['phone', 'desktop'].entries()) {
      const st = flows.story(srv, i + 1);
      const ctx = await newContext(browser, size, { js: true });
      // Phones first: a phone's page whole, a desktop's first one and a half screens.
      const shots = { dir, names: NAMES, size, taken: new Set(), maxHeight: size === 'desktop' ? 1200 : 0 };
      const v = new Visitor(await ctx.newPage(), { base: srv.base, where: size, report, js: true, shots, axe: false });
      await flows.publicPages(v);
      await flows.createClass(v, st);
      await flows.apply(v, st);
      // The form in Spanish and in Japanese (the README shows both), then back to English.
      for (const lang of ['es', 'ja']) {
        await v.goto(`/pip/apply?lang=${lang}`);
        await v.check(`application form (${lang})`);
      }
      await v.goto('/?lang=en');
      await applicants(srv, st.classId);
      await flows.checkStatus(v, st, 'status page');
      await flows.review(v, st);
      await flows.attendance(v, st);
      await flows.nominate(v, st);
      await ctx.close();
      const missing = Object.keys(NAMES).filter((n) => !shots.taken.has(n));
      if (missing.length) throw new Error(`no screenshot of: ${missing.join(', ')}`);
    }
  } finally {
    await Promise.all([browser.close(), srv.stop()]);
    report.cleanup();
  }
  let total = 0;
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.png')).sort();
  for (const f of files) total += fs.statSync(path.join(dir, f)).size;
  console.log(`screenshots: ${files.length} files, ${(total / 1024).toFixed(0)} KB in ${path.relative(ROOT, dir) || dir}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
