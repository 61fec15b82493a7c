// oom.js: allocation-failure injection, the way SQLite tests itself.  Runs
// build/oom/portal behind nginx and sends a set of requests touching every
// route; each again and again with the Nth allocation of the request failing
// (X-Fail-Alloc: N, honoured by that build only), N = 1, 2, 3 ... until the
// request completes without reaching the failure (X-Alloc-Failed: 0).  Checks
// that every answer is the route's normal one or a 500, that the portal never
// dies (same process, /healthz answers), and after each POST that the
// database passes PRAGMA integrity_check and either changed as a complete
// request changes it or not at all.
// usage: node tests/oom/oom.js   (OOM_MAX_N bounds N per request; default none)
'use strict';
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '../..');
process.env.PORTAL_BIN = process.env.PORTAL_BIN || path.join(ROOT, 'build/oom/portal');
const { start, farDate, addDays, totp } = require('../e2e/lib');

const MAX_N = Number(process.env.OOM_MAX_N || 0) || Infinity;
const PW = 'a long enough password';
const START = farDate();
const YEAR = Number(START.slice(0, 4)) + 1;

let srv;
let pid;
let tried = 0;
let crashes = 0;
let halfWritten = 0;
let wrong = 0;
let passed = 0;
let failed = 0;
const problems = [];

// OOM_DEBUG=1 adds the end of the portal's log to each problem (with OOM_BACKTRACE=1
// in the environment, the portal prints where each failure was injected).
function problem(msg) {
  problems.push(msg);
  console.error(`oom: ${msg}`);
  if (process.env.OOM_DEBUG && srv) console.error(srv.logs.portal.slice(-2500));
}

// ------------------------------------------------------------- the database's content
// Columns that change by themselves (the jobs thread sends mail; sessions record
// their last use) are left out of the comparison.
const VOLATILE = {
  // Sending also takes a password link's token out of the stored message (secret, body).
  outbox: ['attempts', 'next_attempt_at', 'claimed_until', 'sent_at', 'failed_at', 'last_error',
    'secret', 'body'],
  sessions: ['seen_at'],
};
let snapshotSql = null;

function sqlite(args) {
  return execFileSync('sqlite3', ['-cmd', '.timeout 10000', srv.db, ...args],
    { encoding: 'utf8', maxBuffer: 1 << 28 });
}

