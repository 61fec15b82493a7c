// passkey.test.js: passkeys (WebAuthn, ES256) as a second factor beside TOTP, checked with
// libfido2: added from /account/two-factor, used at /login/two-factor; the challenge, the
// origin, the relying party, the signature and the signature counter all checked.  The
// authenticator here is software (node's crypto), so each check can be made to fail.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { start, loggedTests, totp } = require('./lib');

const PW = 'correct horse battery staple';
const ORIGIN = 'https://portal.example.org';
const RP_ID = 'portal.example.org';
let srv;
const { test: check, stopAndReport } = loggedTests(test, assert);

before(async () => {
  srv = await start({ config: `base_url = ${ORIGIN}\n` });
});
after(async () => stopAndReport(srv));

const b64u = (buf) => Buffer.from(buf).toString('base64url');
const sha256 = (data) => crypto.createHash('sha256').update(data).digest();

// A software authenticator holding one ES256 credential.
class Authenticator {
  constructor(rpId = RP_ID) {
    this.rpId = rpId;
    const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.key = privateKey;
    const jwk = publicKey.export({ format: 'jwk' });
    this.x = Buffer.from(jwk.x, 'base64url');
    this.y = Buffer.from(jwk.y, 'base64url');
    this.id = crypto.randomBytes(16);
    this.count = 0;
  }

  // rpIdHash, flags, counter (and the attested credential when made).
  authData(flags, attested) {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.count);
    const parts = [sha256(this.rpId), Buffer.from([flags]), counter];
    if (attested) {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(this.id.length);
      // COSE_Key {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y} in CBOR.
      const cose = Buffer.concat([Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]),
        this.x, Buffer.from([0x22, 0x58, 0x20]), this.y]);
      parts.push(Buffer.alloc(16), len, this.id, cose);
    }
    return Buffer.concat(parts);
  }

  create(challenge, origin = ORIGIN) {
    const clientData = Buffer.from(JSON.stringify({ type: 'webauthn.create', challenge, origin, crossOrigin: false }));
    return { credential_id: b64u(this.id), authenticator_data: b64u(this.authData(0x41, true)),
      client_data: b64u(clientData) };
  }

  get(challenge, { origin = ORIGIN, type = 'webauthn.get', key = this.key, bump = true } = {}) {
    if (bump) this.count += 1;
    const clientData = Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
    const ad = this.authData(0x05);
    const signature = crypto.sign('sha256', Buffer.concat([ad, sha256(clientData)]), key);
    return { credential_id: b64u(this.id), authenticator_data: b64u(ad), client_data: b64u(clientData),
      signature: b64u(signature) };
  }
}

let n = 0;
// An account with TOTP on, signed in: { c, email, id, secret }.
async function withTotp() {
  n += 1;
  const email = `pk${n}@example.org`;
  srv.cli(['user', 'add', '--role', 'staff', '--email', email, '--name', `Pat ${n}`], `${PW}\n`);
  const c = srv.client();
  assert.equal((await c.login(email, PW)).status, 303);
  const page = await c.get('/account/two-factor');
  const secret = page.text.match(/id="secret">([A-Z2-7]{32})</)[1];
  assert.equal((await c.post('/account/two-factor', { code: totp(secret) })).status, 303);
  await c.get('/account/two-factor'); // the recovery codes, once
  return { c, email, id: srv.sql(`SELECT id FROM users WHERE email = '${email}'`)[0].id, secret };
}

const attr = (text, name) => {
  const m = text.match(new RegExp(`data-${name}="([^"]*)"`));
  return m ? m[1] : null;
};

// Adds auth's credential from the set-up page; returns the answer.
async function addPasskey(u, auth) {
  const page = await u.c.get('/account/two-factor');
  assert.equal(page.status, 200);
  assert.equal(attr(page.text, 'rp-id'), RP_ID);
  assert.match(page.text, /<script src="\/static\/passkey.js" defer><\/script>/);
  return u.c.post('/account/two-factor', auth.create(attr(page.text, 'challenge')));
}

// A new sign-in up to the second step: { d, challenge, ids }.
async function secondStep(u) {
  const d = srv.client();
  const r = await d.login(u.email, PW);
  assert.equal(r.headers.get('location'), '/login/two-factor');
  const page = await d.get('/login/two-factor');
  return { d, challenge: attr(page.text, 'challenge'), ids: attr(page.text, 'ids'), page };
}

