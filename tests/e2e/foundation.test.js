// foundation.test.js: the serving stack through nginx: pages, limits, headers, commands.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start } = require('./lib');

let srv;
before(async () => { srv = await start(); });
after(async () => { await srv.stop(); });

// The security headers SPEC.md requires on every response, errors included.
function assertSecurityHeaders(res, what) {
  const csp = res.headers.get('content-security-policy');
  assert.ok(csp, `${what}: no Content-Security-Policy`);
  assert.ok(!csp.includes('unsafe-inline'), `${what}: CSP allows unsafe-inline`);
  assert.ok(csp.includes("frame-ancestors 'none'"), `${what}: CSP lacks frame-ancestors`);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(res.headers.get('referrer-policy'), 'same-origin', what);
}

test('home page shows both programs and the historical figures', async () => {
  const r = await srv.client().get('/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html; charset=utf-8/);
  assertSecurityHeaders(r, 'GET /');
  assert.match(r.text, /<html lang="en">/);
  assert.match(r.text, /Partners In Policing/);
  assert.match(r.text, /Teens and Policing/);
  assert.match(r.text, /44<\/span> <span class="figure__label">classes graduated/);
  assert.match(r.text, /1,000<\/span> <span class="figure__label">graduates/);
});

test('program pages are rendered from Markdown', async () => {
  const c = srv.client();
  const pip = await c.get('/pip');
  assert.equal(pip.status, 200);
  assert.match(pip.text, /<h1>Partners In Policing<\/h1>/);
  assert.match(pip.text, /<h2>Who can apply<\/h2>/);
  assert.match(pip.text, /<strong>18 or older by the first session<\/strong>/);
  const tap = await c.get('/tap');
  assert.equal(tap.status, 200);
  assert.match(tap.text, /<h1>Teens and Policing<\/h1>/);
  assert.match(tap.text, /6 to 8 PM/);
});

test('healthz answers ok when the database answers', async () => {
  const r = await srv.client().get('/healthz');
  assert.equal(r.status, 200);
  assert.equal(r.text, 'ok\n');
  assertSecurityHeaders(r, 'GET /healthz');
});

test('unknown path is 404 with the security headers', async () => {
  const r = await srv.client().get('/no/such/page');
  assert.equal(r.status, 404);
  assertSecurityHeaders(r, '404');
  assert.match(r.text, /Page not found/);
});

test('known path with the wrong method is 405 with Allow', async () => {
  const c = srv.client();
  const r = await c.request('PUT', '/');
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'GET, HEAD');
  assertSecurityHeaders(r, '405');
  const d = await c.request('DELETE', '/pip');
  assert.equal(d.status, 405);
});

test('HEAD answers like GET without a body', async () => {
  const r = await srv.client().request('HEAD', '/');
  assert.equal(r.status, 200);
  assert.equal(r.text, '');
});

test('a body over 64 KiB is refused with 413', async () => {
  const c = srv.client();
  await c.get('/');
  const r = await c.post('/', { big: 'x'.repeat(70 * 1024) });
  assert.equal(r.status, 413);
  assertSecurityHeaders(r, '413');
});

for (const bad of ['%ZZ', '%FF', '%00', '%C3', '%ED%A0%80']) {
  test(`a form field with ${bad} is refused with 400`, async () => {
    const c = srv.client();
    const r = await c.request('POST', '/', {
      body: `name=a${bad}b`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(r.status, 400);
    assertSecurityHeaders(r, `400 for ${bad}`);
  });
  test(`a query string with ${bad} is refused with 400`, async () => {
    const r = await srv.client().get(`/?q=a${bad}`);
    assert.equal(r.status, 400);
  });
}

test('a path with bad percent-encoding is refused with 400', async () => {
  const r = await srv.client().get('/pip%ZZ');
  assert.equal(r.status, 400);
});

test('static files are served by nginx', async () => {
  const r = await srv.client().get('/static/portal.css');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/css/);
});

// Lax, not Strict: a browser arriving from another site must bring it back, or it would
// be given a new one and the forms open in its other tabs would stop working (README.md).
test('every page carries a CSRF cookie that is HttpOnly and SameSite=Lax', async () => {
  const r = await srv.client().get('/');
  const cookie = r.headers.getSetCookie().find((c) => c.startsWith('csrf='));
  assert.ok(cookie, 'no csrf cookie');
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
});

test('portal user add stores an Argon2id hash and refuses a short password', () => {
  const out = srv.cli(['user', 'add', '--role', 'staff', '--email', 'officer@example.org',
    '--name', 'Officer Example'], 'correct horse battery\n');
  assert.match(out, /created staff account officer@example.org/);
  const [row] = srv.sql("SELECT role, password_hash FROM users WHERE email = 'officer@example.org'");
  assert.equal(row.role, 'staff');
  assert.match(row.password_hash, /^\$argon2id\$/);
  assert.throws(() => srv.cli(['user', 'add', '--role', 'staff', '--email', 'short@example.org',
    '--name', 'Short'], '11characters\n'.slice(0, 11) + '\n'), /at least 12 characters/);
  assert.equal(srv.sql("SELECT count(*) AS n FROM users WHERE email = 'short@example.org'")[0].n, 0);
  assert.throws(() => srv.cli(['user', 'add', '--role', 'counselor', '--email', 'c@example.org',
    '--name', 'No School'], 'a long enough password\n'), /school/);
});

test('portal backup writes a consistent copy', () => {
  const copy = `${srv.dir}/copy.db`;
  srv.cli(['backup', copy]);
  const { execFileSync } = require('node:child_process');
  assert.equal(execFileSync('sqlite3', [copy, 'PRAGMA integrity_check'], { encoding: 'utf8' }).trim(), 'ok');
  assert.ok(Number(execFileSync('sqlite3', [copy, 'PRAGMA user_version'], { encoding: 'utf8' })) >= 2);
});
