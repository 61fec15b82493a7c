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
  // The recovery codes, shown once.
  assert.match((await c.get('/account/two-factor')).text, /Your recovery codes/);
  return secret;
}

module.exports = { setUpAndSignIn, giveFactor, wrongCode };

// Adds a passkey from /account/two-factor and signs in with it, in Chromium with the
// DevTools virtual authenticator (CTAP2, internal, user verified, presence simulated);
// base is the site as http://localhost:PORT, WebAuthn's relying party being a name.
async function passkeyWithVirtualAuthenticator(v, srv, who, secret) {
  const page = v.page;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
      hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  await v.goto('/login');
  await page.getByLabel('Email address').fill(who.email);
  await page.getByLabel('Password').fill(PW);
  await v.click(button(v, 'Sign in'));
  assert.equal(v.url(), '/login/two-factor');
  // No passkey yet: the code.
  assert.equal(await page.locator('#passkey').count(), 0);
  await page.getByLabel('Code').fill(totp(secret, nowSeconds() + 30));
  await v.click(button(v, 'Continue'));
  assert.equal(v.url(), '/admin');
  await v.goto('/account/two-factor');
  await v.check('two-step sign-in, passkeys');
  await v.click(button(v, 'Add a passkey'));
  assert.equal(v.url(), '/account/two-factor?passkey=added');
  await page.getByRole('heading', { name: 'Passkey added' }).waitFor();
  await v.check('two-step sign-in, passkey added');
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 1);
  const mine = `user_id = (SELECT id FROM users WHERE email = '${who.email}')`;
  const [row] = srv.sql(`SELECT credential_id, sign_count FROM passkeys WHERE ${mine}`);
  assert.equal(row.credential_id, Buffer.from(credentials[0].credentialId, 'base64').toString('base64url'));
  await v.click(button(v, 'Sign out'));

  await v.goto('/login');
  await page.getByLabel('Email address').fill(who.email);
  await page.getByLabel('Password').fill(PW);
  await v.click(button(v, 'Sign in'));
  assert.equal(v.url(), '/login/two-factor');
  await v.check('second step with a passkey');
  await v.click(button(v, 'Use your passkey'));
  assert.equal(v.url(), '/admin');
  await page.getByText(`Signed in as ${who.name}`).waitFor();
  const after = srv.sql(`SELECT sign_count, last_used_at FROM passkeys WHERE ${mine}`)[0];
  assert.ok(after.last_used_at > 0);
  const again = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(after.sign_count, again.credentials[0].signCount);
  assert.ok(after.sign_count >= 1);
  await v.click(button(v, 'Sign out'));
}

module.exports.passkeyWithVirtualAuthenticator = passkeyWithVirtualAuthenticator;
