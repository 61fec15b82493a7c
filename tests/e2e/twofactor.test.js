// twofactor.test.js: the second factor (TOTP and recovery codes), require_two_factor, an
// administrator's reset, and sessions ending when credentials change, even mid-sign-in.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start, loggedTests, nowSeconds, totp } = require('./lib');

const PW = 'correct horse battery staple';
const PW2 = 'another long passphrase here';
const STEP = 30;

let srv;
const { test: check, stopAndReport } = loggedTests(test, assert);

before(async () => {
  srv = await start();
});
after(async () => stopAndReport(srv));

let n = 0;
function addUser(role = 'staff', password = PW) {
  n += 1;
  const email = `tf${n}@example.org`;
  const school = role === 'counselor' ? ['--school', 'north'] : [];
  srv.cli(['user', 'add', '--role', role, '--email', email, '--name', `Person ${n}`, ...school],
    `${password}\n`);
  return { email, id: srv.sql(`SELECT id FROM users WHERE email = '${email}'`)[0].id };
}

// Signs in with the password alone (an account without a factor): a client.
async function signedIn(email, password = PW) {
  const c = srv.client();
  const r = await c.login(email, password);
  assert.equal(r.status, 303, `sign-in of ${email}`);
  return c;
}

// Sets up TOTP for a signed-in client c: returns { secret, codes }.
async function setUp(c) {
  const page = await c.get('/account/two-factor');
  assert.equal(page.status, 200);
  const secret = page.text.match(/id="secret">([A-Z2-7]{32})</)[1];
  assert.match(page.text, /<svg class="qr"[^>]*><title[^>]*>QR code/);
  const done = await c.post('/account/two-factor', { code: totp(secret) });
  assert.equal(done.status, 303);
  assert.equal(done.headers.get('location'), '/account/two-factor');
  const shown = await c.get('/account/two-factor');
  const codes = [...shown.text.matchAll(/<li>([0-9A-Z]{5}-[0-9A-Z]{5})<\/li>/g)].map((m) => m[1]);
  assert.equal(codes.length, 10);
  // Shown once only.
  const again = await c.get('/account/two-factor');
  assert.doesNotMatch(again.text, /<li>[0-9A-Z]{5}-[0-9A-Z]{5}<\/li>/);
  assert.match(again.text, /You have 10 unused recovery codes/);
  return { secret, codes };
}

// An account with TOTP set up, and the step of the code its set-up used.
async function withFactor(role = 'staff') {
  const u = addUser(role);
  const c = await signedIn(u.email);
  const f = await setUp(c);
  return { ...u, ...f };
}

// Posts the password of u: returns the client, at the second step.
async function firstStep(u, password = PW) {
  const c = srv.client();
  const r = await c.login(u.email, password);
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/login/two-factor');
  return c;
}

check('set-up: secret, QR code, a wrong code 422, stored sealed, recovery codes hashed', async () => {
  const u = addUser();
  const c = await signedIn(u.email);
  const page = await c.get('/account/two-factor');
  const secret = page.text.match(/id="secret">([A-Z2-7]{32})</)[1];
  // Reloading shows the same secret: what was scanned stays right.
  assert.match((await c.get('/account/two-factor')).text, new RegExp(secret));
  const wrong = await c.post('/account/two-factor', { code: totp(secret, nowSeconds() - 300) });
  assert.equal(wrong.status, 422);
  assert.match(wrong.text, /The code is not right/);
  assert.match(wrong.text, new RegExp(secret));
  const row = srv.sql(`SELECT totp_secret, totp_pending FROM users WHERE id = ${u.id}`)[0];
  assert.equal(row.totp_secret, null);
  assert.match(row.totp_pending, /^s1:/);
  assert.ok(!row.totp_pending.includes(secret));
  assert.equal((await c.post('/account/two-factor', { code: totp(secret) })).status, 303);
  const shown = await c.get('/account/two-factor');
  const codes = [...shown.text.matchAll(/<li>([0-9A-Z]{5}-[0-9A-Z]{5})<\/li>/g)].map((m) => m[1]);
  assert.equal(codes.length, 10);
  const stored = srv.sql(`SELECT code_hash FROM recovery_codes WHERE user_id = ${u.id}`);
  assert.equal(stored.length, 10);
  for (const s of stored) assert.match(s.code_hash, /^[0-9a-f]{64}$/);
  const dump = JSON.stringify(srv.sql(`SELECT * FROM users WHERE id = ${u.id}`));
  for (const code of codes) assert.ok(!dump.includes(code) && !dump.includes(code.replace('-', '')));
  assert.ok(!dump.includes(secret));
});

