// twofactor.js: two-step sign-in seen in the browser: setting it up by typing the code
// computed from the key shown (no QR scanning), signing in with a code (refused once,
// then right), the access log; and the second step by keyboard alone.
'use strict';
const assert = require('node:assert/strict');
const { nowSeconds, totp } = require('../e2e/lib');

const PW = 'a long enough password';
const button = (v, name) => v.page.getByRole('button', { name, exact: true });
const link = (v, name) => v.page.getByRole('link', { name, exact: true });

// A wrong code for now: the right one's digits turned round.
const wrongCode = (right) => right.split('').map((d) => String((Number(d) + 5) % 10)).join('');

// Sets up TOTP from the staff desk for the signed-in administrator st.admin, then signs
// out and in again with a code; returns the key.
async function setUpAndSignIn(v, st) {
  const page = v.page;
  await v.goto('/login');
  await page.getByLabel('Email address').fill(st.admin.email);
  await page.getByLabel('Password').fill(PW);
  await v.click(button(v, 'Sign in'));
  assert.equal(v.url(), '/admin');
  await v.click(link(v, 'Two-step sign-in'));
  assert.equal(v.url(), '/account/two-factor');
  await v.check('two-step set-up');
  const secret = (await page.locator('#secret').textContent()).trim();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.equal(await page.locator('svg.qr path').count(), 1);
  await page.getByLabel('Code from the app').fill(wrongCode(totp(secret)));
  await v.click(button(v, 'Turn on two-step sign-in'));
  await v.check('two-step set-up, wrong code', { status: 422 });
  await page.getByLabel('Code from the app').fill(totp(secret));
  await v.click(button(v, 'Turn on two-step sign-in'));
  assert.equal(v.url(), '/account/two-factor');
  await v.check('two-step set-up, recovery codes');
  assert.equal(await page.locator('.recovery-codes li').count(), 10);
  await v.click(link(v, 'Continue'));
  await v.goto('/admin/access-log');
  await v.check('access log');
  await v.click(button(v, 'Sign out'));

  await v.goto('/login');
  await page.getByLabel('Email address').fill(st.admin.email);
  await page.getByLabel('Password').fill(PW);
  await v.click(button(v, 'Sign in'));
  assert.equal(v.url(), '/login/two-factor');
  await v.check('second step of signing in');
  const next = totp(secret, nowSeconds() + 30);
  await page.getByLabel('Code').fill(wrongCode(next));
  await v.click(button(v, 'Continue'));
  await v.check('second step, wrong code', { status: 401 });
  await page.getByLabel('Code').fill(next);
  await v.click(button(v, 'Continue'));
  assert.equal(v.url(), '/admin');
  await page.getByText(`Signed in as ${st.admin.name}`).waitFor();
  await v.click(button(v, 'Sign out'));
  return secret;
}

// Gives who a TOTP factor through HTTP (as e2e tests do); returns the key.
async function giveFactor(srv, who) {
  const c = srv.client();
  assert.equal((await c.login(who.email, PW)).status, 303);
  const page = await c.get('/account/two-factor');
  const secret = page.text.match(/id="secret">([A-Z2-7]{32})</)[1];
  assert.equal((await c.post('/account/two-factor', { code: totp(secret) })).status, 303);
  return secret;
}

module.exports = { setUpAndSignIn, giveFactor, wrongCode };
