// lib.js: starts a real portal behind a real nginx on a free loopback port,
// with a temporary database, and gives tests a browser-like client.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');

const ROOT = path.resolve(__dirname, '../..');
const BIN = process.env.PORTAL_BIN || path.join(ROOT, 'portal');

// ---------------------------------------------------------------- the tests' clock
// TEST_TIME_OFFSET (seconds; PORTAL_TIME_OFFSET alone counts the same) runs the tests as
// if on another day: every portal started here, and every portal command, gets it as
// PORTAL_TIME_OFFSET (src/config.c), and the helpers below count from the same moved
// clock, so that the dates a test makes keep their distance from the portal's today.
// A test that passes its own PORTAL_TIME_OFFSET to start() sets the portal's clock
// itself, and computes its dates from that.
const OFFSET_GIVEN = process.env.TEST_TIME_OFFSET || process.env.PORTAL_TIME_OFFSET;
const TIME_OFFSET = Number(OFFSET_GIVEN || 0);
if (!Number.isInteger(TIME_OFFSET)) throw new Error('TEST_TIME_OFFSET must be whole seconds');
if (OFFSET_GIVEN) process.env.PORTAL_TIME_OFFSET = String(TIME_OFFSET);

const ZONE = 'America/Los_Angeles'; // the portal's default time_zone
const DAY_MS = 86400000;

// Unix time, in seconds, on the portal's clock.
const nowSeconds = () => Math.floor(Date.now() / 1000) + TIME_OFFSET;

// The ISO date `days` after (before, when negative) the ISO date iso.
const addDays = (iso, days) => new Date(Date.parse(`${iso}T00:00:00Z`) + days * DAY_MS)
  .toISOString().slice(0, 10);

// The ISO date `days` from today, today being the portal's: in its zone, on its clock.
function today(days = 0) {
  const iso = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit',
    day: '2-digit' }).format(Date.now() + TIME_OFFSET * 1000);
  return addDays(iso, days);
}

// A first-session date far enough ahead, over a year by default, that no reminder, start
// or end of a class can come near it while the tests run: `days` from today, or the day
// after when that is February 29, so that a birthday some years before it exists.
function farDate(days = 400) {
  const iso = today(days);
  return iso.endsWith('-02-29') ? addDays(iso, 1) : iso;
}

// The ISO date `years` before iso: a date of birth that is exactly that old on iso.
function yearsBefore(iso, years) {
  if (iso.endsWith('-02-29')) throw new Error(`no birthday ${years} years before ${iso}`);
  return `${String(Number(iso.slice(0, 4)) - years).padStart(4, '0')}${iso.slice(4)}`;
}

// "Thursday, January 14, 2027": a calendar date as the portal writes it in English.
const longDate = (iso) => new Intl.DateTimeFormat('en-US', { weekday: 'long', month: 'long',
  day: 'numeric', year: 'numeric', timeZone: 'UTC' }).format(Date.parse(`${iso}T00:00:00Z`));