function buildSnapshotSql() {
  const tables = srv.sql("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .map((r) => r.name);
  snapshotSql = tables.map((t) => {
    const cols = srv.sql(`PRAGMA table_info(${t})`).map((c) => c.name)
      .filter((c) => !(VOLATILE[t] || []).includes(c));
    return `SELECT '${t}' || ' ' || hex(${cols.map((c) => `quote("${c}")`).join(" || ',' || ")}) FROM "${t}"`;
  }).join(' UNION ALL ');
}

// Runs the integrity check and reads every row: { ok, rows: Map(table -> Map(row -> count)) }.
function snapshot() {
  const out = sqlite(['PRAGMA integrity_check', snapshotSql]).split('\n').filter(Boolean);
  const ok = out[0] === 'ok';
  const rows = new Map();
  for (const line of out.slice(1)) {
    const [t, r] = line.split(' ');
    if (!rows.has(t)) rows.set(t, new Map());
    const m = rows.get(t);
    m.set(r, (m.get(r) || 0) + 1);
  }
  return { ok, rows, check: out[0] };
}

// What changed from a to b, as "table +added -removed" per changed table, sorted.
function delta(a, b) {
  const out = [];
  for (const t of new Set([...a.rows.keys(), ...b.rows.keys()])) {
    const x = a.rows.get(t) || new Map();
    const y = b.rows.get(t) || new Map();
    let added = 0;
    let removed = 0;
    for (const [r, n] of y) added += Math.max(0, n - (x.get(r) || 0));
    for (const [r, n] of x) removed += Math.max(0, n - (y.get(r) || 0));
    if (added || removed) out.push(`${t} +${added} -${removed}`);
  }
  return out.sort().join(', ');
}

// The tables a delta touches: how many rows a complete request adds or removes may
// differ from the reference (a count row made the first time, updated later).
const tables = (d) => d.split(', ').map((x) => x.split(' ')[0]).join(', ');

// ---------------------------------------------------------------- the portal
async function alive() {
  if (srv.portal.exitCode !== null || srv.portal.signalCode !== null || srv.portal.pid !== pid) return false;
  try {
    return (await fetch(`${srv.base}/healthz`)).status === 200;
  } catch (e) {
    return false;
  }
}

async function send(client, req, n) {
  const headers = n ? { 'x-fail-alloc': String(n) } : {};
  if (req.method === 'GET') return client.request('GET', req.path, { headers });
  const form = new URLSearchParams(req.fields || []);
  if (!form.has('csrf') && client.csrf) form.set('csrf', client.csrf);
  return client.request('POST', req.path, {
    body: form.toString(),
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
  });
}

// One case: { name, client, make(i) -> { method, path, fields, client? } (may set up its
// own state first) }.  Runs the reference request, then N = 1, 2, ...
async function runCase(c) {
  let i = 0;
  const next = async () => {
    i += 1;
    const r = await c.make(i);
    return { method: r.method || 'GET', ...r };
  };
  const ref = await next();
  const refClient = ref.client || c.client;
  const write = ref.method === 'POST';
  let before = write ? snapshot() : null;
  const refRes = await send(refClient, ref, 0);
  const normal = refRes.status;
  const refDelta = write ? delta(before, snapshot()) : '';
  if (normal >= 500) {
    problem(`${c.name}: the reference request answered ${normal}`);
    failed += 1;
    return;
  }
  let bad = 0;
  let n = 1;
  for (; n <= MAX_N; n++) {
    const req = await next();
    const client = req.client || c.client;
    if (write) before = snapshot();
    let res;
    try {
      res = await send(client, req, n);
    } catch (e) {
      res = { status: 0, headers: new Headers() };
    }
    tried += 1;
    const reached = res.headers.get('x-alloc-failed') === '1';
    if (!(await alive())) {
      crashes += 1;
      bad += 1;
      problem(`${c.name}: N=${n}: the portal died\n${srv.logs.portal.slice(-3000)}`);
      return finish(c, bad);
    }
    const tolerated = c.alsoMay && res.status === c.alsoMay.status;
    if (res.status !== normal && res.status !== 500 && !tolerated) {
      wrong += 1;
      bad += 1;
      problem(`${c.name}: N=${n}: answered ${res.status}, expected ${normal} or 500`);
    } else if (!reached && res.status !== normal) {
      wrong += 1;
      bad += 1;
      problem(`${c.name}: N=${n}: answered ${res.status} without a failure`);
    }
    if (write) {
      const after = snapshot();
      const d = delta(before, after);
      if (!after.ok) {
        halfWritten += 1;
        bad += 1;
        problem(`${c.name}: N=${n}: integrity_check: ${after.check}`);
      } else if (tolerated ? d !== c.alsoMay.delta
        : res.status === 500 ? d !== '' && d !== c.failedMay : tables(d) !== tables(refDelta)) {
        halfWritten += 1;
        bad += 1;
        problem(`${c.name}: N=${n}: answered ${res.status}; changed [${d}], a complete request changes [${refDelta}]`);
      }
    }
    if (!reached) break;
  }
  if (n > MAX_N) n = MAX_N;
  console.log(`${bad ? 'not ok' : 'ok'} ${c.name}: ${n} allocations tried, normal answer ${normal}`);
  return finish(c, bad);
}

function finish(c, bad) {
  if (bad) failed += 1;
  else passed += 1;
}

// ---------------------------------------------------------------- the requests
async function signedIn(email) {
  const c = srv.client();
  const r = await c.login(email, PW);
  if (r.status !== 303) throw new Error(`sign-in of ${email}: ${r.status}`);
  return c;
}

function application(classId, i) {
  return [['class', String(classId)], ['first_name', 'Maria'], ['last_name', `Oom${i}`],
    ['dob', '1980-05-17'], ['email', `oom${i}.${Date.now()}@example.com`], ['phone', '(310) 555-0123'],
    ['street', '2417 Elm Avenue'], ['city', 'Torrance'], ['zip', '90503'],
    ['affiliation', 'resident'], ['affiliation', 'work'], ['work_detail', 'Torrance Memorial'],
    ['emergency_name', 'Jose Lopez'], ['emergency_phone', '310-555-0199'],
    ['referral', 'A neighbour'], ['ack_background', 'yes']];
}

let serial = 0;
function nomination(semId) {
  serial += 1;
  return [['semester', String(semId)], ['student_first_name', 'Alex'],
    ['student_last_name', `Rivera${serial}`], ['student_id', `${700000 + serial}`], ['grade', '11'],
    ['dob', `${YEAR - 16}-03-01`], ['student_email', ''], ['student_phone', ''],
    ['guardian_name', 'Pat Rivera'], ['guardian_phone', '(310) 555-0100'],
    ['guardian_email', `guardian${serial}@example.com`], ['guardian_consent', 'yes'],
    ['counselor_note', '']];
}

async function main() {
  srv = await start({ threads: 2 });
  pid = srv.portal.pid;
  let code = 1;
  try {
    code = await run();
  } finally {
    await srv.stop();
  }
  process.exitCode = code;
}

async function run() {
  for (const [role, email, name, school] of [['admin', 'admin@example.org', 'Ada Admin'],
    ['staff', 'staff@example.org', 'Sam Staff'], ['counselor', 'north@example.org', 'Nora North', 'north']]) {
    const args = ['user', 'add', '--role', role, '--email', email, '--name', name];
    if (school) args.push('--school', school);
    srv.cli(args, `${PW}\n`);
  }
  const admin = await signedIn('admin@example.org');
  const staff = await signedIn('staff@example.org');
  const north = await signedIn('north@example.org');
  const anon = srv.client();
  await anon.get('/pip/apply');

  // A class open for registration with sessions, a semester open for nominations.
  await staff.get('/admin/pip/classes');
  const [d1, d2, d3] = [0, 7, 14].map((d) => addDays(START, d));
  let r = await staff.post('/admin/pip/classes', { number: '45', start_date: d1, capacity: '1000',
    sessions: `${d1} Welcome\n${d2} Patrol operations\n${d3} Dispatch` });
  if (r.status !== 303) throw new Error(`class: ${r.status}`);
  const classId = srv.sql('SELECT id FROM cohorts WHERE number = 45')[0].id;
  await staff.post(`/admin/pip/classes/${classId}/registration`, { state: 'open' });
  r = await staff.post('/admin/tap/semesters', { term: 'fall', year: String(YEAR), start_date: `${YEAR}-09-10`,
    capacity: '1000' });
  if (r.status !== 303) throw new Error(`semester: ${r.status} ${r.text.slice(0, 500)}`);
  const semId = srv.sql("SELECT id FROM cohorts WHERE program = 'tap'")[0].id;
  await staff.post(`/admin/tap/semesters/${semId}/registration`, { state: 'open' });
  await north.get('/tap/nominate');
  r = await north.post('/tap/nominate', nomination(semId));
  if (r.status !== 303) throw new Error(`nomination: ${r.status} ${r.text.slice(0, 500)}`);
  r = await north.post('/tap/nominate', nomination(semId));
  if (r.status !== 303) throw new Error(`nomination: ${r.status}`);
  // A completed nomination has a letter.
  const doneId = srv.sql("UPDATE applications SET status = 'completed' WHERE id = (SELECT max(id) FROM applications) RETURNING id")[0].id;
  const nomId = srv.sql("SELECT a.id FROM applications a JOIN cohorts c ON c.id = a.cohort_id WHERE c.program = 'tap' LIMIT 1")[0].id;

  // An application made without failure; returns { id, ref, email }.
  const applyOk = async (i) => {
    const c = srv.client();
    await c.get('/pip/apply');
    const f = application(classId, `p${i}`);
    const res = await c.post('/pip/apply', f);
    if (res.status !== 303) throw new Error(`apply: ${res.status}`);
    const ref = res.headers.get('location').split('/').pop();
    const email = f.find(([k]) => k === 'email')[1];
    return { id: srv.sql(`SELECT id FROM applications WHERE ref = '${ref}'`)[0].id, ref, email };
  };
  const base = await applyOk(0);
  for (let k = 1; k <= 3; k++) await applyOk(k);
  const session1 = srv.sql(`SELECT number FROM cohort_sessions WHERE cohort_id = ${classId} ORDER BY number LIMIT 1`)[0].number;
  await anon.post('/pip/interest', { email: 'waiting@example.com', name: 'Wai Ting' });
  buildSnapshotSql();

  const get = (name, client, p) => ({ name: `GET ${name}`, client, make: async () => ({ path: p }) });
  // A page of personal records writes its access-log row once made, just before it is
  // sent: a failure in the sending keeps the row (an opening recorded, never one missed).
  const logged = (name, client, p) => ({ ...get(name, client, p), failedMay: 'access_log +1 -0' });
  const pip = `/admin/pip/classes/${classId}`;
  const tap = `/admin/tap/semesters/${semId}`;
  const cases = [
    get('/', anon, '/'),
    get('/pip', anon, '/pip'),
    get('/tap', anon, '/tap'),
    get('/healthz', anon, '/healthz'),
    get('/styleguide', anon, '/styleguide'),
    get('/pip/apply', anon, '/pip/apply'),
    get('/confirmation/*', anon, `/confirmation/${base.ref}`),
    get('/status', anon, '/status'),
    get('/pip/classes/*', anon, `/pip/classes/${classId}.ics`),
    get('/tap/semesters/*', anon, `/tap/semesters/${semId}.ics`),
    get('/login', anon, '/login'),
    get('/account/password', staff, '/account/password'),
    get('/forgot', anon, '/forgot'),
    get('/counselor', north, '/counselor'),
    logged('/counselor/nominations/*', north, `/counselor/nominations/${nomId}`),
    logged('/counselor/nominations/*/letter', north, `/counselor/nominations/${doneId}/letter`),
    get('/tap/nominate', north, '/tap/nominate'),
    get('/admin', staff, '/admin'),
    get('/admin/pip/classes', staff, '/admin/pip/classes'),
    get('/admin/pip/classes/*', staff, pip),
    get('/admin/tap/semesters', staff, '/admin/tap/semesters'),
    get('/admin/tap/semesters/*', staff, tap),
    get('/admin/pip/classes/*/sessions/*', staff, `${pip}/sessions/${session1}`),
    logged('/admin/applications/*', staff, `/admin/applications/${base.id}`),
    get('/admin/pip/classes/*/attendance', staff, `${pip}/attendance`),
    logged('/admin/pip/classes/*/roster', staff, `${pip}/roster`),
    get('/admin/tap/semesters/*/attendance', staff, `${tap}/attendance`),
    logged('/admin/tap/semesters/*/roster', staff, `${tap}/roster`),
    get('/admin/report', staff, '/admin/report'),
    get('/admin/users', admin, '/admin/users'),
    get('/admin/access-log', admin, '/admin/access-log'),
    get('/account/two-factor', staff, '/account/two-factor'),
    logged('/admin/pip/classes/*/applicants.csv', staff, `${pip}/applicants.csv`),
    logged('/admin/tap/semesters/*/nominations.csv', staff, `${tap}/nominations.csv`),
    logged('/admin/interest.csv', staff, '/admin/interest.csv'),
    get('/admin/pages/*', admin, '/admin/pages/pip'),
    get('/ (no such page)', anon, '/no-such-page'),
    { name: 'POST /pip/apply', client: anon,
      make: async (i) => ({ method: 'POST', path: '/pip/apply', fields: application(classId, i) }) },
    { name: 'POST /pip/apply (invalid)', client: anon,
      make: async (i) => ({ method: 'POST', path: '/pip/apply',
        fields: application(classId, i).map(([k, v]) => [k, k === 'zip' ? 'x' : v]) }) },
    { name: 'POST /pip/interest', client: anon,
      make: async (i) => ({ method: 'POST', path: '/pip/interest',
        fields: [['email', `interest${i}@example.com`], ['name', `Ina ${i}`]] }) },
    { name: 'POST /status', client: anon,
      make: async () => ({ method: 'POST', path: '/status', fields: [['ref', base.ref], ['email', base.email]] }) },
    { name: 'POST /status/withdraw', client: anon,
      make: async (i) => {
        const a = await applyOk(`w${i}`);
        return { method: 'POST', path: '/status/withdraw', fields: [['ref', a.ref], ['email', a.email], ['confirm', 'yes']] };
      } },
    // A sign-in attempt is counted before the password is checked, so that guesses
    // sent in parallel cannot pass the limit; a request failing after that keeps it
    // counted, on purpose.  The count is cleared so the limit never answers 429.
    // libsodium reports Argon2 running out of memory as a mismatch, so that failure
    // answers as a wrong password does (401, the attempt counted).
    { name: 'POST /login', client: anon, failedMay: 'login_failures +1 -0',
      alsoMay: { status: 401, delta: 'login_failures +1 -0' },
      make: async () => {
        srv.sql('DELETE FROM login_failures');
        const c = srv.client();
        await c.get('/login');
        return { method: 'POST', path: '/login', client: c,
          fields: [['email', 'staff@example.org'], ['password', PW]] };
      } },
    { name: 'POST /logout', client: anon,
      make: async () => {
        const c = await signedIn('staff@example.org');
        await c.get('/admin');
        return { method: 'POST', path: '/logout', client: c };
      } },
    { name: 'POST /forgot', client: anon,
      make: async (i) => {
        const email = `forgetful${i}@example.org`;
        srv.cli(['user', 'add', '--role', 'staff', '--email', email, '--name', `Fay ${i}`], `${PW}\n`);
        return { method: 'POST', path: '/forgot', fields: [['email', email]] };
      } },
    { name: 'POST /account/password', client: anon,
      make: async (i) => {
        const email = `changer${i}@example.org`;
        srv.cli(['user', 'add', '--role', 'staff', '--email', email, '--name', `Cy ${i}`], `${PW}\n`);
        const c = await signedIn(email);
        await c.get('/account/password');
        return { method: 'POST', path: '/account/password', client: c,
          fields: [['password', 'changed password 123'], ['password_confirm', 'changed password 123']] };
      } },
    { name: 'POST /tap/nominate', client: north,
      make: async () => ({ method: 'POST', path: '/tap/nominate', fields: nomination(semId) }) },
    { name: 'POST /admin/pip/classes', client: staff,
      make: async (i) => ({ method: 'POST', path: '/admin/pip/classes', fields: [['number', String(100 + i)],
        ['start_date', d1], ['capacity', '12'], ['sessions', `${d1} Welcome\n${d2} Patrol`]] }) },
    { name: 'POST /admin/tap/semesters', client: staff,
      make: async () => {
        // One spring semester at a time: the years a semester may have are few.
        srv.sql(`DELETE FROM cohort_sessions WHERE cohort_id IN (SELECT id FROM cohorts WHERE term = 'spring');
          DELETE FROM cohort_status_counts WHERE cohort_id IN (SELECT id FROM cohorts WHERE term = 'spring');
          DELETE FROM cohorts WHERE term = 'spring'`);
        return { method: 'POST', path: '/admin/tap/semesters', fields: [['term', 'spring'],
          ['year', String(YEAR + 1)], ['start_date', `${YEAR + 1}-02-10`], ['capacity', '12']] };
      } },
    { name: 'POST /admin/pip/classes/*/registration', client: staff,
      make: async (i) => {
        const id = srv.sql(`INSERT INTO cohorts (program, number, start_date, capacity, registration_open, created_at)
          VALUES ('pip', ${5000 + i}, '${START}', 10, 0, 0) RETURNING id`)[0].id;
        return { method: 'POST', path: `/admin/pip/classes/${id}/registration`, fields: [['state', 'closed']] };
      } },
    { name: 'POST /admin/pip/classes/*/sessions/*', client: staff,
      make: async (i) => ({ method: 'POST', path: `${pip}/sessions/${session1}`, fields: [['date', d1],
        ['start_time', '18:00'], ['end_time', '20:00'], ['location', `Room ${i}`], ['topic', 'Welcome'],
        ['notify', 'yes']] }) },
    { name: 'POST /admin/applications/*/status', client: staff,
      make: async (i) => {
        const a = await applyOk(`s${i}`);
        return { method: 'POST', path: `/admin/applications/${a.id}/status`,
          fields: [['status', 'declined'], ['note', 'oom']] };
      } },
    { name: 'POST /admin/pip/classes/*/attendance', client: staff,
      make: async (i) => ({ method: 'POST', path: `${pip}/attendance`,
        fields: [['session', String(session1)], ...(i % 2 ? [['present', String(base.id)]] : [])] }) },
    { name: 'POST /admin/pip/classes/*/complete', client: staff,
      make: async (i) => {
        const id = srv.sql(`INSERT INTO cohorts (program, number, start_date, capacity, registration_open, created_at)
          VALUES ('pip', ${7000 + i}, '${START}', 10, 0, 0) RETURNING id`)[0].id;
        return { method: 'POST', path: `/admin/pip/classes/${id}/complete` };
      } },
    { name: 'POST /admin/users', client: admin,
      make: async (i) => (await admin.get('/admin/users'), { method: 'POST', path: '/admin/users',
        fields: [['email', `made${i}@example.org`], ['name', `Mo ${i}`], ['role', 'staff']] }) },
    { name: 'POST /admin/users/*/disable', client: admin,
      make: async (i) => {
        const id = srv.sql(`INSERT INTO users (email, name, role, created_at) VALUES
          ('gone${i}@example.org', 'Gone ${i}', 'staff', 0) RETURNING id`)[0].id;
        return { method: 'POST', path: `/admin/users/${id}/disable` };
      } },
    { name: 'POST /login/two-factor', client: anon, failedMay: 'login_failures +1 -0',
      make: async (i) => {
        // A new account with TOTP each time: its recovery codes answer the second step.
        const email = `second${i}@example.org`;
        srv.cli(['user', 'add', '--role', 'staff', '--email', email, '--name', `Sy ${i}`], `${PW}\n`);
        const a = await signedIn(email);
        const secret = (await a.get('/account/two-factor')).text.match(/id="secret">([A-Z2-7]{32})</)[1];
        await a.post('/account/two-factor', { code: totp(secret) });
        const code = (await a.get('/account/two-factor')).text.match(/<li>([0-9A-Z]{5}-[0-9A-Z]{5})<\/li>/)[1];
        srv.sql('DELETE FROM login_failures');
        const c = srv.client();
        await c.login(email, PW);
        await c.get('/login/two-factor');
        return { method: 'POST', path: '/login/two-factor', client: c, fields: [['code', code]] };
      } },
    { name: 'POST /admin/users/*/reset-two-factor', client: admin,
      make: async (i) => {
        const id = srv.sql(`INSERT INTO users (email, name, role, created_at, totp_secret) VALUES
          ('reset${i}@example.org', 'Reset ${i}', 'staff', 0, 's1:x') RETURNING id`)[0].id;
        return { method: 'POST', path: `/admin/users/${id}/reset-two-factor` };
      } },
    { name: 'POST /admin/pages/*', client: admin,
      make: async (i) => ({ method: 'POST', path: '/admin/pages/pip',
        fields: [['markdown', `## Pip ${i}\n\nThe *program* page, version ${i}.`], ['action', 'save']] }) },
  ];
  const only = process.env.OOM_ONLY;
  for (const c of cases) {
    if (only && !c.name.includes(only)) continue;
    try {
      await runCase(c);
    } catch (e) {
      failed += 1;
      problem(`${c.name}: ${e.stack}`);
      if (!(await alive())) break;
    }
    if (crashes) break;
  }
  console.log(`oom: ${tried} failure points tried, ${crashes} crashes, ${halfWritten} half-written, ${wrong} wrong answers`);
  console.log(`oom: ${passed} passed, ${failed} failed`);
  return failed || crashes || halfWritten || wrong ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  if (srv) console.error(srv.logs.portal.slice(-3000));
  process.exitCode = 1;
});