check('sign-in with TOTP: password then code; nothing of the desk before the code', async () => {
  const u = await withFactor();
  const c = await firstStep(u);
  assert.equal(c.cookies.has('session'), false);
  const desk = await c.get('/admin');
  assert.equal(desk.status, 303);
  assert.match(desk.headers.get('location'), /^\/login/);
  const step = await c.get('/login/two-factor');
  assert.equal(step.status, 200);
  assert.match(step.text, /You have 10 unused recovery codes/);
  // The code of the set-up's step was spent: wait for a fresh one when needed.
  const code = totp(u.secret, nowSeconds() + STEP);
  const r = await c.post('/login/two-factor', { code });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/admin');
  assert.equal((await c.get('/admin')).status, 200);
  // The same code again, in another sign-in: refused as used.
  const d = await firstStep(u);
  const again = await d.post('/login/two-factor', { code });
  assert.equal(again.status, 401);
  assert.match(again.text, /This code has been used already/);
  assert.equal((await d.get('/admin')).status, 303);
});

check('a wrong code 401; five wrong end the sign-in and count toward the e-mail throttle', async () => {
  const u = await withFactor();
  const c = await firstStep(u);
  const right = totp(u.secret, nowSeconds() + STEP);
  const wrong = right === '000000' ? '111111' : '000000';
  for (let i = 1; i <= 4; i++) {
    const r = await c.post('/login/two-factor', { code: wrong });
    assert.equal(r.status, 401);
    assert.match(r.text, /The code is not right/);
  }
  const fifth = await c.post('/login/two-factor', { code: wrong });
  assert.equal(fifth.status, 401);
  assert.match(fifth.text, /Too many wrong codes/);
  const late = await c.post('/login/two-factor', { code: right });
  assert.equal(late.status, 401);
  assert.match(late.text, /This sign-in has ended/);
  assert.equal((await c.get('/admin')).status, 303);
  assert.equal(srv.sql(`SELECT count(*) AS n FROM login_failures WHERE email = '${u.email}'`)[0].n, 5);
  // The e-mail is paused now, even with the right password.
  const locked = await srv.client().login(u.email, PW);
  assert.equal(locked.status, 429);
  srv.sql(`DELETE FROM login_failures WHERE email = '${u.email}'`);
});

check('a recovery code works once; the page says how many are left', async () => {
  const u = await withFactor();
  const c = await firstStep(u);
  // Typed in lower case without its dash, as people do.
  const r = await c.post('/login/two-factor', { code: u.codes[3].replace('-', '').toLowerCase() });
  assert.equal(r.status, 303);
  assert.equal((await c.get('/admin')).status, 200);
  const d = await firstStep(u);
  assert.match((await d.get('/login/two-factor')).text, /You have 9 unused recovery codes/);
  const again = await d.post('/login/two-factor', { code: u.codes[3] });
  assert.equal(again.status, 401);
  assert.match(again.text, /This code has been used already/);
  const other = await d.post('/login/two-factor', { code: u.codes[4] });
  assert.equal(other.status, 303);
  const used = srv.sql(`SELECT count(*) AS n FROM recovery_codes WHERE user_id = ${u.id} AND used_at IS NOT NULL`);
  assert.equal(used[0].n, 2);
});

