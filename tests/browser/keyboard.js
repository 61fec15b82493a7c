// keyboard.js: the PIP application and staff sign-in done with the keyboard alone: Tab
// from element to element, typing, Space for checkboxes and Enter.  At every stop the
// focused element must show it: its computed outline, box-shadow or background differ
// from the same element's unfocused style, read when the page loaded.
'use strict';
const assert = require('node:assert/strict');
const { PW, errorSummary } = require('./flows');

// Remembers the unfocused style of every element that can take focus.
function baseline(page) {
  return page.evaluate(() => {
    const style = (el) => {
      const s = getComputedStyle(el);
      return { outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`, shadow: s.boxShadow,
        background: s.backgroundColor, border: s.borderColor };
    };
    window.__focusStyle = style;
    window.__baseline = new Map();
    for (const el of document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')) {
      window.__baseline.set(el, style(el));
    }
  });
}

// What has focus now, and whether that can be seen.
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { none: true };
    const now = window.__focusStyle(el);
    const base = window.__baseline.get(el);
    const s = getComputedStyle(el);
    const alpha = (c) => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return 1;
      const parts = m[1].split(/[ ,/]+/).filter(Boolean);
      return parts.length > 3 ? parseFloat(parts[3]) : 1;
    };
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 && alpha(s.outlineColor) > 0;
    const changed = !base || now.outline !== base.outline || now.shadow !== base.shadow ||
      now.background !== base.background || now.border !== base.border;
    const r = el.getBoundingClientRect();
    return {
      id: el.id,
      tag: el.tagName.toLowerCase(),
      text: (el.getAttribute('aria-label') || el.textContent || el.value || '').trim().slice(0, 60),
      html: el.outerHTML.slice(0, 200),
      visible: (outline || now.shadow !== 'none' || (base && now.background !== base.background)) && changed,
      onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight,
      className: String(el.className),
    };
  });
}

async function assertVisible(v, f, what) {
  assert.ok(!f.none, `${what} (${v.url()}, ${v.where}): nothing has focus`);
  assert.ok(f.visible, `${what} (${v.url()}, ${v.where}): focus is not visible on ${f.html}`);
  assert.ok(f.onScreen, `${what} (${v.url()}, ${v.where}): the focused element is off screen: ${f.html}`);
}

// Presses Tab until test(focused) holds; checks that focus can be seen at every stop.
async function tabTo(v, test, what, { max = 80 } = {}) {
  for (let i = 0; i < max; i++) {
    await v.page.keyboard.press('Tab');
    const f = await focused(v.page);
    await assertVisible(v, f, `tabbing to ${what}`);
    if (test(f)) return f;
  }
  throw new Error(`${what} (${v.url()}, ${v.where}): not reached after ${max} presses of Tab`);
}
const byId = (id) => (f) => f.id === id;

// After a page loads, the first Tab reaches the skip link, which is then shown.
async function skipLinkFirst(v) {
  await baseline(v.page);
  const f = await tabTo(v, () => true, 'the skip link', { max: 1 });
  assert.equal(f.text, 'Skip to main content', `the first Tab stop is ${f.html}`);
}

// A refused form: its error summary has focus (autofocus, tabindex=-1), which can be seen.
async function summaryHasFocus(v, what) {
  await errorSummary(v, what);
  await baseline(v.page);
  const f = await focused(v.page);
  assert.match(f.className || '', /error-summary/, `${what}: focus is on ${f.html}, not on the error summary`);
  const outline = await v.page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return `${s.outlineStyle} ${s.outlineWidth}`;
  });
  assert.match(outline, /^solid [1-9]/, `${what}: the focused error summary has no outline (${outline})`);
}

// Types into the field that has focus, checking it is the one meant.
async function type(v, id, text) {
  const f = await focused(v.page);
  assert.equal(f.id, id, `expected focus on #${id}, found ${f.html}`);
  await v.page.keyboard.type(text);
}

async function applyByKeyboard(v, st) {
  const page = v.page;
  await v.goto('/');
  await skipLinkFirst(v);
  await tabTo(v, (f) => f.tag === 'a' && f.text.startsWith('Apply for'), 'the Apply link');
  await v.press('Enter');
  assert.equal(v.url(), '/pip/apply');
  await v.check('application form (keyboard)');
  await skipLinkFirst(v);
  // The skip link leads past the header: the next Tab is in the form.
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => u.hash === '#main');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main', 'the skip link does not move focus');
  // Before the form: the calendar link of the class's schedule, reached and shown like the rest.
  const cal = await tabTo(v, (f) => f.tag === 'a' && f.text === 'Add these sessions to your calendar',
    'the calendar link');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('href')), `/pip/classes/${st.classId}.ics`,
    `the calendar link: ${cal.html}`);
  const fill = async (id, text) => { await tabTo(v, byId(id), `#${id}`); await type(v, id, text); };
  await fill('first_name', 'Keyla');
  // Last name left empty, and the background check not acknowledged: refused.
  await fill('dob', '05171981');
  await fill('email', `keyla${st.n}@example.com`);
  await fill('phone', '310-555-0111');
  await fill('street', '3031 Torrance Boulevard');
  await fill('city', 'Torrance');
  await fill('zip', '90503');
  await tabTo(v, byId('affiliation'), 'the first affiliation checkbox');
  await page.keyboard.press('Space');
  await fill('emergency_name', 'Luis Ortiz');
  await fill('emergency_phone', '310-555-0112');
  await tabTo(v, (f) => f.tag === 'button' && f.text === 'Submit application', 'the submit button');
  await v.press('Enter');
  await v.check('application form with errors (keyboard)', { status: 422 });
  await summaryHasFocus(v, 'application form with errors (keyboard)');
  const first = await tabTo(v, (f) => f.tag === 'a', 'the first link of the error summary', { max: 1 });
  assert.equal(first.text, 'Enter your last name');
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => u.hash === '#last_name');
  await type(v, 'last_name', `Ortiz-${st.n}`);
  await tabTo(v, byId('ack_background'), 'the background-check box');
  await page.keyboard.press('Space');
  assert.ok(await page.locator('#ack_background').isChecked());
  assert.ok(await page.locator('#affiliation').isChecked(), 'the affiliation box lost its tick');
  await tabTo(v, (f) => f.tag === 'button' && f.text === 'Submit application', 'the submit button');
  await v.press('Enter');
  assert.match(v.url(), /^\/confirmation\/P-/);
  await page.getByRole('heading', { name: 'Application received' }).waitFor();
  await v.check('confirmation page (keyboard)');
  const ref = v.url().split('/').pop();
  const [row] = st.srv.sql(`SELECT first_name, last_name, dob, email FROM applications WHERE ref = '${ref}'`);
  // The date of birth is sealed at rest: the staff's CSV shows it opened.
  assert.match(row.dob, /^s1:/);
  assert.deepEqual({ ...row, dob: undefined }, { first_name: 'Keyla', last_name: `Ortiz-${st.n}`,
    dob: undefined, email: `keyla${st.n}@example.com` });
  const staff = st.srv.client();
  assert.equal((await staff.login(st.staff.email, PW)).status, 303);
  const csv = await staff.get(`/admin/pip/classes/${st.classId}/applicants.csv`);
  const line = csv.text.split('\r\n').find((l) => l.startsWith(ref));
  assert.ok(line, 'the application is in the CSV');
  assert.equal(line.split(',')[6], '1981-05-17', 'the date typed by keyboard');
}

