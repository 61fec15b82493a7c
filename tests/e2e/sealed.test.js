// sealed.test.js: the most sensitive personal data is encrypted at rest (SPEC.md,
// Security and data): not in the database file, its WAL or a backup, yet shown on
// the pages and in the exports; duplicates still refused; a database of plain
// values sealed in place; rekey; backups of mode 0600 and encrypted ones.
'use strict';
const { test: nodeTest, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { start, loggedTests, ROOT, BIN, farDate, today } = require('./lib');

let srv;
const PW = 'a long enough password';
before(async () => {
  srv = await start();
  srv.cli(['user', 'add', '--role', 'staff', '--email', 'desk@example.org', '--name', 'Desk'], `${PW}\n`);
  srv.cli(['user', 'add', '--role', 'counselor', '--school', 'north', '--email', 'n@example.org',
    '--name', 'North Counselor'], `${PW}\n`);
});
const { test, stopAndReport } = loggedTests(nodeTest, assert);
after(() => stopAndReport(srv));

function portal(args, opts = {}) {
  return spawnSync(BIN, args, { encoding: 'utf8', timeout: 30000, ...opts });
}
function sqlite(db, query) {
  const out = execFileSync('sqlite3', ['-json', '-cmd', '.timeout 10000', db, query], { encoding: 'utf8' });
  return out.trim() ? JSON.parse(out) : [];
}
function tmpdir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-sealed-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// The details the tests look for in the files: none may appear there.
const PIP = {
  first_name: 'Quintessa', last_name: 'Vandermolen', dob: '1971-08-23', email: 'quintessa@example.com',
  phone: '(310) 555-0142', street: '1 Sealed Way', city: 'Torrance', zip: '90503',
  affiliation: 'resident', emergency_name: 'Octavia Vandermolen', emergency_phone: '310-555-0187',
  accommodations: 'Hearing loop zebrafinch please', referral: '', ack_background: 'yes',
};
const TAP = {
  student_first_name: 'Barnaby', student_last_name: 'Quillfeather', student_id: 'QX4417723',
  grade: '12', student_email: 'barnaby.q@example.com', student_phone: '(310) 555-0163',
  guardian_name: 'Hortensia Quillfeather', guardian_phone: '(310) 555-0179',
  guardian_email: 'hortensia.q@example.com', guardian_consent: 'yes', counselor_note: '',
};
// (Not the e-mail addresses, nor the guardian's name: a message to the guardian keeps
// its recipient, and greets them by name, in the outbox until retention erases it.)
const SECRETS = ['1971-08-23', '08/23/1971', '3105550187', '310-555-0187', 'zebrafinch',
  'Octavia', 'QX4417723', '3105550179', '310-555-0179', '3105550163'];

function absent(file, what) {
  if (!fs.existsSync(file)) return;
  const bytes = fs.readFileSync(file).toString('latin1');
  for (const s of SECRETS) assert.ok(!bytes.includes(s), `${what} holds ${s}`);
}

let pipClass;
let tapSem;
let pipRef;
let tapRef;
let tapDob;

async function signIn(email) {
  const c = srv.client();
  const r = await c.login(email, PW);
  assert.equal(r.status, 303);
  return c;
}

async function applyPip(fields) {
  const c = srv.client();
  await c.get('/pip/apply');
  return c.post('/pip/apply', { class: String(pipClass), ...fields });
}

async function nominate(c, fields) {
  await c.get('/tap/nominate');
  return c.post('/tap/nominate', { semester: String(tapSem), ...fields });
}

test('personal data is in no file of the database or a backup, and shown opened', async (t) => {
  const first = farDate();
  [{ id: pipClass }] = srv.sql(`INSERT INTO cohorts (program, number, start_date, capacity,
    registration_open, created_at) VALUES ('pip', 91, '${first}', 25, 1, 0) RETURNING id`);
  srv.sql(`INSERT INTO cohort_sessions (cohort_id, number, date, topic) VALUES (${pipClass}, 1, '${first}', 'One')`);
  const year = Number(today().slice(0, 4)) + 2;
  [{ id: tapSem }] = srv.sql(`INSERT INTO cohorts (program, term, year, start_date, capacity,
    registration_open, created_at) VALUES ('tap', 'spring', ${year}, '${year}-01-20', 25, 1, 0) RETURNING id`);
  srv.sql(`INSERT INTO cohort_sessions (cohort_id, number, date, topic) VALUES (${tapSem}, 1, '${year}-01-20', 'One')`);
  tapDob = `${year - 17}-03-01`;

  let r = await applyPip(PIP);
  assert.equal(r.status, 303, r.text.slice(0, 400));
  pipRef = r.headers.get('location').match(/P-[0-9A-Z-]+/)[0];
  const counselor = await signIn('n@example.org');
  r = await nominate(counselor, { ...TAP, dob: tapDob });
  assert.equal(r.status, 303, r.text.slice(0, 400));
  tapRef = r.headers.get('location').match(/T-[0-9A-Z-]+/)[0];

  // Sealed in the table, with hashes for the duplicate checks.
  const [p] = srv.sql(`SELECT * FROM applications WHERE ref = '${pipRef}'`);
  for (const c of ['dob', 'emergency_name', 'emergency_phone', 'accommodations']) assert.match(p[c], /^s1:/, c);
  assert.equal(p.email, PIP.email); // a PIP applicant's address finds the application: plain
  assert.match(p.dob_hash, /^[0-9a-f]{64}$/);
  const [n] = srv.sql(`SELECT * FROM applications WHERE ref = '${tapRef}'`);
  for (const c of ['dob', 'student_id', 'guardian_name', 'guardian_phone', 'guardian_email', 'email', 'phone']) {
    assert.match(n[c], /^s1:/, c);
  }
  assert.match(n.student_id_hash, /^[0-9a-f]{64}$/);

  // The database file, its WAL and a plain backup hold none of them.
  const dir = tmpdir(t);
  const backup = path.join(dir, 'plain.db');
  srv.cli(['backup', backup]);
  absent(srv.db, 'the database');
  absent(`${srv.db}-wal`, 'the WAL');
  absent(backup, 'a plain backup');
  srv.sql('PRAGMA wal_checkpoint(TRUNCATE)');
  absent(srv.db, 'the database after a checkpoint');

  // Pages and exports show them opened.
  const staff = await signIn('desk@example.org');
  r = await staff.get(`/admin/applications/${p.id}`);
  assert.equal(r.status, 200);
  for (const s of ['1971-08-23', 'Octavia Vandermolen', '310-555-0187', 'zebrafinch']) assert.ok(r.text.includes(s), s);
  r = await staff.get(`/admin/applications/${n.id}`);
  assert.equal(r.status, 200);
  for (const s of ['QX4417723', 'Hortensia Quillfeather', '310-555-0179', 'hortensia.q@example.com',
    'barnaby.q@example.com']) assert.ok(r.text.includes(s), s);
  r = await staff.get(`/admin/pip/classes/${pipClass}/applicants.csv`);
  assert.equal(r.status, 200);
  for (const s of ['1971-08-23', 'Octavia Vandermolen', '310-555-0187', 'zebrafinch']) assert.ok(r.text.includes(s), s);
  r = await staff.get(`/admin/tap/semesters/${tapSem}/nominations.csv`);
  assert.equal(r.status, 200);
  for (const s of ['QX4417723', tapDob, 'Hortensia Quillfeather', '310-555-0179', 'hortensia.q@example.com',
    '310-555-0163']) assert.ok(r.text.includes(s), s);
  r = await counselor.get(`/counselor/nominations/${n.id}`);
  assert.equal(r.status, 200);
  for (const s of ['QX4417723', 'Hortensia Quillfeather', '310-555-0179']) assert.ok(r.text.includes(s), s);
  // The e-mails reached the guardian (the address was opened to send them).
  const to = srv.sql(`SELECT recipient FROM outbox WHERE body LIKE '%${tapRef}%'`).map((x) => x.recipient);
  assert.ok(to.includes(TAP.guardian_email), to.join());
  // The status lookup still knows the guardian's address.
  const pub = srv.client();
  await pub.get('/status');
  r = await pub.post('/status', { ref: tapRef, email: 'HORTENSIA.Q@example.com' });
  assert.equal(r.status, 303);
  r = await pub.get(r.headers.get('location'));
  assert.equal(r.status, 200);
  assert.match(r.text, /Barnaby/);
});

test('duplicates are still refused: PIP by name and date of birth, TAP by student ID', async () => {
  let r = await applyPip({ ...PIP, email: 'other.address@example.com' });
  assert.equal(r.status, 409);
  r = await applyPip({ ...PIP, email: 'third.address@example.com', dob: '1971-08-24' });
  assert.equal(r.status, 303, 'another date of birth is another person');
  const counselor = await signIn('n@example.org');
  r = await nominate(counselor, { ...TAP, student_first_name: 'Other', dob: tapDob });
  assert.equal(r.status, 409);
});

// A key file made with `portal keygen` in dir.
function keygen(dir, name) {
  const key = path.join(dir, name);
  const r = portal(['keygen', key]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(fs.statSync(key).mode & 0o777, 0o400);
  assert.notEqual(portal(['keygen', key]).status, 0, 'keygen overwrote a key');
  return key;
}

test('serve refuses to start without a key, or with one that does not open the data', (t) => {
  const dir = tmpdir(t);
  const other = keygen(dir, 'other.key');
  let r = portal(['--db', srv.db, '--datadir', ROOT, 'serve', '--socket', path.join(dir, 's')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /needs the key file/);
  r = portal(['--db', srv.db, '--datadir', ROOT, '--key-file', other, 'migrate']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /does not open the sealed values/);
});

test('backups: 0600 under umask 000; an encrypted one restores, a damaged or foreign one is refused', (t) => {
  const dir = tmpdir(t);
  const plain = path.join(dir, 'plain.db');
  const enc = path.join(dir, 'enc.db');
  const sh = (cmd) => spawnSync('sh', ['-c', `umask 000; ${cmd}`], { encoding: 'utf8' });
  const base = `'${BIN}' --db '${srv.db}' --datadir '${ROOT}' --key-file '${srv.key}'`;
  let r = sh(`${base} backup '${plain}'`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(fs.statSync(plain).mode & 0o777, 0o600);
  r = sh(`${base} backup --encrypt '${enc}'`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(fs.statSync(enc).mode & 0o777, 0o600);
  assert.equal(fs.readdirSync(dir).sort().join(), 'enc.db,plain.db', 'a temporary file was left');
  const bytes = fs.readFileSync(enc);
  assert.equal(bytes.subarray(0, 16).toString(), 'portal-backup-1\n');
  assert.ok(!bytes.includes('SQLite format 3'), 'the encrypted backup shows SQLite');
  assert.ok(!bytes.includes('Vandermolen'), 'the encrypted backup shows a name');

  // Restored into a fresh database, with the key.
  const fresh = path.join(dir, 'fresh.db');
  r = portal(['--db', fresh, '--datadir', ROOT, '--key-file', srv.key, 'restore', enc]);
  assert.equal(r.status, 0, r.stderr);
  const refs = (db) => sqlite(db, 'SELECT ref, dob FROM applications ORDER BY id');
  assert.deepEqual(refs(fresh), refs(plain));
  assert.ok(!fs.readdirSync(dir).some((f) => f.includes('restore-')), 'a decrypted file was left');

  // Refused, changing nothing: without a key, damaged, truncated, with a byte more, another key.
  const target = path.join(dir, 'target.db');
  assert.equal(portal(['--db', target, '--datadir', ROOT, 'migrate']).status, 0);
  sqlite(target, "INSERT INTO interest (email, name, created_at) VALUES ('keep@example.com', 'K', 1)");
  const unchanged = () => assert.deepEqual(sqlite(target, 'SELECT email FROM interest'), [{ email: 'keep@example.com' }]);
  const restore = (file, key = srv.key) => portal(['--db', target, '--datadir', ROOT,
    ...(key ? ['--key-file', key] : []), 'restore', file]);
  r = restore(enc, null);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /needs the key file/);
  const write = (name, buf) => { const f = path.join(dir, name); fs.writeFileSync(f, buf); return f; };
  const damaged = Buffer.from(bytes);
  damaged[Math.floor(bytes.length / 2)] ^= 0x40;
  r = restore(write('damaged.db', damaged));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /damaged; nothing was changed/);
  r = restore(write('short.db', bytes.subarray(0, bytes.length - 100)));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /truncated/);
  r = restore(write('cut.db', bytes.subarray(0, 60)));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /truncated/);
  r = restore(write('longer.db', Buffer.concat([bytes, Buffer.from('x')])));
  assert.equal(r.status, 1);
  r = restore(enc, keygen(dir, 'foreign.key'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /encrypted with another key; nothing was changed/);
  unchanged();
  assert.ok(!fs.readdirSync(dir).some((f) => f.includes('restore-')), 'a decrypted file was left');
});

test('a database of plain values is sealed in place at start-up, and shown as before', async (t) => {
  const dir = tmpdir(t);
  const old = path.join(dir, 'v4');
  fs.mkdirSync(path.join(old, 'sql'), { recursive: true });
  for (const f of fs.readdirSync(path.join(ROOT, 'sql')).filter((x) => x < '005')) {
    fs.copyFileSync(path.join(ROOT, 'sql', f), path.join(old, 'sql', f));
  }
  const db = path.join(dir, 'portal.db');
  let r = portal(['--db', db, '--datadir', old, 'migrate']);
  assert.equal(r.status, 0, r.stderr);
  const first = farDate();
  sqlite(db, `
    INSERT INTO cohorts (id, program, number, start_date, capacity, registration_open, created_at)
      VALUES (1, 'pip', 60, '${first}', 25, 1, 1700000000);
    INSERT INTO cohorts (id, program, term, year, start_date, capacity, registration_open, created_at)
      VALUES (2, 'tap', 'fall', 2099, '2099-09-10', 25, 1, 1700000000);
    INSERT INTO applications (id, ref, cohort_id, status, submitted_at, status_at, first_name, last_name,
      dob, email, phone, street, city, zip, emergency_name, emergency_phone, accommodations, referral)
      VALUES (1, 'P-OLD0-0001', 1, 'submitted', 1700000100, 1700000100, 'Quintessa', 'Vandermolen',
      '1971-08-23', 'q@example.com', '3105550142', '1 Elm', 'Torrance', '90503', 'Octavia Vandermolen',
      '3105550187', 'zebrafinch loop', '');
    INSERT INTO applications (id, ref, cohort_id, status, submitted_at, status_at, first_name, last_name,
      dob, email, phone, school, student_id, grade, guardian_name, guardian_phone, guardian_email,
      guardian_consent) VALUES (2, 'T-OLD0-0002', 2, 'submitted', 1700000200, 1700000200, 'Barnaby',
      'Quillfeather', '2082-03-01', 'barnaby.q@example.com', '3105550163', 'north', 'QX4417723', 11,
      'Hortensia Quillfeather', '3105550179', 'hortensia.q@example.com', 1);
    INSERT INTO applications (id, ref, cohort_id, status, submitted_at, status_at, erased_at)
      VALUES (3, 'P-OLD0-0003', 1, 'withdrawn', 1, 1, 2);
    INSERT INTO audit (application_id, at, actor, to_status) VALUES (1, 1700000100, 'applicant', 'submitted');
  `);
  const key = keygen(dir, 'portal.key');
  // Without the key, migrate leaves the values as they are.
  r = portal(['--db', db, '--datadir', ROOT, 'migrate']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(sqlite(db, 'SELECT dob FROM applications WHERE id = 1')[0].dob, '1971-08-23');
  r = portal(['--db', db, '--datadir', ROOT, '--key-file', key, 'migrate']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /sealed the personal data of 2 applications/);
  const rows = sqlite(db, 'SELECT * FROM applications ORDER BY id');
  for (const c of ['dob', 'emergency_name', 'emergency_phone', 'accommodations']) assert.match(rows[0][c], /^s1:/, c);
  assert.equal(rows[0].email, 'q@example.com');
  for (const c of ['dob', 'student_id', 'guardian_name', 'guardian_phone', 'guardian_email', 'email', 'phone']) {
    assert.match(rows[1][c], /^s1:/, c);
  }
  assert.match(rows[1].student_id_hash, /^[0-9a-f]{64}$/);
  assert.equal(rows[2].dob, null);
  assert.equal(rows[2].dob_hash, null);
  sqlite(db, 'PRAGMA wal_checkpoint(TRUNCATE); VACUUM');
  absent(db, 'the database sealed in place');
  // Idempotent: a second run changes nothing.
  const again = sqlite(db, 'SELECT * FROM applications ORDER BY id');
  r = portal(['--db', db, '--datadir', ROOT, '--key-file', key, 'migrate']);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /sealed/);
  assert.deepEqual(sqlite(db, 'SELECT * FROM applications ORDER BY id'), again);

  // Rekey: everything re-sealed under the new key, which alone opens it afterwards.
  const fresh = keygen(dir, 'new.key');
  r = portal(['--db', db, '--datadir', ROOT, '--key-file', key, 'rekey', '--new-key', fresh]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /re-sealed 3 applications/);
  const rekeyed = sqlite(db, 'SELECT * FROM applications ORDER BY id');
  assert.notEqual(rekeyed[0].dob, again[0].dob);
  assert.notEqual(rekeyed[0].dob_hash, again[0].dob_hash);
  assert.match(rekeyed[0].dob, /^s1:/);
  r = portal(['--db', db, '--datadir', ROOT, '--key-file', key, 'migrate']);
  assert.equal(r.status, 1, 'the old key still opens the data');
  r = portal(['--db', db, '--datadir', ROOT, '--key-file', key, 'rekey', '--new-key', key]);
  assert.equal(r.status, 1);

  // Served with the new key: the pages show the values, and the duplicate check finds them.
  const s2 = await start();
  t.after(() => s2.stop());
  s2.portal.kill('SIGTERM');
  await s2.portalExit;
  for (const f of [s2.db, `${s2.db}-wal`, `${s2.db}-shm`, s2.key]) fs.rmSync(f, { force: true });
  fs.copyFileSync(db, s2.db);
  fs.copyFileSync(fresh, s2.key);
  fs.chmodSync(s2.key, 0o400);
  await s2.startPortal();
  s2.cli(['user', 'add', '--role', 'staff', '--email', 'desk@example.org', '--name', 'Desk'], `${PW}\n`);
  const staff = s2.client();
  assert.equal((await staff.login('desk@example.org', PW)).status, 303);
  r = await staff.get('/admin/applications/1');
  assert.equal(r.status, 200);
  for (const x of ['1971-08-23', 'Octavia Vandermolen', '310-555-0187', 'zebrafinch']) assert.ok(r.text.includes(x), x);
  r = await staff.get('/admin/applications/2');
  assert.equal(r.status, 200);
  for (const x of ['QX4417723', 'Hortensia Quillfeather', '310-555-0179', 'barnaby.q@example.com']) {
    assert.ok(r.text.includes(x), x);
  }
  const c = s2.client();
  await c.get('/pip/apply');
  r = await c.post('/pip/apply', { class: '1', ...PIP, email: 'yet.another@example.com' });
  assert.equal(r.status, 409, 'the sealed-in-place application is not found as a duplicate');
});