check('a passkey is added beside TOTP, and signs in', async () => {
  const u = await withTotp();
  const auth = new Authenticator();
  const r = await addPasskey(u, auth);
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/account/two-factor?passkey=added');
  assert.match((await u.c.get(r.headers.get('location'))).text, /Passkey added/);
  const row = srv.sql(`SELECT credential_id, hex(public_key) AS pk, sign_count FROM passkeys WHERE user_id = ${u.id}`);
  assert.deepEqual(row, [{ credential_id: b64u(auth.id),
    pk: Buffer.concat([auth.x, auth.y]).toString('hex').toUpperCase(), sign_count: 0 }]);
  const s = await secondStep(u);
  assert.equal(s.ids, b64u(auth.id));
  assert.match(s.page.text, /Use your passkey/);
  const ok = await s.d.post('/login/two-factor', auth.get(s.challenge));
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), '/admin');
  assert.equal((await s.d.get('/admin')).status, 200);
  assert.equal(srv.sql(`SELECT sign_count FROM passkeys WHERE user_id = ${u.id}`)[0].sign_count, 1);
});

check('refused: another origin, another relying party, another key, a get() for create, an old counter', async () => {
  const u = await withTotp();
  const auth = new Authenticator();
  assert.equal((await addPasskey(u, auth)).status, 303);
  const s = await secondStep(u);
  const tries = [
    ['origin', auth.get(s.challenge, { origin: 'https://portal.example.org.evil.test' })],
    ['type', auth.get(s.challenge, { type: 'webauthn.create' })],
    ['challenge', auth.get(b64u(crypto.randomBytes(32)))],
    ['key', auth.get(s.challenge, { key: crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey })],
  ];
  const other = new Authenticator('evil.test');
  other.id = auth.id;
  other.key = auth.key;
  tries.push(['relying party', other.get(s.challenge)]);
  for (const [i, [what, answer]] of tries.entries()) {
    const r = await s.d.post('/login/two-factor', answer);
    assert.equal(r.status, 401, what);
    // Five wrong answers end the sign-in, as five wrong codes do.
    assert.match(r.text, i < 4 ? /The passkey was not accepted/ : /Too many wrong codes/, what);
  }
  const ended = await s.d.post('/login/two-factor', auth.get(s.challenge));
  assert.equal(ended.status, 401);
  assert.match(ended.text, /This sign-in has ended/);
  srv.sql(`DELETE FROM login_failures WHERE email = '${u.email}'`);
  // A right signature, but a counter that did not grow: a cloned authenticator.
  const t = await secondStep(u);
  assert.equal((await t.d.post('/login/two-factor', auth.get(t.challenge))).status, 303);
  const v = await secondStep(u);
  const stale = auth.get(v.challenge, { bump: false });
  const r = await v.d.post('/login/two-factor', stale);
  assert.equal(r.status, 401);
  assert.equal((await v.d.get('/admin')).status, 303);
  srv.sql(`DELETE FROM login_failures WHERE email = '${u.email}'`);
});

check('adding needs the challenge of the page, this origin, and TOTP first', async () => {
  const u = await withTotp();
  const auth = new Authenticator();
  const page = await u.c.get('/account/two-factor');
  const wrong = await u.c.post('/account/two-factor', auth.create(attr(page.text, 'challenge'), 'https://evil.test'));
  assert.equal(wrong.status, 422);
  assert.match(wrong.text, /The passkey could not be added/);
  // The challenge was spent by the refused answer.
  const again = await u.c.post('/account/two-factor', auth.create(attr(page.text, 'challenge')));
  assert.equal(again.status, 422);
  assert.equal(srv.sql(`SELECT count(*) AS n FROM passkeys WHERE user_id = ${u.id}`)[0].n, 0);
  // An account without TOTP cannot add one.
  n += 1;
  srv.cli(['user', 'add', '--role', 'staff', '--email', `bare${n}@example.org`, '--name', 'Bare'], `${PW}\n`);
  const c = srv.client();
  await c.login(`bare${n}@example.org`, PW);
  await c.get('/account/two-factor');
  const r = await c.post('/account/two-factor', auth.create('x'));
  assert.equal(r.status, 409);
});

check("an administrator's reset removes the passkeys too", async () => {
  const u = await withTotp();
  const auth = new Authenticator();
  assert.equal((await addPasskey(u, auth)).status, 303);
  srv.cli(['user', 'add', '--role', 'admin', '--email', 'pkadmin@example.org', '--name', 'Admin'], `${PW}\n`);
  const a = srv.client();
  assert.equal((await a.login('pkadmin@example.org', PW)).status, 303);
  await a.get('/admin/users');
  assert.equal((await a.post(`/admin/users/${u.id}/reset-two-factor`, {})).status, 303);
  assert.equal(srv.sql(`SELECT count(*) AS n FROM passkeys WHERE user_id = ${u.id}`)[0].n, 0);
});
