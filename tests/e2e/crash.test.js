// crash.test.js: what a crash costs.  Applications answered 303 survive the
// portal being killed (SIGKILL) at random moments under load; a crafted
// FastCGI record that makes libfcgi abort costs seconds of service, not the
// service; the socket gives no access to other users.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const { start, farDate, addDays } = require('./lib');

const REF = /^\/confirmation\/(P-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4})$/;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Under valgrind (PORTAL_WRAP) everything the portal does is many times slower.
const SLOW = process.env.PORTAL_WRAP ? 6 : 1;

// Opens a PIP class with room for everyone (closing every other one), its ten weekly
// sessions far enough ahead that no reminder or rule of the day touches them.
function openBigClass(srv, number) {
  const first = farDate();
  srv.sql('UPDATE cohorts SET registration_open = 0');
  const [{ id }] = srv.sql(`INSERT INTO cohorts (program, number, start_date, capacity,
    registration_open, created_at) VALUES ('pip', ${number}, '${first}', 100000, 1, 0)
    RETURNING id`);
  const rows = [];
  for (let n = 1; n <= 10; n++) rows.push(`(${id}, ${n}, '${addDays(first, (n - 1) * 7)}', 'Session ${n}')`);
  srv.sql(`INSERT INTO cohort_sessions (cohort_id, number, date, topic) VALUES ${rows.join(', ')}`);
  return id;
}

// A valid application; serial makes the e-mail (refused when repeated) unique.
function application(classId, serial) {
  return [
    ['class', String(classId)], ['first_name', 'Maria'], ['last_name', `Crash${serial}`],
    ['dob', '1980-05-17'], ['email', `crash${serial}@example.com`], ['phone', '(310) 555-0123'],
    ['street', '2417 Elm Avenue'], ['city', 'Torrance'], ['zip', '90503'],
    ['affiliation', 'resident'], ['affiliation', 'work'], ['work_detail', 'Torrance Memorial'],
    ['emergency_name', 'Jose Lopez'], ['emergency_phone', '310-555-0199'],
    ['referral', 'A neighbour'], ['ack_background', 'yes'],
  ];
}

test('every application answered 303 survives SIGKILL at random moments', async (t) => {
  const srv = await start();
  try {
    const classId = openBigClass(srv, 90);
    const accepted = [];
    const others = {};
    const tally = (what) => { others[what] = (others[what] || 0) + 1; };
    let running = true;
    let serial = 0;
    // One applicant: a form page for a cookie and token, then a few applications with them.
    async function applicant() {
      while (running) {
        const c = srv.client();
        try {
          const page = await c.get('/pip/apply');
          if (page.status !== 200 || !c.csrf) {
            tally(`GET ${page.status}`);
            await sleep(20);
            continue;
          }
          for (let k = 0; k < 5 && running; k++) {
            const r = await c.post('/pip/apply', application(classId, ++serial));
            const m = (r.headers.get('location') || '').match(REF);
            if (r.status === 303 && m) accepted.push(m[1]);
            else tally(`POST ${r.status}`);
            if (r.status === 502) await sleep(20);
          }
        } catch (e) {
          tally(`error ${e.cause ? e.cause.code : e.message}`);
          await sleep(20);
        }
      }
    }
    const clients = Array.from({ length: 8 }, applicant);
    const rounds = 6;
    let before = 0;
    for (let i = 0; i < rounds; i++) {
      await sleep((300 + Math.random() * 900) * SLOW);
      srv.portal.kill('SIGKILL');
      const exit = await srv.portalExit;
      assert.equal(exit.sig, 'SIGKILL');
      await srv.startPortal();
      t.diagnostic(`round ${i + 1}: ${accepted.length - before} applications accepted`);
      before = accepted.length;
    }
    await sleep(800);
    running = false;
    await Promise.all(clients);
    t.diagnostic(`${accepted.length} answered 303 over ${rounds} kills; others: ${JSON.stringify(others)}`);
    assert.ok(accepted.length >= rounds, `only ${accepted.length} applications accepted`);

    const stored = new Set(srv.sql('SELECT ref FROM applications').map((r) => r.ref));
    const missing = accepted.filter((ref) => !stored.has(ref));
    assert.deepEqual(missing, [], `${missing.length} accepted applications are not stored`);
    assert.equal(new Set(accepted).size, accepted.length, 'a reference was given twice');
    assert.deepEqual(srv.sql('PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
    assert.deepEqual(srv.sql('PRAGMA foreign_key_check'), []);
    // Every stored application kept its affiliations (one transaction per application).
    assert.deepEqual(srv.sql(`SELECT ref FROM applications a WHERE NOT EXISTS
      (SELECT 1 FROM affiliations f WHERE f.application_id = a.id)`), []);
  } finally {
    await srv.stop();
  }
});

// A FastCGI record (version 1, type, request id 1, content length, no padding).
function record(type, content) {
  const h = Buffer.from([1, type, 0, 1, content.length >> 8, content.length & 0xff, 0, 0]);
  return Buffer.concat([h, content]);
}

// BEGIN_REQUEST (responder, keep the connection) then PARAMS whose name and value
// lengths, in the 4-byte encoding, say 0x3fffffff bytes each.
function craftedRecords() {
  const begin = record(1, Buffer.from([0, 1, 1, 0, 0, 0, 0, 0]));
  const params = record(4, Buffer.from([0xbf, 0xff, 0xff, 0xff, 0xbf, 0xff, 0xff, 0xff,
    0x41, 0x42, 0x43, 0x44]));
  return Buffer.concat([begin, params]);
}

test('a crafted FastCGI record costs seconds, not the service; the socket is private',
  async (t) => {
    const srv = await start({ supervise: true });
    try {
      const st = fs.statSync(srv.socket);
      assert.ok(st.isSocket());
      const mode = st.mode & 0o777;
      assert.equal(mode & ~0o660, 0, `socket mode ${mode.toString(8)} gives more than 0660`);

      const first = srv.portal;
      const exited = srv.portalExit;
      const sent = Date.now();
      // Sends the records and waits for the portal to close the connection (it
      // closes when the process aborts, or when it refuses the record).
      await new Promise((resolve, reject) => {
        const s = net.createConnection(srv.socket, () => s.write(craftedRecords()));
        s.on('error', (e) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? null : reject(e)));
        s.on('close', resolve);
        s.resume();
        setTimeout(() => { s.destroy(); resolve(); }, 3000 * SLOW);
      });
      const died = await Promise.race([exited, sleep(500 * SLOW).then(() => null)]);
      t.diagnostic(died ? `the portal died (${died.sig || `exit ${died.code}`}); restarted by the supervisor`
        : 'the portal survived the record');
      for (;;) {
        let status = 0;
        try {
          status = (await fetch(`${srv.base}/healthz`)).status;
        } catch (e) {
          /* not yet */
        }
        if (status === 200 && (died === null || srv.portal !== first)) break;
        assert.ok(Date.now() - sent < 5000 * SLOW, `not serving ${5 * SLOW} s after the record (last ${status})`);
        await sleep(50);
      }
      await srv.restarted;
      t.diagnostic(`serving again ${Date.now() - sent} ms after the record`);
      const again = fs.statSync(srv.socket).mode & 0o777;
      assert.equal(again & ~0o660, 0, `restarted socket mode ${again.toString(8)}`);
    } finally {
      await srv.stop();
    }
  });
