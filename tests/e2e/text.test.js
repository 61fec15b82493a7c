// text.test.js: what enters is valid UTF-8 (command line, configuration), and stored
// text that is not (written by hand or by an old version) still shows, with U+FFFD.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const { start, BIN, ROOT } = require('./lib');

const PW = 'a long enough password';
let srv;

before(async () => {
  srv = await start();
  srv.cli(['user', 'add', '--role', 'admin', '--email', 'admin@example.org', '--name', 'Ada Admin'], `${PW}\n`);
  srv.cli(['user', 'add', '--role', 'staff', '--email', 'maria@example.org', '--name', 'Maria'], `${PW}\n`);
});
after(async () => { await srv.stop(); });

test('an account whose stored name is not UTF-8 still lists, and the server keeps serving', async () => {
  srv.sql("UPDATE users SET name = CAST(X'4d61726961c328' AS TEXT) WHERE email = 'maria@example.org'");
  const admin = srv.client();
  assert.equal((await admin.login('admin@example.org', PW)).status, 303);
  const pid = srv.portal.pid;
  const r = await admin.get('/admin/users');
  assert.equal(r.status, 200);
  assert.match(r.text, /Maria\uFFFD\(/);
  assert.equal((await admin.get('/admin/users')).status, 200);
  assert.equal((await srv.client().get('/healthz')).status, 200);
  assert.equal(srv.portal.pid, pid);
  assert.equal(srv.portal.exitCode, null);
});

test('portal user add refuses a name or email that is not UTF-8, with status 2', () => {
  for (const [flag, value] of [['--name', Buffer.from([0xff])], ['--email', Buffer.from('a\xc3@example.org', 'latin1')]]) {
    const args = ['user', 'add', '--role', 'staff', '--email', 'new@example.org', '--name', 'New'];
    const i = args.indexOf(flag);
    // Node passes strings as UTF-8, so the raw bytes go through a shell's printf.
    const sh = `exec "$0" --db "$1" --datadir "$2" ${args.slice(0, i + 1).map((a) => `'${a}'`).join(' ')} "$(printf '${[...value].map((b) => `\\${b.toString(8)}`).join('')}')" ${args.slice(i + 2).map((a) => `'${a}'`).join(' ')}`;
    const p = spawnSync('sh', ['-c', sh, BIN, srv.db, ROOT], { input: `${PW}\n`, encoding: 'latin1' });
    assert.equal(p.status, 2, `${flag}: ${p.stderr}`);
    assert.match(p.stderr, new RegExp(`${flag} is not valid UTF-8 text`));
  }
  assert.equal(srv.sql("SELECT count(*) AS n FROM users WHERE email = 'new@example.org'")[0].n, 0);
});

test('a configuration whose site_name is not UTF-8 is refused with FILE:LINE and status 2', () => {
  const conf = path.join(srv.dir, 'bad.conf');
  fs.writeFileSync(conf, Buffer.concat([Buffer.from('# settings\nsite_name = Torrance '),
    Buffer.from([0xc3, 0x28]), Buffer.from('\n')]));
  const p = spawnSync(BIN, ['--db', srv.db, '--datadir', ROOT, '--config', conf, 'migrate'],
    { encoding: 'utf8' });
  assert.equal(p.status, 2);
  assert.match(p.stderr, new RegExp(`${conf.replace(/[.]/g, '\\.')}:2: site_name is not valid UTF-8 text`));
  // A good file still loads.
  fs.writeFileSync(conf, 'site_name = Torrance Police\n');
  execFileSync(BIN, ['--db', srv.db, '--datadir', ROOT, '--config', conf, 'migrate']);
});