// RFC 4648 base32 to bytes.
function base32(text) {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text.replace(/=+$/, '')) {
    value = (value << 5) | abc.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// The RFC 6238 code (SHA-1, 6 digits) of secret for the step of unix time t.
function totp(secret, t = nowSeconds()) {
  const STEP = 30;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(t / STEP)));
  const mac = crypto.createHmac('sha1', base32(secret)).update(counter).digest();
  const off = mac[mac.length - 1] & 15;
  const n = ((mac[off] & 127) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(n % 1000000).padStart(6, '0');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(check, what, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// The key file sealing a test database's personal data: dir/portal.key, made
// by start() with `portal keygen` (mode 0400), given to every command.
const keyOf = (dir) => path.join(dir, 'portal.key');

// Runs a portal command against the test database; returns stdout.
function cli(dir, args, input, config) {
  const conf = config ? ['--config', config] : [];
  const key = fs.existsSync(keyOf(dir)) ? ['--key-file', keyOf(dir)] : [];
  return execFileSync(BIN, ['--db', path.join(dir, 'portal.db'), '--datadir', ROOT, ...key, ...conf,
    ...args], {
    input: input || '',
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

// Starts portal and nginx; call stop() when done.  env adds to the portal's environment;
// config, when given, is the text of a configuration file passed with --config (or a
// function of the port that returns it).
async function start(opts = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-test-'));
  const port = await freePort();
  const socket = path.join(dir, 'portal.sock');
  const logs = { portal: '', nginx: '' };
  let config = null;
  if (opts.config !== undefined) {
    config = path.join(dir, 'portal.conf');
    // A function gets the port, for settings that name the site's own address.
    fs.writeFileSync(config, typeof opts.config === 'function' ? opts.config(port) : opts.config);
  }
  execFileSync(BIN, ['keygen', keyOf(dir)], { stdio: 'ignore' });
  cli(dir, ['migrate'], '', config);
  const env = { ...process.env, ...(opts.env || {}) };
  const args = ['--db', path.join(dir, 'portal.db'), '--datadir', ROOT, '--key-file', keyOf(dir),
    ...(config ? ['--config', config] : []), 'serve',
    '--socket', socket, '--threads', String(opts.threads || 4),
    '--sendmail', opts.sendmail || `${ROOT}/tests/sendmail-to-dir.sh ${dir}/mail`];
  const server = {
    env, // the portal's environment: a test may change it before startPortal()
    dir,
    port,
    base: `http://127.0.0.1:${port}`,
    db: path.join(dir, 'portal.db'),
    key: keyOf(dir),
    socket,
    logs,
    portal: null,
    nginx: null,
  };
  // PORTAL_WRAP (e.g. "valgrind --error-exitcode=99") prefixes the serve command only.
  const wrap = (process.env.PORTAL_WRAP || '').split(/\s+/).filter(Boolean);
  server.startPortal = async () => {
    fs.rmSync(socket, { force: true }); // a killed portal leaves its socket behind
    const p = spawn(wrap.length ? wrap[0] : BIN, [...wrap.slice(1), ...(wrap.length ? [BIN] : []),
      ...args], { env: server.env, stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr.on('data', (d) => { logs.portal += d; });
    server.portal = p;
    server.portalExit = new Promise((r) => p.on('exit', (code, sig) => r({ code, sig })));
    // supervise: like etc/run.sh, a portal that exits is started again 1 s later
    // (a test using it must not restart the portal itself).
    if (opts.supervise) {
      p.on('exit', () => {
        if (server.stopping || server.portal !== p) return;
        server.restarts = (server.restarts || 0) + 1;
        server.restarted = new Promise((r) => setTimeout(r, 1000))
          .then(() => (server.stopping ? null : server.startPortal()))
          .catch((e) => { logs.portal += `supervisor: ${e.message}\n`; });
      });
    }
    // (A portal that exits at once, or is stopped at once, ends the wait too.)
    await waitFor(() => fs.existsSync(socket) || p.exitCode !== null || p.signalCode !== null,
      'the portal socket');
    if (!fs.existsSync(socket) && !server.stopping) {
      throw new Error(`the portal exited (${p.exitCode ?? p.signalCode}) before listening:\n${logs.portal}`);
    }
  };
  await server.startPortal();
  const n = spawn('sh', [path.join(ROOT, 'etc/local-up.sh'), path.join(dir, 'run'), String(port), socket],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  n.stderr.on('data', (d) => { logs.nginx += d; });
  server.nginx = n;
  await waitFor(async () => (await fetch(`${server.base}/healthz`)).status === 200, 'nginx');
  server.stop = async () => {
    server.stopping = true;
    const exits = [server.portalExit];
    if (server.portal.exitCode === null) server.portal.kill('SIGTERM');
    n.kill('SIGTERM');
    await Promise.all(exits);
    await new Promise((r) => (n.exitCode !== null ? r() : n.on('exit', r)));
    if (!process.env.KEEP_TEST_DIR) fs.rmSync(dir, { recursive: true, force: true });
  };
  server.cli = (a, input) => cli(dir, a, input, config);
  // Runs SQL on the test database and returns the rows as objects.
  server.sql = (query) => {
    const out = execFileSync('sqlite3', ['-json', '-cmd', '.timeout 10000', server.db, query], { encoding: 'utf8' });
    return out.trim() ? JSON.parse(out) : [];
  };
  server.client = () => new Client(server.base);
  // An account made with `portal user add` (school for counselors); returns its id.
  server.addUser = (role, email, name, password, school) => {
    const args = ['user', 'add', '--role', role, '--email', email, '--name', name];
    if (school) args.push('--school', school);
    server.cli(args, `${password}\n`);
    return server.sql(`SELECT id FROM users WHERE email = '${email}'`)[0].id;
  };
  // A client signed in as email, or an Error naming the answer when the sign-in failed.
  server.signedIn = async (email, password) => {
    const c = server.client();
    const r = await c.login(email, password);
    if (r.status !== 303 || !c.cookies.has('session')) {
      throw new Error(`sign-in of ${email}: ${r.status} ${r.text.slice(0, 300)}`);
    }
    return c;
  };
  // The messages the sendmail stand-in received for address to, oldest first, as
  // { headers, body }; waits until there are at least n.
  server.delivered = async (to, n = 1) => {
    const box = path.join(dir, 'mail');
    let found = [];
    await waitFor(() => {
      const files = fs.existsSync(box) ? fs.readdirSync(box).filter((f) => f.endsWith('.eml')).sort() : [];
      found = files.map((f) => fs.readFileSync(path.join(box, f), 'utf8')).map((raw) => {
        const cut = raw.indexOf('\r\n\r\n');
        return { headers: raw.slice(0, cut), body: raw.slice(cut + 4).replace(/\r\n/g, '\n') };
      }).filter((m) => m.headers.split('\r\n').includes(`To: ${to}`));
      return found.length >= n;
    }, `${n} message(s) delivered to ${to}`);
    return found;
  };
  return server;
}

// A browser-like client: keeps cookies, remembers the last form token, never follows redirects.
class Client {
  constructor(base) {
    this.base = base;
    this.cookies = new Map();
    this.strict = new Set(); // the names of SameSite=Strict cookies
    this.csrf = null;
  }

  // The Cookie header; on a navigation from another site (crossSite), as a browser
  // sends it: without the SameSite=Strict cookies.
  cookieHeader(crossSite = false) {
    return [...this.cookies].filter(([k]) => !crossSite || !this.strict.has(k))
      .map(([k, v]) => `${k}=${v}`).join('; ');
  }

  keep(res) {
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (attrs.some((a) => /max-age=0/i.test(a)) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
      if (attrs.some((a) => /^\s*samesite=strict\s*$/i.test(a))) this.strict.add(name);
      else this.strict.delete(name);
    }
  }

  // crossSite: a top-level navigation from another site's page (a link in a search
  // engine or a webmail), with the cookies and the Sec-Fetch-Site a browser sends.
  async request(method, p, { body, headers = {}, crossSite = false } = {}) {
    const h = { ...headers };
    if (crossSite) h['sec-fetch-site'] = 'cross-site';
    const cookie = this.cookieHeader(crossSite);
    if (cookie) h.cookie = cookie;
    const res = await fetch(this.base + p, { method, headers: h, body, redirect: 'manual' });
    this.keep(res);
    const text = await res.text();
    const m = text.match(/name="csrf" value="([^"]+)"/);
    if (m) this.csrf = m[1];
    return { status: res.status, headers: res.headers, text, res };
  }

  get(p, opts = {}) {
    return this.request('GET', p, opts);
  }

  // Posts fields (an object or a list of pairs) as a form, adding the csrf token;
  // headers adds to the request's.
  post(p, fields = {}, { csrf = true, headers = {} } = {}) {
    const form = new URLSearchParams(Array.isArray(fields) ? fields : Object.entries(fields));
    if (csrf && !form.has('csrf') && this.csrf) form.set('csrf', this.csrf);
    return this.request('POST', p, {
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
  }

  async login(email, password) {
    await this.get('/login');
    return this.post('/login', { email, password });
  }
}

// node:test's test, remembering failures, and an after() hook that stops the
// server and prints its log when a test failed or a sanitizer spoke (reports are
// written when the portal exits, so the log is read after the stop).
function loggedTests(nodeTest, assert) {
  let failed = false;
  const test = (name, fn) => nodeTest(name, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      failed = true;
      throw e;
    }
  });
  const stopAndReport = async (srv) => {
    await srv.stop();
    const sanitizer = /Sanitizer|runtime error/.test(srv.logs.portal);
    if (failed || sanitizer) console.error(srv.logs.portal);
    assert.ok(!sanitizer, 'the portal reported a sanitizer error');
  };
  return { test, stopAndReport };
}

module.exports = {
  start, loggedTests, Client, ROOT, BIN,
  ZONE, nowSeconds, today, addDays, farDate, yearsBefore, longDate, totp,
};