async function signInByKeyboard(v, who) {
  const page = v.page;
  await v.goto('/');
  await skipLinkFirst(v);
  await tabTo(v, (f) => f.tag === 'a' && f.text === 'Staff sign in', 'the sign-in link');
  await v.press('Enter');
  assert.equal(v.url(), '/login');
  await skipLinkFirst(v);
  await tabTo(v, (f) => f.tag === 'button' && f.text === 'Sign in', 'the sign-in button');
  await v.press('Enter');
  await v.check('sign-in form, nothing typed (keyboard)', { status: 422 });
  await summaryHasFocus(v, 'sign-in form, nothing typed (keyboard)');
  await tabTo(v, (f) => f.tag === 'a', 'the first link of the error summary', { max: 1 });
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => u.hash === '#email');
  await type(v, 'email', who.email);
  await tabTo(v, byId('password'), 'the password');
  await type(v, 'password', PW);
  await v.press('Enter');
  assert.equal(v.url(), '/admin');
  await page.getByText(`Signed in as ${who.name}`).waitFor();
  await v.check('staff desk (keyboard)');
  await baseline(page);
  await tabTo(v, (f) => f.tag === 'button' && f.text === 'Sign out', 'the sign-out button');
  await v.press('Enter');
  assert.equal(v.url(), '/');
}

// The password, then the second step's code, by keyboard alone: code is the one to type.
async function twoFactorByKeyboard(v, who, code) {
  const page = v.page;
  await v.goto('/login');
  await skipLinkFirst(v);
  await tabTo(v, byId('email'), 'the email');
  await type(v, 'email', who.email);
  await tabTo(v, byId('password'), 'the password');
  await type(v, 'password', PW);
  await v.press('Enter');
  assert.equal(v.url(), '/login/two-factor');
  await v.check('second step of signing in (keyboard)');
  await skipLinkFirst(v);
  await tabTo(v, byId('code'), 'the code');
  await type(v, 'code', code);
  await tabTo(v, (f) => f.tag === 'button' && f.text === 'Continue', 'the Continue button');
  await v.press('Enter');
  assert.equal(v.url(), '/admin');
  await page.getByText(`Signed in as ${who.name}`).waitFor();
  await baseline(page);
  await tabTo(v, (f) => f.tag === 'button' && f.text === 'Sign out', 'the sign-out button');
  await v.press('Enter');
  assert.equal(v.url(), '/');
}

module.exports = { applyByKeyboard, signInByKeyboard, twoFactorByKeyboard, baseline, tabTo, byId, type };