check('one step of drift either way; two steps are too many', async () => {
  const u = await withFactor();
  const c = await firstStep(u);
  const wrongish = totp(u.secret, nowSeconds() - 3 * STEP);
  assert.equal((await c.post('/login/two-factor', { code: wrongish })).status, 401);
  // The next step's code, a phone a little ahead.
  const ahead = totp(u.secret, nowSeconds() + STEP);
  assert.equal((await c.post('/login/two-factor', { code: ahead })).status, 303);
});

check('a half-finished sign-in expires after 5 minutes', async () => {
  const u = await withFactor();
  const c = await firstStep(u);
  srv.sql(`UPDATE login_challenges SET created_at = created_at - 301 WHERE user_id = ${u.id}`);
  const r = await c.post('/login/two-factor', { code: totp(u.secret, nowSeconds() + STEP) });
  assert.equal(r.status, 401);
  assert.match(r.text, /This sign-in has ended/);
  assert.equal((await c.get('/login/two-factor')).status, 303);
  assert.equal(srv.sql(`SELECT count(*) AS n FROM sessions WHERE user_id = ${u.id}`)[0].n, 1);
});

check('an account without a factor signs in with its password alone', async () => {
  const u = addUser('counselor');
  const c = srv.client();
  const r = await c.login(u.email, PW);
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/counselor');
});

check('an administrator resets a factor: audited, sessions ended, password alone again', async () => {
  const admin = addUser('admin');
  const a = await signedIn(admin.email);
  const u = await withFactor();
  const c = await firstStep(u);
  assert.equal((await c.post('/login/two-factor', { code: totp(u.secret, nowSeconds() + STEP) })).status, 303);
  const half = await firstStep(u);
  await a.get('/admin/users');
  assert.match((await a.get('/admin/users')).text, new RegExp(`/admin/users/${u.id}/reset-two-factor`));
  // Only administrators.
  const staff = await signedIn(addUser('staff').email);
  await staff.get('/admin');
  assert.equal((await staff.post(`/admin/users/${u.id}/reset-two-factor`, {})).status, 403);
  const r = await a.post(`/admin/users/${u.id}/reset-two-factor`, {});
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `/admin/users?reset=${u.id}`);
  assert.match((await a.get(r.headers.get('location'))).text, /Second factor reset/);
  assert.equal((await c.get('/admin')).status, 303);
  // A sign-in half done before the reset ends with it, even with a code that was good.
  const late = await half.post('/login/two-factor', { code: u.codes[0] });
  assert.equal(late.status, 401);
  assert.match(late.text, /This sign-in has ended/);
  const adminName = srv.sql(`SELECT name FROM users WHERE id = ${admin.id}`)[0].name;
  const audit = srv.sql(`SELECT action, actor, user_id FROM account_audit WHERE account_id = ${u.id}`);
  assert.deepEqual(audit, [{ action: 'two-factor reset', actor: adminName, user_id: admin.id }]);
  assert.equal(srv.sql(`SELECT count(*) AS n FROM recovery_codes WHERE user_id = ${u.id}`)[0].n, 0);
  const d = srv.client();
  const again = await d.login(u.email, PW);
  assert.equal(again.status, 303);
  assert.equal(again.headers.get('location'), '/admin');
});

check('five simultaneous right sign-ins for one account do not pause it', async () => {
  const u = addUser();
  const answers = await Promise.all([1, 2, 3, 4, 5].map(() => srv.client().login(u.email, PW)));
  const statuses = answers.map((r) => r.status);
  // Every worker but one may be hashing at once: a sign-in past that is told to retry.
  for (const s of statuses) assert.ok(s === 303 || s === 503, `status ${s}`);
  assert.ok(statuses.filter((s) => s === 303).length >= 3, statuses.join(' '));
  for (const r of answers.filter((a) => a.status === 503)) assert.equal(r.headers.get('retry-after'), '1');
  assert.equal(srv.sql(`SELECT count(*) AS n FROM login_failures WHERE email = '${u.email}'`)[0].n, 0);
  assert.equal((await srv.client().login(u.email, PW)).status, 303);
});

