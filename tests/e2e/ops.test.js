// ops.test.js: running the portal for years: make install and uninstall, the
// configuration file, backup under load and restore, upgrades from the first
// schema, the nginx site, the systemd units and the manual.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { execFile, execFileSync, spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const https = require('node:https');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { start, ROOT, BIN, farDate, addDays } = require('./lib');

// A temporary folder, removed when the test ends.
function tmpdir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-ops-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Runs the portal; never throws: returns { status, stdout, stderr }.  A
// command that should end at once is killed after 20 s rather than hang the test.
function portal(args, input = '') {
  return spawnSync(BIN, args, { input, encoding: 'utf8', timeout: 20000 });
}

function sqlite(db, query) {
  const out = execFileSync('sqlite3', ['-json', '-cmd', '.timeout 10000', db, query],
    { encoding: 'utf8' });
  return out.trim() ? JSON.parse(out) : [];
}

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

// Every file (not folder) under dir, as sorted paths relative to it.
function filesUnder(dir, kind = 'file') {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (kind === 'dir') out.push(path.relative(dir, p));
        walk(p);
      } else if (kind === 'file') {
        out.push(path.relative(dir, p));
      }
    }
  };
  walk(dir);
  return out.sort();
}

function latestMigration() {
  return Math.max(...fs.readdirSync(path.join(ROOT, 'sql'))
    .filter((f) => /^\d{3}_.*\.sql$/.test(f)).map((f) => Number(f.slice(0, 3))));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------- make install

test('make install puts exactly the expected files under PREFIX; uninstall takes them away', (t) => {
  const dest = tmpdir(t);
  // -o portal: install what the build made; never rebuild it under the other tests' feet.
  const make = (target) => execFileSync('make', ['-s', '-C', ROOT, '-o', 'portal', target,
    `DESTDIR=${dest}`, 'PREFIX=/usr/local'], { encoding: 'utf8', stdio: 'pipe' });
  make('install');
  const list = (dir, re) => fs.readdirSync(path.join(ROOT, dir)).filter((f) => re.test(f))
    .map((f) => `usr/local/share/portal/${dir}/${f}`);
  const expected = [
    'usr/local/bin/portal',
    'usr/local/share/man/man8/portal.8',
    'usr/local/share/doc/portal/portal.conf.example',
    'usr/local/share/doc/portal/portal.service',
    'usr/local/share/doc/portal/portal-backup.service',
    'usr/local/share/doc/portal/portal-backup.timer',
    'usr/local/share/doc/portal/nginx-site.conf',
    ...list('templates', /\.mustache$/),
    ...list('static', /./),
    ...list('sql', /^\d{3}_.*\.sql$/),
    ...list('po', /\.pot?$/),
  ].sort();
  assert.ok(expected.some((f) => f.endsWith('/po/ja.po')));
  assert.ok(expected.some((f) => f.endsWith('/sql/001_init.sql')));
  assert.ok(expected.some((f) => f.endsWith('/templates/layout.mustache')));
  assert.ok(expected.some((f) => f.endsWith('/static/portal.css')));
  assert.deepEqual(filesUnder(dest), expected);
  for (const f of expected) {
    const mode = fs.statSync(path.join(dest, f)).mode & 0o777;
    assert.equal(mode, f.endsWith('/bin/portal') ? 0o755 : 0o644, `mode of ${f}`);
  }
  for (const f of expected.filter((x) => !x.endsWith('/bin/portal'))) {
    const src = f.includes('/share/portal/') ? f.replace('usr/local/share/portal/', '')
      : f.endsWith('portal.8') ? 'portal.8' : `etc/${path.basename(f)}`;
    assert.ok(fs.readFileSync(path.join(dest, f)).equals(fs.readFileSync(path.join(ROOT, src))),
      `${f} differs from ${src}`);
  }

  // The installed program works from the installed data alone.
  const work = tmpdir(t);
  const share = path.join(dest, 'usr/local/share/portal');
  const r = spawnSync(path.join(dest, 'usr/local/bin/portal'),
    ['--db', path.join(work, 'x.db'), '--datadir', share, 'migrate'],
    { cwd: work, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`schema version ${latestMigration()}$`, 'm'));

  make('uninstall');
  assert.deepEqual(filesUnder(dest), [], 'files left after make uninstall');
  // The portal's own folders are gone; only the shared hierarchy may stay.
  const shared = ['usr', 'usr/local', 'usr/local/bin', 'usr/local/share',
    'usr/local/share/doc', 'usr/local/share/man', 'usr/local/share/man/man8'];
  for (const d of filesUnder(dest, 'dir')) assert.ok(shared.includes(d), `${d} left behind`);
  assert.ok(!fs.existsSync(path.join(share)));
  assert.ok(!fs.existsSync(path.join(dest, 'usr/local/share/doc/portal')));
});

// ---------------------------------------------------------------- configuration

test('configuration errors name the file and the line, and stop with status 2', (t) => {
  const dir = tmpdir(t);
  const db = path.join(dir, 'x.db');
  const conf = path.join(dir, 'bad.conf');
  const cases = [
    ['colour = blue', /colour is not a setting the portal knows/],
    ['threads = many', /threads expects a whole number from 1 to 256/],
    ['threads = 0', /threads expects a whole number from 1 to 256/],
    ['socket_mode = 0666', /socket_mode must not give other users access/],
    ['base_url = programs.example.org', /base_url expects an address starting with https/],
    ['secure_cookies = maybe', /secure_cookies expects yes, no or auto/],
    ['database =', /database needs a value/],
    ['sendmail =', /sendmail needs a value/],
    ['retention_days = 30 days', /retention_days expects a whole number/],
    ['just words', /expected 'key = value'/],
  ];
  for (const [line, why] of cases) {
    fs.writeFileSync(conf, `# portal.conf\n\n${line}\nthreads = 2\n`);
    const r = portal(['--config', conf, '--db', db, 'migrate']);
    assert.equal(r.status, 2, `${line}: status ${r.status}`);
    const esc = conf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(r.stderr, new RegExp(`^${esc}:3: `, 'm'), `${line}: ${r.stderr}`);
    assert.match(r.stderr, why, line);
    assert.equal(r.stdout, '');
    assert.ok(!fs.existsSync(db), `${line}: the database was opened despite the error`);
  }
  // A file given with --config must exist.
  const missing = portal(['--config', path.join(dir, 'missing.conf'), '--db', db, 'migrate']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read .*missing\.conf: No such file/);
  // The same checks apply to the options of serve.
  const opt = portal(['--db', db, 'serve', '--threads', 'many']);
  assert.equal(opt.status, 2);
  assert.match(opt.stderr, /threads: expects a whole number from 1 to 256/);
  // A good file is applied: the command line wins over it.
  fs.writeFileSync(conf, `# comment\n  database = ${path.join(dir, 'from-conf.db')}  \n`);
  assert.equal(portal(['--config', conf, '--datadir', ROOT, 'migrate']).status, 0);
  assert.ok(fs.existsSync(path.join(dir, 'from-conf.db')));
  assert.equal(portal(['--config', conf, '--datadir', ROOT, '--db', db, 'migrate']).status, 0);
  assert.ok(fs.existsSync(db));
});

test('every command takes its options before or after its name; anything else is status 2', (t) => {
  const dir = tmpdir(t);
  const db = path.join(dir, 'x.db');
  // Run from an empty folder, so that a command that ignored --db would make var/portal.db here.
  const run = (args, input = '') => spawnSync(BIN, args, { cwd: dir, input, encoding: 'utf8',
    timeout: 20000 });
  const m = run(['migrate', '--db', db, '--datadir', ROOT]);
  assert.equal(m.status, 0, m.stderr);
  assert.match(m.stdout, new RegExp(`^database ${db} is at schema version ${latestMigration()}$`, 'm'));
  assert.ok(fs.existsSync(db));
  assert.ok(!fs.existsSync(path.join(dir, 'var')), 'migrate --db worked on var/portal.db');
  sqlite(db, "INSERT INTO settings (key, value) VALUES ('marker', 'here')");
  const b1 = path.join(dir, 'after.db');
  const b2 = path.join(dir, 'before.db');
  const b3 = path.join(dir, 'equals.db');
  for (const [args, file] of [[['backup', '--db', db, '--datadir', ROOT, b1], b1],
    [['--db', db, '--datadir', ROOT, 'backup', b2], b2],
    [['--datadir', ROOT, 'backup', b3, `--db=${db}`], b3]]) {
    const r = run(args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.deepEqual(sqlite(file, "SELECT value FROM settings WHERE key = 'marker'"), [{ value: 'here' }]);
  }
  assert.ok(!fs.existsSync(path.join(dir, 'var')));
  const user = ['--role', 'admin', '--email', 'cli@example.org', '--name', 'Cli Admin'];
  const refused = [
    ['migrate', '--bogus'],
    ['--bogus', 'migrate'],
    ['migrate', 'extra'],
    ['serve', 'stray'],
    ['serve', '--demo'],
    ['backup'],
    ['backup', b1, 'stray'],
    ['restore'],
    ['user', 'add', 'stray', ...user],
    ['user', 'add', ...user, 'stray'],
    ['user', 'remove', ...user],
    ['user'],
    ['bootstrap', 'now'],
    ['bootstrap', '--demo=yes'],
    ['migrate', '--db'],
    ['migrate', '--db', db, '--db', db],
    ['-x', 'migrate'],
    ['launch'],
    [],
  ];
  const before = fs.readFileSync(db);
  for (const args of refused) {
    const r = run([...args.includes('--db') ? [] : ['--db', db], '--datadir', ROOT, ...args],
      'a-long-password-1\n');
    assert.equal(r.status, 2, `${args.join(' ')}: status ${r.status}`);
    assert.match(r.stderr, /^usage: portal /m, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
  }
  assert.ok(fs.readFileSync(db).equals(before), 'a refused command changed the database');
  assert.deepEqual(sqlite(db, 'SELECT count(*) AS n FROM users'), [{ n: 0 }]);
  // The same user add, with its options on both sides of its name, works.
  const ok = run(['--role', 'admin', 'user', '--db', db, 'add', '--datadir', ROOT,
    '--email', 'cli@example.org', '--name=Cli Admin'], 'a-long-password-1\n');
  assert.equal(ok.status, 0, ok.stderr);
  assert.deepEqual(sqlite(db, 'SELECT email, name, role FROM users'),
    [{ email: 'cli@example.org', name: 'Cli Admin', role: 'admin' }]);
  assert.ok(!fs.existsSync(path.join(dir, 'var')));
  const help = run(['migrate', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^usage: portal /);
});

const KEYS = ['database', 'socket', 'socket_mode', 'datadir', 'threads', 'sendmail', 'mail_from',
  'site_name', 'department_contact', 'department_phone', 'department_email', 'base_url',
  'mail_retry_seconds', 'retention_days', 'secure_cookies', 'time_zone', 'default_location',
  'key_file', 'access_log_days', 'require_two_factor'];

test('the example configuration documents every key and parses, defaults included', (t) => {
  const dir = tmpdir(t);
  const example = fs.readFileSync(path.join(ROOT, 'etc/portal.conf.example'), 'utf8');
  const man = fs.readFileSync(path.join(ROOT, 'portal.8'), 'utf8');
  for (const k of KEYS) {
    assert.match(example, new RegExp(`^#?${k} = `, 'm'), `example lacks ${k}`);
    assert.match(man, new RegExp(`^\\.It Ic ${k} No = `, 'm'), `portal.8 lacks ${k}`);
  }
  const keys = [...example.matchAll(/^#?([a-z_]+) = /gm)].map((m) => m[1]);
  assert.deepEqual([...new Set(keys)].sort(), [...KEYS].sort(), 'unknown keys in the example');
  const db = path.join(dir, 'x.db');
  // (The example's key_file is where make install's set-up puts it; here, a test key.)
  const key = path.join(dir, 'portal.key');
  assert.equal(portal(['keygen', key]).status, 0);
  const r = portal(['--config', path.join(ROOT, 'etc/portal.conf.example'), '--db', db,
    '--datadir', ROOT, '--key-file', key, 'migrate']);
  assert.equal(r.status, 0, r.stderr);
  // Every commented default, switched on, is valid too.
  const all = path.join(dir, 'all.conf');
  fs.writeFileSync(all, example.replace(/^#([a-z_]+ = )/gm, '$1'));
  const r2 = portal(['--config', all, '--db', db, '--datadir', ROOT, '--key-file', key, 'migrate']);
  assert.equal(r2.status, 0, r2.stderr);
});

// ---------------------------------------------------------------- backup and restore

// Opens a PIP class large enough for every application of the test, its ten daily
// sessions far enough ahead that no reminder or rule of the day touches them.
function openClass(srv) {
  const first = farDate();
  srv.sql('UPDATE cohorts SET registration_open = 0');
  const [{ id }] = srv.sql(`INSERT INTO cohorts (program, number, start_date, capacity,
    registration_open, created_at) VALUES ('pip', 90, '${first}', 100000, 1, 0)
    RETURNING id`);
  const rows = [];
  for (let n = 1; n <= 10; n++) rows.push(`(${id}, ${n}, '${addDays(first, n - 1)}', 'Session ${n}')`);
  srv.sql(`INSERT INTO cohort_sessions (cohort_id, number, date, topic) VALUES ${rows.join(', ')}`);
  return id;
}

let serial = 0;
async function apply(srv, classId) {
  serial += 1;
  const n = serial; // taken now: other clients move serial on while this one waits
  const c = srv.client();
  await c.get('/pip/apply');
  const r = await c.post('/pip/apply', [
    ['class', String(classId)], ['first_name', 'Load'], ['last_name', `Tester${n}`],
    ['dob', '1975-02-03'], ['email', `load${n}@example.com`], ['phone', '310-555-0142'],
    ['street', '3300 Civic Center Drive'], ['city', 'Torrance'], ['zip', '90503'],
    ['affiliation', 'resident'], ['work_detail', ''], ['school_detail', ''], ['faith_detail', ''],
    ['civic_detail', ''], ['other_detail', ''], ['emergency_name', 'Kin Tester'],
    ['emergency_phone', '310-555-0143'], ['accommodations', ''], ['referral', ''],
    ['ack_background', 'yes'],
  ]);
  assert.equal(r.status, 303, r.text.slice(0, 300));
}

const refs = (db) => sqlite(db, 'SELECT ref FROM applications ORDER BY ref').map((x) => x.ref);

test('a backup taken under load is sound and restores into a fresh database', async (t) => {
  const dir = tmpdir(t);
  const srv = await start();
  let stopped = false;
  t.after(async () => { if (!stopped) await srv.stop(); });
  const classId = openClass(srv);
  const backup = path.join(dir, 'portal-backup.db');

  // Four clients apply without pause while the backup is taken.  A client
  // that fails stops them all, so that no loop below waits for it forever.
  let done = 0;
  let halt = false;
  const writers = [1, 2, 3, 4].map(async () => {
    try {
      while (!halt) {
        await apply(srv, classId);
        done += 1;
      }
    } finally {
      halt = true;
    }
  });
  const reach = async (n) => {
    while (done < n && !halt) await new Promise((r) => setTimeout(r, 20));
    if (done < n) await Promise.all(writers); // throws the failing client's error
  };
  await reach(20);
  // Asynchronously, so that the clients go on posting while it runs.
  const out = await new Promise((resolve, reject) => {
    execFile(BIN, ['--db', srv.db, '--datadir', ROOT, 'backup', backup], { encoding: 'utf8' },
      (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)));
  });
  assert.match(out, /backed up .* to .*portal-backup\.db/);
  await reach(done + 20);
  halt = true;
  await Promise.all(writers);

  assert.deepEqual(sqlite(backup, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
  assert.deepEqual(sqlite(backup, 'PRAGMA journal_mode'), [{ journal_mode: 'delete' }],
    'a backup should stand alone, without a -wal file');
  const saved = refs(backup);
  const live = refs(srv.db);
  assert.ok(saved.length >= 20, `only ${saved.length} applications in the backup`);
  assert.ok(live.length >= saved.length + 20, 'writes went on after the backup');
  for (const ref of saved) assert.ok(live.includes(ref), `${ref} is in the backup only`);
  // Each application in the backup is whole: its affiliation and audit rows came too.
  const [orphans] = sqlite(backup, `SELECT
    (SELECT count(*) FROM applications a WHERE NOT EXISTS
      (SELECT 1 FROM affiliations f WHERE f.application_id = a.id)) AS no_aff,
    (SELECT count(*) FROM applications a WHERE NOT EXISTS
      (SELECT 1 FROM audit u WHERE u.application_id = a.id)) AS no_audit`);
  assert.deepEqual(orphans, { no_aff: 0, no_audit: 0 });

  // While the server runs, restore refuses and leaves the database alone, and
  // a second server on the same database refuses to start.
  assert.throws(() => srv.cli(['restore', backup]), (e) => {
    assert.equal(e.status, 1);
    assert.match(e.stderr, /the portal is running on .*portal\.db; stop it first/);
    return true;
  });
  assert.deepEqual(refs(srv.db), live);
  const second = portal(['--db', srv.db, '--datadir', ROOT, '--key-file', srv.key, 'serve', '--socket',
    path.join(dir, 'second.sock')]);
  assert.equal(second.status, 1);
  assert.match(second.stderr, /another portal is already serving .*portal\.db; stop it first/);
  assert.ok(fs.existsSync(srv.socket), 'the second server removed the first one\'s socket');
  assert.equal((await srv.client().get('/healthz')).status, 200);

  await srv.stop();
  stopped = true;

  // Into a fresh path.
  const fresh = path.join(dir, 'fresh.db');
  const r = portal(['--db', fresh, '--datadir', ROOT, 'restore', backup]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^restored .*portal-backup\.db \(schema version \d+\) into .*fresh\.db$/m);
  assert.match(r.stdout, new RegExp(`fresh\\.db is at schema version ${latestMigration()}$`, 'm'));
  assert.deepEqual(refs(fresh), saved);
  const count = (db) => sqlite(db, `SELECT (SELECT count(*) FROM applications) AS apps,
    (SELECT count(*) FROM affiliations) AS affs, (SELECT count(*) FROM audit) AS audit,
    (SELECT count(*) FROM outbox) AS outbox, (SELECT count(*) FROM cohorts) AS cohorts`)[0];
  assert.deepEqual(count(fresh), count(backup));
  assert.deepEqual(sqlite(fresh, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);

  // Over a database holding other data: nothing of that data is left.
  const other = path.join(dir, 'other.db');
  assert.equal(portal(['--db', other, '--datadir', ROOT, 'migrate']).status, 0);
  sqlite(other, `INSERT INTO interest (email, name, created_at) VALUES ('gone@example.com', 'G', 1)`);
  assert.equal(portal(['--db', other, '--datadir', ROOT, 'restore', backup]).status, 0);
  assert.deepEqual(refs(other), saved);
  assert.deepEqual(sqlite(other, `SELECT count(*) AS n FROM interest WHERE email = 'gone@example.com'`),
    [{ n: 0 }]);
});

test('a server killed with SIGKILL leaves no lock: the next one starts at once', async (t) => {
  const dir = tmpdir(t);
  const db = path.join(dir, 'portal.db');
  const key = path.join(dir, 'portal.key');
  assert.equal(portal(['keygen', key]).status, 0);
  assert.equal(portal(['--db', db, '--datadir', ROOT, 'migrate']).status, 0);
  const serve = (name) => {
    const sock = path.join(dir, name);
    const p = spawn(BIN, ['--db', db, '--datadir', ROOT, '--key-file', key, 'serve', '--socket', sock, '--sendmail',
      'cat >/dev/null'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    p.stderr.on('data', (d) => { log += d; });
    const exited = new Promise((r) => p.on('exit', (code, sig) => r({ code, sig })));
    const up = (async () => {
      const end = Date.now() + 15000;
      while (!fs.existsSync(sock)) {
        if (p.exitCode !== null || Date.now() > end) throw new Error(`${name} did not start: ${log}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    return { p, exited, up, log: () => log };
  };
  const first = serve('one.sock');
  await first.up;
  first.p.kill('SIGKILL');
  assert.equal((await first.exited).sig, 'SIGKILL');
  const second = serve('two.sock');
  t.after(() => second.p.kill('SIGKILL'));
  await second.up;
  second.p.kill('SIGTERM');
  assert.deepEqual(await second.exited, { code: 0, sig: null }, second.log());
  assert.ok(!fs.existsSync(path.join(dir, 'two.sock')), 'a graceful stop removes the socket');
});

test('restore refuses what is not a sound portal database and changes nothing', (t) => {
  const dir = tmpdir(t);
  const db = path.join(dir, 'live.db');
  assert.equal(portal(['--db', db, '--datadir', ROOT, 'migrate']).status, 0);
  sqlite(db, `INSERT INTO interest (email, name, created_at) VALUES ('kept@example.com', 'K', 1)`);
  const kept = () => sqlite(db, 'SELECT email FROM interest');

  const junk = path.join(dir, 'junk.db');
  fs.writeFileSync(junk, 'this is not a database, only text\n'.repeat(200));
  let r = portal(['--db', db, '--datadir', ROOT, 'restore', junk]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /junk\.db is not a readable SQLite database/);

  const empty = path.join(dir, 'empty.db');
  fs.writeFileSync(empty, '');
  r = portal(['--db', db, '--datadir', ROOT, 'restore', empty]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /empty\.db has no portal schema/);

  const newer = path.join(dir, 'newer.db');
  assert.equal(portal(['--db', newer, '--datadir', ROOT, 'migrate']).status, 0);
  sqlite(newer, `PRAGMA user_version = ${latestMigration() + 1}`);
  r = portal(['--db', db, '--datadir', ROOT, 'restore', newer]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`newer\\.db is at schema version ${latestMigration() + 1} ` +
    `but this portal knows only up to ${latestMigration()}`));
  // Nor does any other command work on it: an older program must not write to a newer schema.
  r = portal(['--db', newer, '--datadir', ROOT, 'migrate']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`newer\\.db is at schema version ${latestMigration() + 1}, ` +
    `newer than this portal's ${latestMigration()}`));

  // A damaged database: a page of an index overwritten.
  const broken = path.join(dir, 'broken.db');
  assert.equal(portal(['--db', broken, '--datadir', ROOT, 'migrate']).status, 0);
  const many = Array.from({ length: 400 }, (_, i) => `('p${i}@example.com', 'N${i}', ${i})`);
  sqlite(broken, `PRAGMA journal_mode = DELETE; INSERT INTO interest (email, name, created_at) VALUES ${many.join(', ')}`);
  const [{ rootpage }] = sqlite(broken, `SELECT rootpage FROM sqlite_schema WHERE name = 'interest_email'`);
  const fd = fs.openSync(broken, 'r+');
  fs.writeSync(fd, Buffer.alloc(4096 - 100, 0x55), 0, 4096 - 100, (rootpage - 1) * 4096 + 100);
  fs.closeSync(fd);
  r = portal(['--db', db, '--datadir', ROOT, 'restore', broken]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /broken\.db (fails SQLite's integrity check|is not a readable SQLite database)/);

  r = portal(['--db', db, '--datadir', ROOT, 'restore', path.join(dir, 'absent.db')]);
  assert.equal(r.status, 1);
  r = portal(['--db', db, '--datadir', ROOT, 'restore', db]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /is the database itself/);
  r = portal(['--db', db, '--datadir', ROOT, 'restore']);
  assert.equal(r.status, 2);
  assert.deepEqual(kept(), [{ email: 'kept@example.com' }]);
  assert.deepEqual(sqlite(db, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
});

// ---------------------------------------------------------------- upgrades

test('a database made by the first schema keeps every record through today\'s migrations', (t) => {
  const dir = tmpdir(t);
  const old = path.join(dir, 'v1');
  fs.mkdirSync(path.join(old, 'sql'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'sql/001_init.sql'), path.join(old, 'sql/001_init.sql'));
  const db = path.join(dir, 'portal.db');
  let r = portal(['--db', db, '--datadir', old, 'migrate']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /schema version 1$/m);

  // A little of everything, as a version-1 server would have written it.
  sqlite(db, `
    INSERT INTO cohorts (id, program, number, start_date, capacity, registration_open, created_at)
      VALUES (1, 'pip', 44, '2025-09-04', 25, 0, 1700000000),
             (2, 'pip', 45, '2026-01-15', 2, 1, 1710000000);
    INSERT INTO cohorts (id, program, term, year, start_date, capacity, school_cap,
      registration_open, created_at) VALUES (3, 'tap', 'fall', 2025, '2025-09-10', 25, 5, 1, 1700000500);
    INSERT INTO cohort_sessions (cohort_id, number, date, topic) VALUES
      (1, 1, '2025-09-04', 'Welcome'), (1, 2, '2025-09-11', 'Patrol'), (2, 1, '2026-01-15', 'Welcome');
    INSERT INTO users (id, email, name, role, school, password_hash, disabled_at, created_at) VALUES
      (1, 'chief@example.org', 'Pat Chief', 'admin', NULL, '$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA', NULL, 1690000000),
      (2, 'clerk@example.org', 'Sam Clerk', 'staff', NULL, NULL, 1705000000, 1690000100),
      (3, 'coun@example.org', 'Lee Counselor', 'counselor', 'north', NULL, NULL, 1690000200);
    INSERT INTO sessions (token_hash, user_id, created_at, seen_at) VALUES (X'0102030405', 1, 1700000000, 1700000100);
    INSERT INTO password_tokens (token_hash, user_id, expires_at, used_at) VALUES (X'AABBCC', 3, 1700086400, NULL);
    INSERT INTO login_failures (email, address, at) VALUES ('chief@example.org', '203.0.113.9', 1700000300);
    INSERT INTO applications (id, ref, cohort_id, status, waitlist_position, submitted_at, status_at,
      first_name, last_name, dob, email, phone, street, city, zip, verify_residence, emergency_name,
      emergency_phone, accommodations, referral) VALUES
      (1, 'P-AAAA-0001', 1, 'completed', NULL, 1690500000, 1699000000, 'Ana', 'Ruiz', '1970-01-02',
        'ana@example.com', '3105550101', '1 Elm Ave', 'Torrance', '90503', 0, 'Bo Ruiz', '3105550102', '', 'A friend'),
      (2, 'P-AAAA-0002', 2, 'accepted', NULL, 1710000100, 1710000100, 'Ben', 'Ng', '1985-03-04',
        'ben@example.com', '3105550103', '2 Oak St', 'Torrance', '90501', 1, 'Cy Ng', '3105550104', 'Wheelchair', ''),
      (3, 'P-AAAA-0003', 2, 'waitlisted', 1, 1710000200, 1710000200, 'Cam', 'Ode', '1990-05-06',
        'cam@example.com', '3105550105', '3 Pine Rd', 'Gardena', '90247', 0, 'Di Ode', '3105550106', '', ''),
      (4, 'P-AAAA-0004', 1, 'withdrawn', NULL, 1690600000, 1691000000, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL);
    UPDATE applications SET erased_at = 1707000000 WHERE id = 4;
    INSERT INTO applications (id, ref, cohort_id, status, submitted_at, status_at, first_name, last_name,
      dob, email, phone, school, student_id, grade, guardian_name, guardian_phone, guardian_email,
      guardian_consent, counselor_note, counselor_id) VALUES
      (5, 'T-BBBB-0001', 3, 'submitted', 1700001000, 1700001000, 'Eve', 'Park', '2008-07-08', '',
        '', 'north', 'S12345', 11, 'Flo Park', '3105550107', 'flo@example.com', 1, 'Keen', 3);
    INSERT INTO affiliations (application_id, kind, detail) VALUES (1, 'resident', ''),
      (1, 'work', 'Torrance Memorial'), (2, 'civic', 'Rotary'), (3, 'faith', 'St. Catherine');
    INSERT INTO audit (application_id, at, user_id, actor, from_status, to_status, note) VALUES
      (1, 1690500000, NULL, 'applicant', NULL, 'submitted', ''),
      (1, 1699000000, 1, 'Pat Chief', 'accepted', 'completed', 'Graduated'),
      (2, 1710000100, NULL, 'system', NULL, 'accepted', ''),
      (3, 1710000200, NULL, 'system', NULL, 'waitlisted', ''),
      (4, 1691000000, NULL, 'applicant', 'submitted', 'withdrawn', ''),
      (5, 1700001000, 3, 'counselor', NULL, 'submitted', '');
    INSERT INTO interest (email, name, created_at, notified_at, erased_at) VALUES
      ('wait@example.com', 'Wynn', 1700002000, NULL, NULL), (NULL, NULL, 1690000000, 1695000000, 1711000000);
    INSERT INTO attendance (application_id, session_number, recorded_at) VALUES (1, 1, 1693800000), (1, 2, 1694400000);
    INSERT INTO outbox (created_at, recipient, subject, body, attempts, next_attempt_at, sent_at) VALUES
      (1710000100, 'ben@example.com', 'Application received', 'Dear Ben', 1, 1710000100, 1710000160),
      (1710000200, 'cam@example.com', 'Application received', 'Dear Cam', 3, 1710009999, NULL);
    INSERT INTO settings (key, value) VALUES ('csrf_key', X'00112233445566778899');
  `);

  // Every table of the first schema, by the columns it had then.
  const tables = sqlite(db, `SELECT name FROM sqlite_schema WHERE type = 'table'
    AND name NOT LIKE 'sqlite_%' ORDER BY name`).map((x) => x.name);
  const columns = Object.fromEntries(tables.map((tb) => [tb,
    sqlite(db, `PRAGMA table_info(${tb})`).map((c) => c.name)]));
  const dump = () => Object.fromEntries(tables.map((tb) => [tb, sqlite(db,
    `SELECT ${columns[tb].map((c) => `quote(${c}) AS ${c}`).join(', ')} FROM ${tb}`)
    .map((row) => JSON.stringify(row)).sort()]));
  const before = dump();
  for (const tb of tables) {
    if (tb !== 'pages') assert.ok(before[tb].length > 0, `the test wrote nothing to ${tb}`);
  }

  r = portal(['--db', db, '--datadir', ROOT, 'migrate']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`schema version ${latestMigration()}$`, 'm'));
  assert.deepEqual(sqlite(db, 'PRAGMA user_version'), [{ user_version: latestMigration() }]);
  assert.deepEqual(sqlite(db, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
  assert.deepEqual(sqlite(db, 'PRAGMA foreign_key_check'), []);
  const after = dump();
  for (const tb of tables) {
    for (const row of before[tb]) assert.ok(after[tb].includes(row), `${tb} lost ${row}`);
  }
  // Migrating again changes nothing.
  assert.equal(portal(['--db', db, '--datadir', ROOT, 'migrate']).status, 0);
  assert.deepEqual(dump(), after);
});

// ---------------------------------------------------------------- nginx

function request(mod, opts, body) {
  return new Promise((resolve, reject) => {
    const req = mod.request({ rejectUnauthorized: false, ...opts }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('the nginx site passes nginx -t and serves the portal over HTTPS', { skip: !have('nginx') || !have('openssl') }, async (t) => {
  // Cleaned up by hand: nginx and the portal stop before their folder goes.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-ops-'));
  let srv = null;
  let ngx = null;
  t.after(async () => {
    if (ngx && ngx.exitCode === null) {
      const exited = new Promise((r) => ngx.on('exit', r));
      ngx.kill('SIGTERM');
      await exited;
    }
    if (srv) await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const certs = path.join(dir, 'certs');
  fs.mkdirSync(certs);
  fs.mkdirSync(path.join(dir, 'logs'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
    '-subj', '/CN=programs.example.org', '-keyout', path.join(certs, 'privkey.pem'),
    '-out', path.join(certs, 'fullchain.pem')], { stdio: 'pipe' });
  const site = fs.readFileSync(path.join(ROOT, 'etc/nginx-site.conf'), 'utf8')
    .replaceAll('/etc/letsencrypt/live/programs.example.org/', `${certs}/`)
    .replaceAll('/var/log/nginx/', `${dir}/logs/`);
  assert.equal(site.match(new RegExp(certs, 'g')).length, 2);
  assert.equal(site.match(new RegExp(`${dir}/logs/portal.access.log portal;`, 'g')).length, 2);
  const wrap = (siteFile, extra = '') => `${extra}
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp;
  fastcgi_temp_path ${dir}/tmp;
  proxy_temp_path ${dir}/tmp;
  uwsgi_temp_path ${dir}/tmp;
  scgi_temp_path ${dir}/tmp;
  types { text/css css; text/html html; }
  include ${siteFile};
}
`;
  fs.writeFileSync(path.join(dir, 'site.conf'), site);
  fs.writeFileSync(path.join(dir, 'nginx.conf'), wrap(path.join(dir, 'site.conf')));
  const check = spawnSync('nginx', ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf'),
    '-e', path.join(dir, 'logs/error.log')], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stderr, /test is successful/);
  assert.ok(!/\[(warn|emerg|alert|crit|error)\]/.test(check.stderr), check.stderr);

  // Now run it, on loopback ports, in front of a real portal.
  srv = await start();
  const [p80, p443] = [await freePort(), await freePort()];
  const live = site
    .replace(/^\s*listen \[::\]:.*\n/gm, '')
    .replace('listen 80;', `listen 127.0.0.1:${p80};`)
    .replace('listen 443 ssl http2;', `listen 127.0.0.1:${p443} ssl http2;`)
    .replaceAll('/usr/local/share/portal/static/', `${ROOT}/static/`)
    .replace('unix:/run/portal/portal.sock', `unix:${srv.socket}`)
    .replace('root /var/www/html;', `root ${dir};`);
  fs.writeFileSync(path.join(dir, 'live.conf'), live);
  // As root, keep the workers as root: the portal's socket is 0660.
  const user = process.getuid() === 0 ? 'user root root;' : '';
  fs.writeFileSync(path.join(dir, 'nginx-live.conf'),
    wrap(path.join(dir, 'live.conf'), `${user}\ndaemon off;`));
  ngx = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx-live.conf'), '-e', 'stderr'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  ngx.stderr.on('data', (d) => { log += d; });
  const host = 'programs.example.org';
  const get = (p, headers = {}) => request(https, { host: '127.0.0.1', port: p443, servername: host,
    path: p, headers: { host, ...headers } });
  const end = Date.now() + 10000;
  for (;;) {
    try { await get('/healthz'); break; } catch (e) {
      if (Date.now() > end || ngx.exitCode !== null) throw new Error(`nginx did not start: ${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const plain = await request(http, { host: '127.0.0.1', port: p80, path: '/pip/apply?x=1',
    headers: { host } });
  assert.equal(plain.status, 301);
  assert.equal(plain.headers.location, `https://${host}/pip/apply?x=1`);
  assert.equal(plain.headers.server, 'nginx');

  const hsts = /^max-age=31536000; includeSubDomains$/;
  const health = await get('/healthz');
  assert.equal(health.status, 200);
  assert.match(health.headers['strict-transport-security'], hsts);
  assert.equal(health.headers.server, 'nginx', 'server_tokens off');

  const css = await get('/static/portal.css');
  assert.equal(css.status, 200);
  assert.equal(css.headers['cache-control'], 'max-age=2592000');
  assert.match(css.headers['strict-transport-security'], hsts);
  assert.equal(css.headers['x-content-type-options'], 'nosniff');

  // HTTPS reaches the portal: with secure_cookies = auto its cookies are Secure.
  const form = await get('/login');
  assert.equal(form.status, 200);
  const cookies = form.headers['set-cookie'] || [];
  assert.ok(cookies.length > 0, 'GET /login set no cookie');
  for (const c of cookies) assert.match(c, /; Secure/);

  // A body (counted by the form limit: first) above the portal's 64 KiB reaches the portal, which answers 413 itself.
  const big = await request(https, { host: '127.0.0.1', port: p443, servername: host,
    path: '/pip/apply', method: 'POST',
    headers: { host, 'content-type': 'application/x-www-form-urlencoded' } }, 'a='.padEnd(70000, 'x'));
  assert.equal(big.status, 413);
  assert.match(big.text, /Your form is too large/);

  // Reading the form is never limited; posting it is.
  for (let i = 0; i < 12; i++) assert.equal((await get('/login')).status, 200);
  const post = (p) => request(https, { host: '127.0.0.1', port: p443, servername: host, path: p,
    method: 'POST', headers: { host, 'content-type': 'application/x-www-form-urlencoded' } },
  'email=a%40example.org&password=x');
  const statuses = [];
  for (let i = 0; i < 10; i++) statuses.push((await post('/login')).status);
  t.diagnostic(`POST /login statuses: ${statuses}`);
  assert.notEqual(statuses[0], 429, `${statuses}`);
  assert.ok(statuses.slice(6).every((s) => s === 429), `POST /login: ${statuses}`);
  const forms = [];
  for (let i = 0; i < 14; i++) forms.push((await post('/status')).status);
  t.diagnostic(`POST /status statuses: ${forms}`);
  assert.notEqual(forms[0], 429);
  // The big POST above took one of the 11 (1 + burst 10).
  assert.ok(forms.slice(10).every((s) => s === 429), `POST /status: ${forms}`);

  // The access log has paths without query strings, and no reference.
  const token = 'SECRETtokenSECRETtokenSECRETtokenSECRETtok';
  assert.equal((await get(`/account/password?token=${token}`)).status, 404);
  assert.equal((await get('/confirmation/P-7K3Q-9XMD')).status, 404);
  assert.equal((await get('/confirmation/t-7k3q-9xmd?done=withdrawn')).status, 404);
  // nginx writes a request's line once the answer is sent: wait for the last one.
  let access = '';
  for (const end = Date.now() + 5000; Date.now() < end;) {
    access = fs.readFileSync(path.join(dir, 'logs/portal.access.log'), 'utf8');
    if (/"GET \/confirmation\/t-\.\.\. HTTP/.test(access)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const bad of [token, 'token=', 'done=', '7K3Q', '7k3q', 'x=1']) {
    assert.ok(!access.includes(bad), `the access log holds ${bad}`);
  }
  assert.match(access, /"GET \/account\/password HTTP\/2\.0|"GET \/account\/password HTTP\/1\.1/);
  assert.match(access, /"GET \/confirmation\/P-\.\.\. HTTP/);
  assert.match(access, /"GET \/confirmation\/t-\.\.\. HTTP/);
  assert.match(access, /"GET \/pip\/apply HTTP\/1\.1" 301 /);
});

// ---------------------------------------------------------------- systemd

function unitText(name) {
  return fs.readFileSync(path.join(ROOT, 'etc', name), 'utf8');
}

test('the systemd units pass systemd-analyze verify', { skip: !have('systemd-analyze') && 'systemd-analyze is not installed' }, (t) => {
  const dir = tmpdir(t);
  const units = ['portal.service', 'portal-backup.service', 'portal-backup.timer'];
  // verify wants ExecStart's program and the Documentation= manual to exist.
  for (const u of units) {
    fs.writeFileSync(path.join(dir, u), unitText(u).replaceAll('/usr/local/bin/portal', BIN));
  }
  fs.mkdirSync(path.join(dir, 'man/man8'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'portal.8'), path.join(dir, 'man/man8/portal.8'));
  const r = spawnSync('systemd-analyze', ['verify', ...units.map((u) => path.join(dir, u))],
    { encoding: 'utf8', env: { ...process.env, MANPATH: path.join(dir, 'man') } });
  const ours = (r.stderr + r.stdout).split('\n').filter((l) => /portal/.test(l));
  assert.deepEqual(ours, []);
  assert.equal(r.status, 0, r.stderr);
});

test('the units, the example configuration and the nginx site agree', () => {
  const service = unitText('portal.service');
  const backup = unitText('portal-backup.service');
  const conf = fs.readFileSync(path.join(ROOT, 'etc/portal.conf.example'), 'utf8');
  const site = fs.readFileSync(path.join(ROOT, 'etc/nginx-site.conf'), 'utf8');
  const set = (text, key) => (text.match(new RegExp(`^${key}=(.*)$`, 'm')) || [])[1];
  assert.equal(set(service, 'ExecStart'), '/usr/local/bin/portal --config /etc/portal/portal.conf serve');
  for (const [k, v] of [['User', 'portal'], ['Group', 'www-data'], ['RuntimeDirectory', 'portal'],
    ['RuntimeDirectoryMode', '0750'], ['StateDirectory', 'portal'], ['StateDirectoryMode', '0700'],
    ['UMask', '0077'], ['Restart', 'always'], ['RestartSec', '1'], ['ProtectSystem', 'strict'],
    ['ProtectHome', 'yes'], ['PrivateTmp', 'yes'], ['NoNewPrivileges', 'yes'],
    ['CapabilityBoundingSet', ''], ['SystemCallFilter', '@system-service'],
    ['SystemCallArchitectures', 'native'], ['MemoryDenyWriteExecute', 'yes']]) {
    assert.equal(set(service, k), v, `portal.service ${k}`);
  }
  // Dates follow the time_zone setting, never TZ; the key is made on the first start.
  assert.doesNotMatch(service, /^Environment=TZ/m);
  assert.match(set(service, 'ExecStartPre'), /^\+\/bin\/sh -c 'test -e \/etc\/portal\/portal.key \|\| \{ \/usr\/local\/bin\/portal keygen \/etc\/portal\/portal.key/);
  // The backup unit must use the same user and group, or systemd would hand
  // the state folder back and forth between them.
  assert.equal(set(backup, 'User'), 'portal');
  assert.equal(set(backup, 'Group'), 'www-data');
  assert.equal((conf.match(/^database = (.*)$/m) || [])[1], '/var/lib/portal/portal.db');
  assert.equal((conf.match(/^socket = (.*)$/m) || [])[1], '/run/portal/portal.sock');
  assert.match(site, /fastcgi_pass unix:\/run\/portal\/portal\.sock;/);
  assert.match(site, /alias \/usr\/local\/share\/portal\/static\/;/);
  // The socket's mode may give the web server's group access, never others.
  const mode = parseInt((conf.match(/^#?socket_mode = (.*)$/m) || [])[1], 8);
  assert.equal(mode & 0o007, 0);
});

test('the nightly backup command writes a sound encrypted file and keeps the 14 newest', (t) => {
  const dir = tmpdir(t);
  const db = path.join(dir, 'portal.db');
  const key = path.join(dir, 'portal.key');
  assert.equal(portal(['keygen', key]).status, 0);
  assert.equal(portal(['--db', db, '--datadir', ROOT, 'migrate']).status, 0);
  const backups = path.join(dir, 'backups');
  fs.mkdirSync(backups);
  const old = [];
  for (let d = 1; d <= 20; d++) {
    const f = `portal-2020-01-${String(d).padStart(2, '0')}.db`;
    fs.writeFileSync(path.join(backups, f), 'old');
    old.push(f);
  }
  fs.writeFileSync(path.join(backups, 'portal-2020-01-01.db-wal'), 'old');
  fs.writeFileSync(path.join(backups, 'notes.txt'), 'not a backup');
  // The command as systemd runs it: joined lines, $$ and %% unescaped.
  const unit = unitText('portal-backup.service').replace(/\\\n/g, ' ');
  const exec = unit.match(/^ExecStart=\/bin\/sh -c '(.*)'$/m);
  assert.ok(exec, 'ExecStart=/bin/sh -c \'...\' not found');
  const script = exec[1].replaceAll('$$', '$').replaceAll('%%', '%')
    .replaceAll('/var/lib/portal/backups', backups)
    .replace('/usr/local/bin/portal --config /etc/portal/portal.conf',
      `${BIN} --db ${db} --datadir ${ROOT} --key-file ${key}`);
  assert.ok(script.includes(BIN), 'the backup command does not run the portal as expected');
  for (let run = 0; run < 2; run++) {
    const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8',
      env: { ...process.env, TZ: 'America/Los_Angeles' } });
    assert.equal(r.status, 0, r.stderr);
  }
  const today = execFileSync('date', ['+%Y-%m-%d'], { encoding: 'utf8',
    env: { ...process.env, TZ: 'America/Los_Angeles' } }).trim();
  const left = fs.readdirSync(backups).sort();
  assert.deepEqual(left, [...old.slice(-13), `portal-${today}.db`, 'notes.txt'].sort());
  // Encrypted (portal-backup.service uses --encrypt): only the key's holder restores it.
  const made = path.join(backups, `portal-${today}.db`);
  assert.equal(fs.readFileSync(made).subarray(0, 16).toString(), 'portal-backup-1\n');
  assert.equal(fs.statSync(made).mode & 0o777, 0o600);
  const back = path.join(dir, 'back.db');
  const r = portal(['--db', back, '--datadir', ROOT, '--key-file', key, 'restore', made]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(sqlite(back, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
});

// ---------------------------------------------------------------- the manual

test('portal.8 is clean under mandoc -T lint and groff -ww', { skip: !have('mandoc') && !have('groff') }, () => {
  const man = path.join(ROOT, 'portal.8');
  if (have('mandoc')) {
    const r = spawnSync('mandoc', ['-T', 'lint', '-W', 'style', man], { encoding: 'utf8' });
    // Whether the manuals named in SEE ALSO are in this machine's mandoc.db is not the page's fault.
    const msgs = (r.stdout + r.stderr).split('\n')
      .filter((l) => l && !/mandoc\.db|referenced manual not found/.test(l));
    assert.deepEqual(msgs, []);
    assert.equal(r.status, 0);
  }
  if (have('groff')) {
    const r = spawnSync('groff', ['-ww', '-mdoc', '-z', man], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    assert.equal(r.stderr, '');
  }
  // It covers every command and option the program has.
  const text = fs.readFileSync(man, 'utf8');
  for (const cmd of ['serve', 'migrate', 'user add', 'backup', 'restore', 'bootstrap', 'keygen',
    'rekey']) {
    assert.match(text, new RegExp(`^\\.It Cm ${cmd}`, 'm'), `portal.8 lacks ${cmd}`);
  }
  for (const opt of ['db', 'config', 'datadir', 'socket', 'socket\\\\-mode', 'threads', 'sendmail',
    'role', 'email', 'name', 'school', 'demo', 'key\\\\-file', 'encrypt', 'new\\\\-key']) {
    assert.match(text, new RegExp(`Fl \\\\-${opt}\\b`), `portal.8 lacks --${opt}`);
  }
  for (const s of ['SIGTERM', 'SIGINT', 'SIGPIPE', 'PORTAL_TIME_OFFSET', 'EXIT STATUS', 'EXAMPLES',
    'FILES']) {
    assert.ok(text.includes(s), `portal.8 lacks ${s}`);
  }
  const usage = portal(['--help']).stdout;
  for (const cmd of usage.matchAll(/^ {2}([a-z]+)/gm)) {
    assert.match(text, new RegExp(`\\.It Cm ${cmd[1]}`), `portal.8 lacks ${cmd[1]} of --help`);
  }
});
