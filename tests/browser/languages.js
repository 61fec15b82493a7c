// languages.js: the public pages in each language at phone size, through the same checks
// as every page (axe-core, the Nu HTML Checker, no sideways scrolling at 320 pixels):
// en-XA first, whose accented and 40% longer words find layouts that break; then a PIP
// application in Spanish and in Japanese, once by keyboard alone.
'use strict';
const assert = require('node:assert/strict');
const { baseline, tabTo, byId, type } = require('./keyboard');

const LANGS = ['en-XA', 'es', 'ja', 'ko', 'zh-Hant'];
const PAGES = [
  ['/', 'home'], ['/pip', 'PIP page'], ['/tap', 'TAP page'], ['/pip/apply', 'application form'],
  ['/status', 'status form'], ['/status/resend', 'references form'], ['/status/update', 'correction form'],
];

async function htmlLang(v) {
  return v.page.evaluate(() => document.documentElement.lang);
}

// Every public page in lang, checked; and the 404 page.
async function publicPagesIn(v, lang) {
  for (const [p, name] of PAGES) {
    await v.goto(`${p}?lang=${lang}`);
    await v.check(`${name} (${lang})`);
    assert.equal(await htmlLang(v), lang, `${name}: <html lang>`);
  }
  await v.goto(`/nowhere?lang=${lang}`);
  await v.check(`page not found (${lang})`, { status: 404 });
}

const FIELDS = (st, lang) => ({
  first_name: lang === 'ja' ? '花子' : 'Lucía', last_name: lang === 'ja' ? `山田${st.n}` : `Gómez-${st.n}`,
  email: `${lang}${st.n}@example.com`, phone: '310-555-0123', street: '3031 Torrance Boulevard',
  city: 'Torrance', zip: '90503', emergency_name: 'Luis Ortiz', emergency_phone: '310-555-0112',
});

// Applies in lang with the pointer: the form refused once (no background check), then sent.
async function applyIn(v, st, lang) {
  const page = v.page;
  await v.goto(`/pip/apply?lang=${lang}`);
  const f = FIELDS(st, lang);
  for (const [id, text] of Object.entries(f)) await page.fill(`#${id}`, text);
  await page.fill('#dob', '1980-05-17');
  await page.check('#affiliation');
  await v.click(page.locator('form[action="/pip/apply"] button[type="submit"]'));
  await v.check(`application form with errors (${lang})`, { status: 422 });
  assert.equal(await htmlLang(v), lang);
  await page.check('#ack_background');
  await v.click(page.locator('form[action="/pip/apply"] button[type="submit"]'));
  assert.match(v.url(), /^\/confirmation\/P-/);
  await v.check(`confirmation (${lang})`);
  assert.equal(await htmlLang(v), lang);
  const ref = v.url().split('/').pop();
  const [row] = st.srv.sql(`SELECT language, first_name FROM applications WHERE ref = '${ref}'`);
  assert.deepEqual(row, { language: lang, first_name: f.first_name });
}

// The same by keyboard alone: Tab from field to field, Space on the boxes, Enter to send.
async function applyByKeyboardIn(v, st, lang) {
  const page = v.page;
  await v.goto(`/pip/apply?lang=${lang}`);
  await baseline(page);
  // Another person: the same name and date of birth twice would be a duplicate (409).
  const f = { ...FIELDS(st, lang), first_name: '恵子', last_name: `佐藤${st.n}`,
    email: `${lang}-keys${st.n}@example.com` };
  for (const id of ['first_name', 'last_name']) {
    await tabTo(v, byId(id), `#${id}`);
    await type(v, id, f[id]);
  }
  await tabTo(v, byId('dob'), '#dob');
  await type(v, 'dob', '05171980');
  for (const id of ['email', 'phone', 'street', 'city', 'zip']) {
    await tabTo(v, byId(id), `#${id}`);
    await type(v, id, f[id]);
  }
  await tabTo(v, byId('affiliation'), 'the first affiliation box');
  await page.keyboard.press('Space');
  for (const id of ['emergency_name', 'emergency_phone']) {
    await tabTo(v, byId(id), `#${id}`);
    await type(v, id, f[id]);
  }
  await tabTo(v, byId('ack_background'), 'the background-check box');
  await page.keyboard.press('Space');
  await tabTo(v, (x) => x.tag === 'button', 'the submit button');
  await v.press('Enter');
  const problems = await page.locator('.error-summary__list').allInnerTexts().catch(() => []);
  assert.match(v.url(), /^\/confirmation\/P-/, `${lang} by keyboard: not confirmed: ${problems.join(' ')}`);
  await v.check(`confirmation (${lang}, keyboard)`);
  const ref = v.url().split('/').pop();
  assert.equal(st.srv.sql(`SELECT language FROM applications WHERE ref = '${ref}'`)[0].language, lang);
}

module.exports = { LANGS, publicPagesIn, applyIn, applyByKeyboardIn };
