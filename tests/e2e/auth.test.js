// auth.test.js: signing in and out, throttling, password links, resets and the accounts page.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { start, Client, nowSeconds, ROOT } = require('./lib');

const PW = 'correct horse battery staple';
const FAILED = 'The email address or password is not right';
const LINK = /\/account\/password\?token=([A-Za-z0-9_-]{43})/;
const MAIL_MAX_ATTEMPTS = Number(
  fs.readFileSync(path.join(ROOT, 'src/mail.h'), 'utf8').match(/#define MAIL_MAX_ATTEMPTS (\d+)/)[1]);

let srv;

// Runs a test body, printing the portal's log (sanitizer reports included) when it fails.
function check(name, fn) {
  test(name, async () => {
    try {
      await fn();
    } catch (e) {
      console.error(`--- portal log ---\n${srv.logs.portal}`);
      throw e;
    }
  });
}

function addUser(role, email, name, password = PW, school) {
  const args = ['user', 'add', '--role', role, '--email', email, '--name', name];
  if (school) args.push('--school', school);
  srv.cli(args, `${password}\n`);
  return srv.sql(`SELECT id FROM users WHERE email = '${email}'`)[0].id;
}

async function signedIn(email, password = PW) {
  const c = srv.client();
  const r = await c.login(email, password);
  assert.equal(r.status, 303, `sign-in of ${email}`);
  return c;
}

// A client that sends another client's cookies as they were (an old cookie replayed).
function replay(c) {
  const copy = new Client(c.base);
  for (const [k, v] of c.cookies) copy.cookies.set(k, v);
  return copy;
}

function outbox(to) {
  return srv.sql(`SELECT subject, body FROM outbox WHERE recipient = '${to}' ORDER BY id`);
}

// The token of the password link in the latest message delivered to address to: the
// outbox itself never holds it (its body has a marker in its place).
async function linkToken(to) {
  const mail = await srv.delivered(to);
  const m = mail[mail.length - 1].body.match(LINK);
  assert.ok(m, `no password link in the message to ${to}`);
  assert.doesNotMatch(outbox(to).map((x) => x.body).join('\n'), LINK);
  return m[1];
}

function sanitizerReport(log) {
  return /AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:/.test(log);
}

before(async () => {
  srv = await start();
  addUser('admin', 'admin@example.org', 'Ada Admin');
  addUser('staff', 'staff@example.org', 'Sam Staff');
  addUser('counselor', 'counselor@example.org', 'Cora Counselor', PW, 'north');
});

after(async () => {
  await srv.stop();
  if (sanitizerReport(srv.logs.portal)) {
    console.error(srv.logs.portal);
    throw new Error('the portal logged a sanitizer report');
  }
});

check('the sign-in page has the form, the token and no-store', async () => {
  const r = await srv.client().get('/login');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.match(r.text, /<h1>Sign in<\/h1>/);
  assert.match(r.text, /<input type="hidden" name="csrf" value="[^"]+">/);
  assert.match(r.text, /name="email" type="email" value="" autocomplete="username"/);
  assert.match(r.text, /name="password" type="password" value="" autocomplete="current-password"/);
  assert.match(r.text, /<button class="button" type="submit">Sign in<\/button>/);
  assert.match(r.text, /href="\/forgot"/);
});

check('staff sign in to /admin with an HttpOnly, SameSite=Strict session cookie', async () => {
  const c = srv.client();
  const r = await c.login('staff@example.org', PW);
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/admin');
  const cookie = r.headers.getSetCookie().find((s) => s.startsWith('session='));
  assert.ok(cookie, 'no session cookie');
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const token = cookie.slice('session='.length).split(';')[0];
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  // Only the hash is stored, never the token itself.
  const [row] = srv.sql(`SELECT count(*) AS n, sum(token_hash = CAST('${token}' AS BLOB)) AS raw,`
    + ' min(length(token_hash)) AS len FROM sessions');
  assert.ok(row.n >= 1);
  assert.equal(row.raw, 0);
  assert.equal(row.len, 32);
});

check('a counselor signs in to /counselor', async () => {
  const r = await srv.client().login('counselor@example.org', PW);
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/counselor');
});

check('next is followed when the role may open it, and only for local paths', async () => {
  const anon = srv.client();
  const r = await anon.get('/admin/users');
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/login?next=%2Fadmin%2Fusers');
  const form = await anon.get(r.headers.get('location'));
  assert.match(form.text, /<input type="hidden" name="next" value="\/admin\/users">/);
  const ok = await anon.post('/login', { email: 'admin@example.org', password: PW, next: '/admin/users' });
  assert.equal(ok.headers.get('location'), '/admin/users');

  const staff = srv.client();
  await staff.get('/login?next=%2Fadmin%2Fusers');
  const s = await staff.post('/login', { email: 'staff@example.org', password: PW, next: '/admin/users' });
  assert.equal(s.headers.get('location'), '/admin', 'staff may not open /admin/users');

  for (const next of ['//evil.example/', '/\\evil.example', 'https://evil.example/', '/a\r\nX: y']) {
    const c = srv.client();
    await c.get('/login');
    const x = await c.post('/login', { email: 'admin@example.org', password: PW, next });
    assert.equal(x.status, 303);
    assert.equal(x.headers.get('location'), '/admin', `next ${JSON.stringify(next)}`);
  }
});

check('a wrong password is 401 with the one message and the email kept', async () => {
  const c = srv.client();
  const r = await c.login('staff@example.org', 'not the password at all');
  assert.equal(r.status, 401);
  assert.match(r.text, /<title>Error: Sign in/);
  assert.match(r.text, new RegExp(`<a href="#email">${FAILED}</a>`));
  assert.match(r.text, /name="email" type="email" value="staff@example.org"/);
  assert.doesNotMatch(r.text, /not the password at all/);
  assert.equal(c.cookies.has('session'), false);
});

check('an unknown email is 401 with the same message', async () => {
  const known = await srv.client().login('staff@example.org', 'another wrong password');
  const unknown = await srv.client().login('nobody@example.org', 'another wrong password');
  assert.equal(unknown.status, 401);
  const summary = (t) => t.match(/<ul class="error-summary__list">[\s\S]*?<\/ul>/)[0];
  assert.equal(summary(unknown.text), summary(known.text));
});

check('an account without a password yet cannot sign in', async () => {
  const c = await signedIn('admin@example.org');
  await c.get('/admin/users');
  await c.post('/admin/users', { email: 'pending@example.org', name: 'Pat Pending', role: 'staff' });
  const r = await srv.client().login('pending@example.org', '');
  assert.equal(r.status, 422, 'an empty password is a form error');
  const w = await srv.client().login('pending@example.org', 'anything at all here');
  assert.equal(w.status, 401);
  assert.match(w.text, new RegExp(FAILED));
});

check('five wrong passwords lock the email: the right one then gets 429', async () => {
  addUser('staff', 'locked@example.org', 'Lee Locked');
  for (let i = 0; i < 5; i++) {
    const r = await srv.client().login('locked@example.org', `wrong password ${i}`);
    assert.equal(r.status, 401, `attempt ${i + 1}`);
  }
  const r = await srv.client().login('LOCKED@example.org', PW);
  assert.equal(r.status, 429);
  assert.match(r.text, /Wait 15 minutes/);
  assert.ok(Number(r.headers.get('retry-after')) > 0);
  assert.equal(r.headers.getSetCookie().some((s) => s.startsWith('session=')), false);
  // Another account is not affected.
  const other = await srv.client().login('staff@example.org', PW);
  assert.equal(other.status, 303);
  // The lock ends: move the failures 15 minutes into the past.
  srv.sql("UPDATE login_failures SET at = at - 901 WHERE email = 'locked@example.org'");
  const later = await srv.client().login('locked@example.org', PW);
  assert.equal(later.status, 303);
});

check('signing in again replaces the session: the earlier token stops working', async () => {
  const c = await signedIn('staff@example.org');
  const old = replay(c);
  assert.equal((await old.get('/account/password')).status, 200);
  await c.get('/login');
  const r = await c.post('/login', { email: 'admin@example.org', password: PW });
  assert.equal(r.status, 303);
  assert.notEqual(c.cookies.get('session'), old.cookies.get('session'));
  assert.equal((await old.get('/account/password')).status, 303, 'the old token is dead');
  assert.equal((await c.get('/admin/users')).status, 200);
});

check('a new password from a reset link ends the pause of a locked email', async () => {
  addUser('staff', 'unlock@example.org', 'Uma Unlock');
  for (let i = 0; i < 5; i++) await srv.client().login('unlock@example.org', `wrong ${i} password`);
  assert.equal((await srv.client().login('unlock@example.org', PW)).status, 429);
  const c = srv.client();
  await c.get('/forgot');
  await c.post('/forgot', { email: 'unlock@example.org' });
  const token = await linkToken('unlock@example.org');
  await c.get(`/account/password?token=${token}`);
  const set = await c.post('/account/password', { token, password: 'unlocked password', password_confirm: 'unlocked password' });
  assert.equal(set.status, 303);
  assert.equal((await srv.client().login('unlock@example.org', 'unlocked password')).status, 303);
});

check('a session idle for 30 minutes has expired', async () => {
  const c = await signedIn('admin@example.org');
  assert.equal((await c.get('/admin/users')).status, 200);
  srv.sql("UPDATE sessions SET seen_at = seen_at - 31 * 60, created_at = created_at - 31 * 60"
    + " WHERE user_id = (SELECT id FROM users WHERE email = 'admin@example.org')");
  const r = await c.get('/admin/users');
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/login?next=%2Fadmin%2Fusers');
});

check('signing out ends the session: the old cookie no longer works', async () => {
  const c = await signedIn('admin@example.org');
  const old = replay(c);
  await c.get('/admin/users');
  const before = srv.sql('SELECT count(*) AS n FROM sessions')[0].n;
  const r = await c.post('/logout');
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/');
  assert.equal(c.cookies.has('session'), false);
  assert.equal(srv.sql('SELECT count(*) AS n FROM sessions')[0].n, before - 1);
  const again = await old.get('/admin/users');
  assert.equal(again.status, 303);
  assert.match(again.headers.get('location'), /^\/login/);
});

check('a POST without csrf is 403 and changes nothing', async () => {
  const c = await signedIn('admin@example.org');
  await c.get('/admin/users');
  const users = srv.sql('SELECT count(*) AS n FROM users')[0].n;
  const r = await c.post('/admin/users', { email: 'nocsrf@example.org', name: 'No Token', role: 'staff' },
    { csrf: false });
  assert.equal(r.status, 403);
  assert.equal(srv.sql('SELECT count(*) AS n FROM users')[0].n, users);
  const sessions = srv.sql('SELECT count(*) AS n FROM sessions')[0].n;
  assert.equal((await c.post('/logout', {}, { csrf: false })).status, 403);
  assert.equal(srv.sql('SELECT count(*) AS n FROM sessions')[0].n, sessions);
  assert.equal((await c.get('/admin/users')).status, 200, 'still signed in');
  const bad = await c.post('/admin/users', { email: 'x@example.org', name: 'X', role: 'staff', csrf: 'forged' });
  assert.equal(bad.status, 403);
  const anon = srv.client();
  await anon.get('/login');
  const login = await anon.post('/login', { email: 'admin@example.org', password: PW }, { csrf: false });
  assert.equal(login.status, 403);
  assert.equal(anon.cookies.has('session'), false);
});

check('/admin/users is for administrators only', async () => {
  const anon = srv.client();
  const a = await anon.get('/admin/users');
  assert.equal(a.status, 303);
  assert.match(a.headers.get('location'), /^\/login\?next=/);
  await anon.get('/login');
  const ap = await anon.post('/admin/users', { email: 'anon@example.org', name: 'Anon', role: 'admin' });
  assert.equal(ap.status, 403);

  const staff = await signedIn('staff@example.org');
  const s = await staff.get('/admin/users');
  assert.equal(s.status, 303);
  assert.equal(s.headers.get('location'), '/login?next=%2Fadmin%2Fusers');
  const notice = await staff.get(s.headers.get('location'));
  assert.match(notice.text, /You are signed in as <strong>Sam Staff<\/strong>, who cannot open that page\. Sign in with another account\./);
  const sp = await staff.post('/admin/users', { email: 'staffmade@example.org', name: 'S', role: 'admin' });
  assert.equal(sp.status, 403);
  assert.equal(srv.sql("SELECT count(*) AS n FROM users WHERE email IN ('anon@example.org', 'staffmade@example.org')")[0].n, 0);

  const admin = await signedIn('admin@example.org');
  const r = await admin.get('/admin/users');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.match(r.text, /<caption class="table__caption" id="accounts-caption">Accounts<\/caption>/);
  assert.match(r.text, new RegExp('<td data-label="Name">Cora Counselor</td><td data-label="Email">'
    + '<a href="mailto:counselor@example.org">counselor@example.org</a></td>'
    + '<td data-label="Role">Counselor</td><td data-label="School">North High School</td>'));
  assert.match(r.text, /Ada Admin \(you\)/);
  assert.match(r.text, /<button class="button" type="submit">Create account<\/button>/);
});

check('the create form refuses bad values with 422, keeping what was typed', async () => {
  const c = await signedIn('admin@example.org');
  await c.get('/admin/users');
  const users = srv.sql('SELECT count(*) AS n FROM users')[0].n;
  const r = await c.post('/admin/users', { email: 'not-an-email', name: '', role: 'counselor', school: '' });
  assert.equal(r.status, 422);
  assert.match(r.text, /<title>Error: Accounts/);
  assert.match(r.text, /<a href="#email">Enter an email address in the correct format/);
  assert.match(r.text, /<a href="#name">Enter the person&#39;s name<\/a>/);
  assert.match(r.text, /<a href="#school">Choose the counselor&#39;s school<\/a>/);
  assert.match(r.text, /value="not-an-email"/);
  assert.match(r.text, /value="counselor" checked/);
  const dup = await c.post('/admin/users', { email: 'STAFF@example.org', name: 'Twin', role: 'staff' });
  assert.equal(dup.status, 422);
  assert.match(dup.text, /<a href="#email">An account with this email address exists already<\/a>/);
  const role = await c.post('/admin/users', { email: 'r@example.org', name: 'R', role: 'root' });
  assert.equal(role.status, 422);
  assert.match(role.text, /<a href="#role">/);
  assert.equal(srv.sql('SELECT count(*) AS n FROM users')[0].n, users);
});

check('an admin creates an account; the invited user sets a password once and signs in', async () => {
  const admin = await signedIn('admin@example.org');
  await admin.get('/admin/users');
  const r = await admin.post('/admin/users', {
    email: 'new.counselor@example.org', name: 'Nia New', role: 'counselor', school: 'west',
  });
  assert.equal(r.status, 303);
  const [row] = srv.sql("SELECT id, role, school, password_hash FROM users WHERE email = 'new.counselor@example.org'");
  assert.equal(r.headers.get('location'), `/admin/users?created=${row.id}`);
  assert.equal(row.role, 'counselor');
  assert.equal(row.school, 'west');
  assert.equal(row.password_hash, null);
  const page = await admin.get(r.headers.get('location'));
  assert.match(page.text, /Account created for Nia New; an invitation was sent to new.counselor@example.org/);
  assert.match(page.text, /<span class="tag tag--waitlisted">Invited<\/span>/);

  const mail = outbox('new.counselor@example.org');
  assert.equal(mail.length, 1);
  assert.match(mail[0].body, /Hello Nia New/);
  assert.match(mail[0].body, /72 hours/);
  assert.match(mail[0].body, /West High School/);
  const token = await linkToken('new.counselor@example.org');
  assert.doesNotMatch(srv.logs.portal, new RegExp(token), 'the token is not logged');
  const [tok] = srv.sql(`SELECT expires_at - ${nowSeconds()} AS left FROM password_tokens WHERE user_id = ${row.id}`);
  assert.ok(tok.left > 71 * 3600 && tok.left <= 72 * 3600, 'valid 72 hours');

  const u = srv.client();
  const form = await u.get(`/account/password?token=${token}`);
  assert.equal(form.status, 200);
  assert.equal(form.headers.get('cache-control'), 'no-store');
  assert.match(form.text, /<h1>Choose your password<\/h1>/);
  assert.match(form.text, new RegExp(`<input type="hidden" name="token" value="${token}">`));
  assert.match(form.text, /autocomplete="new-password"/);

  const short = await u.post('/account/password', { token, password: 'short', password_confirm: 'short' });
  assert.equal(short.status, 422);
  assert.match(short.text, /<a href="#password">Password must be at least 12 characters<\/a>/);
  const differ = await u.post('/account/password', { token, password: 'a new long password', password_confirm: 'a new long passwort' });
  assert.equal(differ.status, 422);
  assert.match(differ.text, /<a href="#password_confirm">The passwords do not match/);
  assert.doesNotMatch(differ.text, /a new long passwor/);

  const ok = await u.post('/account/password', { token, password: 'a new long password', password_confirm: 'a new long password' });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), '/login?done=password');
  const done = await u.get('/login?done=password');
  assert.match(done.text, /Your password is set/);
  assert.match(srv.sql(`SELECT password_hash FROM users WHERE id = ${row.id}`)[0].password_hash, /^\$argon2id\$/);
  assert.equal(srv.sql(`SELECT count(*) AS n FROM password_tokens WHERE user_id = ${row.id} AND used_at IS NULL`)[0].n, 0);

  const again = await srv.client().get(`/account/password?token=${token}`);
  assert.equal(again.status, 404);
  assert.match(again.text, /This link has expired/);
  assert.match(again.text, /href="\/forgot"/);
  const c2 = srv.client();
  await c2.get('/login');
  const twice = await c2.post('/account/password', { token, password: 'a third long password', password_confirm: 'a third long password' });
  assert.equal(twice.status, 404);

  const login = await srv.client().login('new.counselor@example.org', 'a new long password');
  assert.equal(login.status, 303);
  assert.equal(login.headers.get('location'), '/counselor');
});

check('an expired or made-up link shows the expired page', async () => {
  const admin = await signedIn('admin@example.org');
  await admin.get('/admin/users');
  await admin.post('/admin/users', { email: 'late@example.org', name: 'Lou Late', role: 'staff' });
  const token = await linkToken('late@example.org');
  srv.sql(`UPDATE password_tokens SET expires_at = ${nowSeconds() - 1}
    WHERE user_id = (SELECT id FROM users WHERE email = 'late@example.org')`);
  const r = await srv.client().get(`/account/password?token=${token}`);
  assert.equal(r.status, 404);
  assert.match(r.text, /This link has expired/);
  const fake = await srv.client().get(`/account/password?token=${'A'.repeat(43)}`);
  assert.equal(fake.status, 404);
  const anon = await srv.client().get('/account/password');
  assert.equal(anon.status, 303);
  assert.equal(anon.headers.get('location'), '/login?next=%2Faccount%2Fpassword');
});

check('forgot answers the same for any address and mails only an existing account', async () => {
  addUser('staff', 'forgetful@example.org', 'Fran Forgetful');
  const other = await signedIn('forgetful@example.org');
  const c = srv.client();
  const form = await c.get('/forgot');
  assert.equal(form.status, 200);
  assert.match(form.text, /<button class="button" type="submit">Send reset link<\/button>/);
  const yes = await c.post('/forgot', { email: 'forgetful@example.org' });
  const no = await c.post('/forgot', { email: 'nobody-here@example.org' });
  assert.equal(yes.status, 303);
  assert.equal(no.status, 303);
  assert.equal(yes.headers.get('location'), no.headers.get('location'));
  const p1 = await c.get(yes.headers.get('location'));
  const p2 = await c.get(no.headers.get('location'));
  assert.equal(p1.text, p2.text);
  assert.match(p1.text, /If an account uses that address, we have sent a link/);
  assert.equal(outbox('forgetful@example.org').length, 1);
  assert.equal(outbox('nobody-here@example.org').length, 0);
  const bad = await c.post('/forgot', { email: 'not an email' });
  assert.equal(bad.status, 422);

  const body = outbox('forgetful@example.org')[0].body;
  assert.match(body, /Hello Fran Forgetful/);
  assert.match(body, /1 hour/);
  assert.match(body, /Community Affairs Unit/);
  const token = await linkToken('forgetful@example.org');
  const u = srv.client();
  const page = await u.get(`/account/password?token=${token}`);
  assert.match(page.text, /<h1>Set a new password<\/h1>/);
  const ok = await u.post('/account/password', { token, password: 'my brand new password', password_confirm: 'my brand new password' });
  assert.equal(ok.status, 303);
  assert.equal((await srv.client().login('forgetful@example.org', PW)).status, 401);
  assert.equal((await srv.client().login('forgetful@example.org', 'my brand new password')).status, 303);
  // Setting a password from a link ends the account's other sessions.
  const r = await other.get('/account/password');
  assert.equal(r.status, 303);
  assert.match(r.headers.get('location'), /^\/login/);
});

check('a signed-in user changes their password; their other sessions end', async () => {
  addUser('staff', 'changer@example.org', 'Chris Changer');
  const a = await signedIn('changer@example.org');
  const b = await signedIn('changer@example.org');
  const form = await a.get('/account/password');
  assert.equal(form.status, 200);
  assert.match(form.text, /<h1>Change your password<\/h1>/);
  const r = await a.post('/account/password', { password: 'changed password 123', password_confirm: 'changed password 123' });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/account/password?done=1');
  const done = await a.get('/account/password?done=1');
  assert.match(done.text, /Your password has been changed/);
  assert.equal((await b.get('/account/password')).status, 303, 'the other session ended');
  assert.equal((await srv.client().login('changer@example.org', 'changed password 123')).status, 303);
});

check('disabling an account ends its session and its sign-ins', async () => {
  const id = addUser('staff', 'leaving@example.org', 'Lane Leaving');
  const user = await signedIn('leaving@example.org');
  assert.equal((await user.get('/account/password')).status, 200);
  const admin = await signedIn('admin@example.org');
  await admin.get('/admin/users');
  const r = await admin.post(`/admin/users/${id}/disable`, { confirm: 'yes' });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `/admin/users?disabled=${id}`);
  const page = await admin.get(r.headers.get('location'));
  assert.match(page.text, /The account of Lane Leaving \(leaving@example.org\) is disabled/);
  assert.match(page.text, /<span class="tag tag--withdrawn">Disabled<\/span>/);
  assert.notEqual(srv.sql(`SELECT disabled_at FROM users WHERE id = ${id}`)[0].disabled_at, null);
  assert.equal(srv.sql(`SELECT count(*) AS n FROM sessions WHERE user_id = ${id}`)[0].n, 0);
  assert.equal((await user.get('/account/password')).status, 303);
  const login = await srv.client().login('leaving@example.org', PW);
  assert.equal(login.status, 401);
  assert.match(login.text, new RegExp(FAILED));
  // No reset link for a disabled account.
  const f = srv.client();
  await f.get('/forgot');
  assert.equal((await f.post('/forgot', { email: 'leaving@example.org' })).status, 303);
  assert.equal(outbox('leaving@example.org').length, 0);

  const adminId = srv.sql("SELECT id FROM users WHERE email = 'admin@example.org'")[0].id;
  const self = await admin.post(`/admin/users/${adminId}/disable`);
  assert.equal(self.status, 409);
  assert.match(self.text, /You cannot disable your own account/);
  assert.equal(srv.sql(`SELECT disabled_at FROM users WHERE id = ${adminId}`)[0].disabled_at, null);
  assert.equal((await admin.post('/admin/users/99999/disable')).status, 404);
  assert.equal((await admin.post('/admin/users/abc/disable')).status, 404);
});

test('fifty failures from one address lock that address for every email', async () => {
  // A server of its own: the other tests' failures come from the same address.
  const own = await start();
  try {
    own.cli(['user', 'add', '--role', 'staff', '--email', 'victim@example.org', '--name', 'V'], `${PW}\n`);
    const c = own.client();
    await c.get('/login');
    for (let i = 0; i < 50; i++) {
      const r = await c.post('/login', { email: `guess${i}@example.org`, password: 'wrong password' });
      assert.equal(r.status, 401, `attempt ${i + 1}`);
    }
    const fresh = await c.post('/login', { email: 'fresh@example.org', password: 'wrong password' });
    assert.equal(fresh.status, 429);
    assert.match(fresh.text, /Wait 15 minutes/);
    const right = await c.post('/login', { email: 'victim@example.org', password: PW });
    assert.equal(right.status, 429);
    assert.equal(own.sql('SELECT count(*) AS n FROM login_failures')[0].n, 50, 'a locked attempt is not counted');
  } catch (e) {
    console.error(`--- portal log ---\n${own.logs.portal}`);
    throw e;
  } finally {
    await own.stop();
    if (sanitizerReport(own.logs.portal)) {
      console.error(own.logs.portal);
      throw new Error('the portal logged a sanitizer report');
    }
  }
});

// Every 43-character base64url word in text: what a link token looks like.
const tokenShaped = (text) => [...new Set(text.match(/(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g) || [])];

// A dump of every row of every table of the database file db (sqlite3's .dump).
function dump(db) {
  return execFileSync('sqlite3', ['-cmd', '.timeout 10000', db, '.dump'], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

// No token that works is in text: each token-shaped word is tried as a link.
async function noWorkingToken(server, text, what) {
  const words = tokenShaped(text);
  for (const w of words) {
    const r = await server.client().get(`/account/password?token=${w}`);
    assert.equal(r.status, 404, `${what} holds a working link token`);
  }
  return words.length;
}

check('no working link token is readable from the database or a backup once sent', async () => {
  const admin = await signedIn('admin@example.org');
  await admin.get('/admin/users');
  assert.equal((await admin.post('/admin/users', { email: 'kept.secret@example.org', name: 'Kim Kept',
    role: 'staff' })).status, 303);
  addUser('staff', 'resetting@example.org', 'Rae Resetting');
  const c = srv.client();
  await c.get('/forgot');
  assert.equal((await c.post('/forgot', { email: 'resetting@example.org' })).status, 303);
  assert.equal((await c.post('/forgot', { email: 'resetting@example.org' })).status, 303);
  const invite = await linkToken('kept.secret@example.org');
  const resets = (await srv.delivered('resetting@example.org', 2)).map((m) => m.body.match(LINK)[1]);
  // Each works: not used yet, and delivered.
  for (const t of [invite, ...resets]) {
    assert.equal((await srv.client().get(`/account/password?token=${t}`)).status, 200);
  }
  // Marked sent (the stand-in stored it first, so wait for the outbox to say so).
  const end = Date.now() + 10000;
  while (srv.sql("SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL AND recipient IN"
    + " ('kept.secret@example.org', 'resetting@example.org')")[0].n > 0) {
    assert.ok(Date.now() < end, 'the outbox did not mark the messages sent');
    await new Promise((r) => setTimeout(r, 50));
  }
  const mails = srv.sql("SELECT body, secret FROM outbox WHERE recipient IN"
    + " ('kept.secret@example.org', 'resetting@example.org') ORDER BY id");
  assert.equal(mails.length, 3);
  for (const m of mails) {
    assert.equal(m.secret, null);
    assert.match(m.body, /\/account\/password\?token=\{link-token\}/);
  }
  const backup = path.join(srv.dir, 'secrets-backup.db');
  srv.cli(['backup', backup]);
  for (const [what, file] of [['the database', srv.db], ['the backup', backup]]) {
    const text = dump(file);
    for (const t of [invite, ...resets]) assert.ok(!text.includes(t), `${what} holds a delivered token`);
    await noWorkingToken(srv, text, what);
  }
  // Nor as bytes anywhere in the backup's file, free space included.
  const raw = fs.readFileSync(backup, 'latin1');
  for (const t of [invite, ...resets]) assert.ok(!raw.includes(t), 'the backup file holds a delivered token');
  // The links still work: only the copies are gone.
  assert.equal((await srv.client().get(`/account/password?token=${invite}`)).status, 200);
});

test('a message given up forgets its link token too', async () => {
  const own = await start({ sendmail: 'false', config: 'mail_retry_seconds = 1\n' });
  try {
    own.cli(['user', 'add', '--role', 'staff', '--email', 'lost@example.org', '--name', 'Lou Lost'], `${PW}\n`);
    const c = own.client();
    await c.get('/forgot');
    assert.equal((await c.post('/forgot', { email: 'lost@example.org' })).status, 303);
    const [{ secret }] = own.sql("SELECT secret FROM outbox WHERE recipient = 'lost@example.org'");
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/, 'kept while it may still be sent');
    // One attempt short of giving up.
    own.sql(`UPDATE outbox SET attempts = ${MAIL_MAX_ATTEMPTS - 1}, next_attempt_at = 0
      WHERE recipient = 'lost@example.org' AND sent_at IS NULL`);
    const end = Date.now() + 15000;
    while (own.sql("SELECT failed_at FROM outbox WHERE recipient = 'lost@example.org'")[0].failed_at === null) {
      assert.ok(Date.now() < end, 'the message was not given up');
      await new Promise((r) => setTimeout(r, 100));
    }
    const [row] = own.sql("SELECT secret, body FROM outbox WHERE recipient = 'lost@example.org'");
    assert.equal(row.secret, null);
    assert.ok(!dump(own.db).includes(secret));
    await noWorkingToken(own, dump(own.db), 'the database');
  } catch (e) {
    console.error(`--- portal log ---\n${own.logs.portal}`);
    throw e;
  } finally {
    await own.stop();
  }
});

check('arriving from another site keeps the forms of the other tabs working', async () => {
  addUser('staff', 'tabs@example.org', 'Tab Keeper');
  const browser = srv.client();
  // Tab 1: the reset form, read before anything else.
  await browser.get('/forgot');
  const tab1 = browser.csrf;
  const cookie1 = browser.cookies.get('csrf');
  // Tab 2: a link from a search engine to the portal, then a link to the sign-in page.
  const arrival = await browser.get('/', { crossSite: true });
  assert.equal(arrival.status, 200);
  assert.ok(!arrival.headers.getSetCookie().some((c) => c.startsWith('csrf=')), 'the cookie was replaced');
  await browser.get('/pip');
  assert.equal(browser.cookies.get('csrf'), cookie1);
  // Tab 1's form still works.
  const sent = await browser.post('/forgot', { email: 'tabs@example.org', csrf: tab1 });
  assert.equal(sent.status, 303);
  // A browser that has no cookie yet gets one with its first page, and a working form.
  const fresh = srv.client();
  await fresh.get('/forgot', { crossSite: true });
  assert.equal((await fresh.post('/forgot', { email: 'tabs@example.org' })).status, 303);
});

check('a signed-in user who opens an e-mailed link gets forms that work', async () => {
  const c = await signedIn('staff@example.org');
  await c.get('/admin');
  // From a webmail: the Strict session cookie stays behind, the page is a signed-out one.
  const page = await c.get('/forgot', { crossSite: true });
  assert.equal(page.status, 200);
  assert.doesNotMatch(page.text, /Sign out/);
  // Continuing from that page, the browser sends every cookie: the form works.
  assert.equal((await c.post('/forgot', { email: 'staff@example.org' })).status, 303);
  const login = await c.get('/login?next=%2Fadmin', { crossSite: true });
  assert.equal(login.status, 200);
  assert.equal((await c.post('/logout', {})).status, 303);
  // And the tokens of the pages opened while signed in worked all along.
  const again = await signedIn('staff@example.org');
  await again.get('/admin/users');
  const cross = await again.get('/status', { crossSite: true });
  assert.equal(cross.status, 200);
  const lookup = await again.post('/status', { ref: 'P-0000-0000', email: 'x@example.org' });
  assert.equal(lookup.status, 404);
});

check('a POST from another site is 403 even with the right token; one without a token is 403', async () => {
  const c = await signedIn('admin@example.org');
  await c.get('/admin/users');
  const fields = (email) => ({ email, name: 'Cross Site', role: 'staff' });
  const users = () => srv.sql('SELECT count(*) AS n FROM users')[0].n;
  const n = users();
  for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' },
    { origin: 'http://evil.example' }, { origin: 'null' },
    { origin: srv.base.replace('http://', 'https://') },
    { origin: `${srv.base}.evil.example` },
    { 'sec-fetch-site': 'cross-site', origin: srv.base }]) {
    const r = await c.post('/admin/users', fields('cross.site@example.org'), { headers });
    assert.equal(r.status, 403, JSON.stringify(headers));
    assert.match(r.text, /Your form has expired/);
  }
  assert.equal((await c.post('/admin/users', fields('cross.site@example.org'), { csrf: false })).status, 403);
  assert.equal((await c.post('/admin/users', fields('cross.site@example.org'),
    { csrf: false, headers: { 'sec-fetch-site': 'same-origin', origin: srv.base } })).status, 403);
  // A token without the cookie it was made for is 403 too.
  const thief = srv.client();
  await thief.get('/forgot');
  thief.cookies.delete('csrf');
  assert.equal((await thief.post('/forgot', { email: 'admin@example.org', csrf: c.csrf })).status, 403);
  assert.equal(users(), n);
  // The same form from this site's own page works, whatever the browser says of it.
  const ok = await c.post('/admin/users', fields('cross.site@example.org'),
    { headers: { 'sec-fetch-site': 'same-origin', origin: srv.base } });
  assert.equal(ok.status, 303);
  assert.equal(users(), n + 1);
});