check('require_two_factor: set-up right after the password, before any other page', async () => {
  const req = await start({ config: 'require_two_factor = yes\n' });
  try {
    req.cli(['user', 'add', '--role', 'admin', '--email', 'req@example.org', '--name', 'Req Admin'], `${PW}\n`);
    const c = req.client();
    const r = await c.login('req@example.org', PW);
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/account/two-factor');
    for (const p of ['/admin', '/admin/users', '/admin/access-log']) {
      const g = await c.get(p);
      assert.equal(g.status, 303, p);
      assert.equal(g.headers.get('location'), '/account/two-factor', p);
    }
    const page = await c.get('/account/two-factor');
    assert.match(page.text, /Your account needs two-step sign-in before you can carry on/);
    const secret = page.text.match(/id="secret">([A-Z2-7]{32})</)[1];
    const blocked = await c.post('/admin/pip/classes', { number: '99' });
    assert.equal(blocked.status, 403);
    assert.equal(req.sql('SELECT count(*) AS n FROM cohorts')[0].n, 0);
    assert.equal((await c.post('/account/two-factor', { code: totp(secret) })).status, 303);
    assert.equal((await c.get('/admin')).status, 200);
    // An administrator's reset brings the set-up back at the next sign-in.
    req.cli(['user', 'add', '--role', 'admin', '--email', 'req2@example.org', '--name', 'Other'], `${PW}\n`);
    const id = req.sql("SELECT id FROM users WHERE email = 'req@example.org'")[0].id;
    req.sql(`UPDATE users SET totp_secret = NULL WHERE id = ${id}`);
    assert.equal((await c.get('/admin')).headers.get('location'), '/account/two-factor');
  } finally {
    await req.stop();
  }
});

// The race the review found: sign-ins with the old password running while the password
// changes.  Each round, 20 sign-ins with the password of the moment and, while they run,
// a change of it from the account's own session; afterwards no session but the changer's
// may exist, and none of the 20 clients may open a page.
check('a password change ends sign-ins in progress: 20 parallel sign-ins, 50 rounds, 0 left', async () => {
  const race = await start({ threads: 24 });
  try {
    race.cli(['user', 'add', '--role', 'staff', '--email', 'race@example.org', '--name', 'Race'], `${PW}-0\n`);
    const id = race.sql("SELECT id FROM users WHERE email = 'race@example.org'")[0].id;
    const changer = race.client();
    assert.equal((await changer.login('race@example.org', `${PW}-0`)).status, 303);
    let signedInBefore = 0;
    for (let round = 0; round < 50; round++) {
      const old = `${PW}-${round}`;
      const next = `${PW}-${round + 1}`;
      await changer.get('/account/password');
      const clients = Array.from({ length: 20 }, () => race.client());
      await Promise.all(clients.map((c) => c.get('/login')));
      const signIns = Promise.all(clients.map((c) => c.post('/login', { email: 'race@example.org', password: old })));
      await new Promise((r) => setTimeout(r, (round % 10) * 15));
      const change = await changer.post('/account/password', { password: next, password_confirm: next });
      assert.equal(change.status, 303, `round ${round}: the change`);
      const answers = await signIns;
      signedInBefore += answers.filter((a) => a.status === 303).length;
      const left = race.sql(`SELECT count(*) AS n FROM sessions WHERE user_id = ${id}`)[0].n;
      assert.equal(left, 1, `round ${round}: sessions besides the changer's`);
      for (const c of clients) {
        const g = await c.get('/admin');
        assert.equal(g.status, 303, `round ${round}: a sign-in with the old password kept a session`);
      }
      assert.equal((await changer.get('/admin')).status, 200);
      race.sql('DELETE FROM login_failures');
    }
    // Some sign-ins finished before the change (and were ended by it): the race was run.
    assert.ok(signedInBefore > 0, 'no sign-in ever finished before a change');
  } finally {
    await race.stop();
  }
});
