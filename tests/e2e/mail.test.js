// mail.test.js: the e-mail outbox end to end: what is sent to whom and when, the
// message format (RFC 5322, RFC 2047), retries, a killed portal, giving up (SPEC.md).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { start, ROOT, nowSeconds, farDate, addDays, yearsBefore } = require('./lib');

const MAX_ATTEMPTS = Number(
  fs.readFileSync(path.join(ROOT, 'src/mail.h'), 'utf8').match(/#define MAIL_MAX_ATTEMPTS (\d+)/)[1]);
const PW = 'a long enough password';
const ADMIN = 'chief@example.org';
const COUNSELOR = 'counselor.north@example.org';
const DASH = '\u2013';

// The stand-in for sendmail: one file per message in BOX/out, numbered in the order
// received (there is one sender), one log line per attempt,
// and exit 75 (EX_TEMPFAIL) without storing anything while BOX/fail exists.
const STANDIN = `#!/bin/sh
set -eu
box=$1
tmp=$(mktemp "$box/.msg.XXXXXX")
cat >"$tmp"
to=$(sed -n 's/^To: //p' "$tmp" | tr -d '\\r' | head -n 1)
if [ -e "$box/fail" ]; then
	rm -f "$tmp"
	echo "fail $to" >>"$box/log"
	exit 75
fi
n=$(ls "$box/out" | wc -l)
mv "$tmp" "$box/out/$(printf %06d "$n").eml"
echo "sent $to" >>"$box/log"
`;

let srv;
let box;
let admin;

before(async () => {
  box = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-mailbox-'));
  fs.mkdirSync(path.join(box, 'out'));
  fs.writeFileSync(path.join(box, 'sendmail.sh'), STANDIN, { mode: 0o755 });
  fs.writeFileSync(path.join(box, 'log'), '');
  srv = await start({
    sendmail: `sh ${box}/sendmail.sh ${box}`,
    config: 'mail_retry_seconds = 1\n',
  });
  srv.cli(['user', 'add', '--role', 'admin', '--email', ADMIN, '--name', 'Chief Admin'], `${PW}\n`);
  srv.cli(['user', 'add', '--role', 'counselor', '--email', COUNSELOR, '--name', 'Nora North',
    '--school', 'north'], `${PW}\n`);
  admin = await signIn(ADMIN);
});

after(async () => {
  if (process.exitCode) console.error(srv.logs.portal);
  await srv.stop();
  fs.rmSync(box, { recursive: true, force: true });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls check (every 100 ms) until it returns something truthy, which is returned.
async function until(check, what, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

// SQL on the live database, waiting out the portal's write locks.
function sql(query) {
  const out = execFileSync('sqlite3', ['-json', '-cmd', '.timeout 5000', srv.db, query],
    { encoding: 'utf8' });
  return out.trim() ? JSON.parse(out) : [];
}

const q = (s) => `'${s.replace(/'/g, "''")}'`;

function outbox(to) {
  return sql(`SELECT * FROM outbox WHERE recipient = ${q(to)} ORDER BY id`);
}

// Decodes a header value made of RFC 2047 base64 words (or plain text).
function decodeHeader(v) {
  if (!v.includes('=?')) return v;
  const words = v.split(/\s+/).filter(Boolean);
  const bytes = words.map((w) => {
    const m = w.match(/^=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=$/i);
    assert.ok(m, `not an encoded word: ${w}`);
    assert.ok(w.length <= 75, `encoded word longer than 75: ${w}`);
    return Buffer.from(m[1], 'base64');
  });
  return Buffer.concat(bytes).toString('utf8');
}

// Every message the stand-in stored, parsed: raw, headers (unfolded, by lower-case name), body.
function mailbox() {
  const dir = path.join(box, 'out');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).sort().map((f) => {
    const raw = fs.readFileSync(path.join(dir, f), 'utf8');
    const cut = raw.indexOf('\r\n\r\n');
    assert.ok(cut > 0, `no blank line after the headers of ${f}`);
    const headers = {};
    for (const line of raw.slice(0, cut).replace(/\r\n[ \t]/g, ' ').split('\r\n')) {
      const i = line.indexOf(': ');
      assert.ok(i > 0, `malformed header line ${JSON.stringify(line)}`);
      headers[line.slice(0, i).toLowerCase()] = line.slice(i + 2);
    }
    const body = raw.slice(cut + 4);
    // flat: the body with its line ends and wrapping undone, for matching sentences.
    return { raw, headers, body, flat: body.replace(/\s+/g, ' '), subject: decodeHeader(headers.subject) };
  });
}

function mailTo(to) {
  return mailbox().filter((m) => m.headers.to === to);
}

function attemptsLogged(to) {
  const lines = fs.readFileSync(path.join(box, 'log'), 'utf8').split('\n');
  return {
    sent: lines.filter((l) => l === `sent ${to}`).length,
    failed: lines.filter((l) => l === `fail ${to}`).length,
  };
}

// Waits until the outbox holds n messages to `to`, all sent; returns what the stand-in stored.
// Once every row is sent no sender takes it again, so the count is final.
async function delivered(to, n, ms = 15000) {
  await until(() => {
    const rows = outbox(to);
    return rows.length === n && rows.every((r) => r.sent_at !== null);
  }, `${n} message(s) to ${to} sent`, ms);
  const got = mailTo(to);
  assert.equal(got.length, n, `messages stored for ${to}`);
  assert.equal(attemptsLogged(to).sent, n, `successful sendmail runs for ${to}`);
  return got;
}

function setFail(on) {
  const f = path.join(box, 'fail');
  if (on) fs.writeFileSync(f, '');
  else fs.rmSync(f, { force: true });
}

async function signIn(email) {
  const c = srv.client();
  const r = await c.login(email, PW);
  assert.equal(r.status, 303, `sign-in of ${email}: ${r.status} ${r.text.slice(0, 300)}`);
  return c;
}

// Sessions far enough ahead that no reminder joins the messages counted here, and no rule
// of the day (a class begun, an age) changes what is sent, whenever the tests run.
const START = farDate();

let classNumber = 60;
// A PIP class with sessions a week apart; open ones close every other class.
function makeClass({ capacity = 25, open = true } = {}) {
  classNumber += 1;
  if (open) srv.sql("UPDATE cohorts SET registration_open = 0 WHERE program = 'pip'");
  const [{ id }] = srv.sql(`INSERT INTO cohorts (program, number, start_date, capacity,
    registration_open, created_at) VALUES ('pip', ${classNumber}, '${START}', ${capacity},
    ${open ? 1 : 0}, 0) RETURNING id`);
  const rows = [];
  for (let n = 1; n <= 10; n++) rows.push(`(${id}, ${n}, '${addDays(START, 7 * (n - 1))}', 'Session ${n}')`);
  srv.sql(`INSERT INTO cohort_sessions (cohort_id, number, date, topic) VALUES ${rows.join(', ')}`);
  return { id, number: classNumber };
}

let serial = 0;
// Applies for class id with a fresh client; returns the reference.
async function apply(classId, overrides = {}) {
  serial += 1;
  const f = {
    class: String(classId), first_name: 'Maria', last_name: `Lopez${serial}`, dob: '1980-05-17',
    email: `maria${serial}@example.com`, phone: '(310) 555-0123', street: '2417 Elm Avenue',
    city: 'Torrance', zip: '90503', affiliation: 'resident', work_detail: '', school_detail: '',
    faith_detail: '', civic_detail: '', other_detail: '', emergency_name: 'Jose Lopez',
    emergency_phone: '+1 310.555.0199', accommodations: '', referral: '', ack_background: 'yes',
    ...overrides,
  };
  const c = srv.client();
  await c.get('/pip/apply');
  const r = await c.post('/pip/apply', Object.entries(f));
  assert.equal(r.status, 303, `apply: ${r.status} ${r.text.slice(0, 400)}`);
  const m = (r.headers.get('location') || '').match(/^\/confirmation\/(P-[0-9A-Z]{4}-[0-9A-Z]{4})$/);
  assert.ok(m, `Location ${r.headers.get('location')}`);
  return m[1];
}

function appId(ref) {
  return srv.sql(`SELECT id FROM applications WHERE ref = ${q(ref)}`)[0].id;
}

const RFC5322_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$/;

test('a PIP application: one well-formed message to the applicant', async () => {
  const { id } = makeClass();
  const email = 'dolores.u@example.com';
  const ref = await apply(id, { first_name: 'Dolores', email });
  const subject = `Partners In Policing application received ${DASH} ${ref}`;
  // Queued in the transaction of the application itself.
  const [row] = outbox(email);
  assert.equal(row.subject, subject);

  const t0 = Date.now();
  const [m] = await delivered(email, 1, 5000);
  console.log(`first message delivered ${Date.now() - t0} ms after the application`);
  assert.equal(m.headers.to, email);
  assert.match(m.headers.from, /<[^<>@\s]+@[^<>@\s]+>$/);
  // The en dash makes the subject non-ASCII: RFC 2047 base64 words on the wire.
  assert.match(m.headers.subject, /^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=( =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=)*$/);
  assert.ok(!/[^\x20-\x7e\r\n\t]/.test(m.raw.slice(0, m.raw.indexOf('\r\n\r\n'))),
    'the headers are ASCII');
  assert.equal(m.subject, subject);
  assert.match(m.headers.date, RFC5322_DATE);
  const sent = Date.parse(m.headers.date) / 1000;
  assert.ok(Math.abs(sent - row.created_at) <= 1, `Date ${m.headers.date} vs ${row.created_at}`);
  assert.match(m.headers['message-id'], /^<[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>$/);
  assert.equal(m.headers['mime-version'], '1.0');
  assert.equal(m.headers['content-type'], 'text/plain; charset=utf-8');
  // CRLF line ends only, body lines wrapped to 72.
  assert.ok(!/[^\r]\n/.test(m.raw) && !/\r[^\n]/.test(m.raw), 'CRLF line ends');
  assert.ok(m.raw.endsWith('\r\n'));
  for (const line of m.body.split('\r\n')) {
    assert.ok([...line].length <= 72 || !line.includes(' '), `long line: ${line}`);
  }
  assert.match(m.body, /^Hello Dolores,\r\n/);
  assert.ok(m.flat.includes(`Your reference is ${ref}.`), m.body);
  assert.ok(!m.body.includes('{{'), 'no template tags left');

  const [done] = outbox(email);
  assert.ok(done.sent_at >= done.created_at);
  assert.equal(done.attempts, 1);
  assert.equal(done.last_error, null);
  assert.equal(done.failed_at, null);
});

test('a status change by staff sends one message', async () => {
  const cls = makeClass();
  const { id } = cls;
  const email = 'accept.me@example.com';
  const ref = await apply(id, { email, first_name: 'Ana' });
  await delivered(email, 1);
  const page = await admin.get(`/admin/applications/${appId(ref)}`);
  assert.equal(page.status, 200);
  const r = await admin.post(`/admin/applications/${appId(ref)}/status`, { status: 'accepted', note: '' });
  assert.equal(r.status, 303, r.text.slice(0, 300));
  assert.equal(outbox(email).length, 2, 'queued with the change');
  const [, m] = await delivered(email, 2);
  assert.equal(m.subject, `Your application ${ref} ${DASH} Accepted`);
  assert.ok(m.flat.includes(`${ref} for Partners In Policing, Class ${cls.number}, is now: Accepted.`), m.body);
  assert.ok(m.body.includes(`Reference: ${ref}`), m.body);
});

test('a waitlist promotion tells the promoted applicant', async () => {
  const { id } = makeClass({ capacity: 1 });
  const first = 'first.in@example.com';
  const second = 'second.in@example.com';
  const refA = await apply(id, { email: first, first_name: 'Primo' });
  const refB = await apply(id, { email: second, first_name: 'Secondo' });
  assert.equal(srv.sql(`SELECT status FROM applications WHERE ref = ${q(refB)}`)[0].status,
    'waitlisted');
  const [received] = await delivered(second, 1);
  assert.match(received.flat, /number 1 on the waiting list/);

  const c = srv.client();
  await c.get('/status');
  const w = await c.post('/status/withdraw', { ref: refA, email: first, confirm: 'yes' });
  assert.equal(w.status, 303);
  const [, promoted] = await delivered(second, 2);
  assert.equal(promoted.subject, `Your application ${refB} ${DASH} Received`);
  assert.match(promoted.body, /^Hello Secondo,/);
  assert.match(promoted.flat, /moved up from the waiting list/);
  const [, withdrawn] = await delivered(first, 2);
  assert.equal(withdrawn.subject, `Your application ${refA} ${DASH} Withdrawn`);
});

test('a TAP nomination is sent to the guardian and the counselor, once each', async () => {
  srv.sql("UPDATE cohorts SET registration_open = 0 WHERE program = 'tap'");
  const [{ id }] = srv.sql(`INSERT INTO cohorts (program, term, year, start_date, capacity,
    registration_open, created_at) VALUES ('tap', 'spring', ${START.slice(0, 4)}, '${START}', 25, 1, 0)
    RETURNING id`);
  const rows = [];
  for (let n = 1; n <= 12; n++) rows.push(`(${id}, ${n}, '${addDays(START, 7 * (n - 1))}', 'Session ${n}')`);
  srv.sql(`INSERT INTO cohort_sessions (cohort_id, number, date, topic) VALUES ${rows.join(', ')}`);
  const counselor = await signIn(COUNSELOR);
  const form = await counselor.get('/tap/nominate');
  assert.equal(form.status, 200, form.text.slice(0, 300));
  const guardian = 'pat.rivera@example.com';
  const r = await counselor.post('/tap/nominate', {
    semester: String(id), student_first_name: 'Alex', student_last_name: 'Rivera',
    student_id: '9001234', grade: '11', dob: yearsBefore(START, 15), student_email: '', student_phone: '',
    guardian_name: 'Pat Rivera', guardian_phone: '(310) 555-0100', guardian_email: guardian,
    guardian_consent: 'yes', counselor_note: '',
  });
  assert.equal(r.status, 303, r.text.slice(0, 400));
  const ref = (r.headers.get('location') || '').match(/nominated=(T-[0-9A-Z]{4}-[0-9A-Z]{4})/)[1];
  const [g] = await delivered(guardian, 1);
  const [n] = await delivered(COUNSELOR, 1);
  // The family reads about the student by name; the counselor by reference.
  assert.equal(g.subject, `Alex Rivera is nominated for Teens and Policing ${DASH} ${ref}`);
  assert.equal(n.subject, `Teens and Policing nomination received ${DASH} ${ref}`);
  assert.match(g.body, /^Hello Pat Rivera,/);
  assert.match(n.body, /^Hello Nora North,/);
  assert.match(g.flat, new RegExp(`/status\\?ref=${ref}`));
  assert.match(n.flat, /\/counselor\/nominations\/\d+/);
  assert.ok(!n.flat.includes('with this email address'), n.body);
  for (const m of [g, n]) {
    assert.ok(m.body.includes(ref));
    assert.match(m.flat, /Nora North of North High School has nominated Alex Rivera for Teens and Policing/);
  }
});

test('the interest list is told once when a class opens', async () => {
  srv.sql("UPDATE cohorts SET registration_open = 0 WHERE program = 'pip'");
  const list = ['keen.one@example.com', 'keen.two@example.com'];
  const c = srv.client();
  const page = await c.get('/pip/apply');
  assert.match(page.text, /action="\/pip\/interest"/);
  for (const email of list) {
    assert.equal((await c.post('/pip/interest', { email, name: '' })).status, 303);
  }
  assert.equal(outbox(list[0]).length, 0);
  const cls = makeClass({ open: false });

  const reg = async (state) => {
    await admin.get(`/admin/pip/classes/${cls.id}`);
    const r = await admin.post(`/admin/pip/classes/${cls.id}/registration`, { state });
    assert.equal(r.status, 303, `${state}: ${r.status} ${r.text.slice(0, 300)}`);
  };
  await reg('open');
  for (const email of list) {
    const [m] = await delivered(email, 1);
    assert.equal(m.subject, `Registration is open for Partners In Policing Class ${cls.number}`);
    assert.equal(m.headers.subject, m.subject, 'an ASCII subject is not encoded');
    assert.match(m.body, /\/pip\/apply/);
  }
  await reg('closed');
  await reg('open');
  for (const email of list) {
    assert.equal(outbox(email).length, 1, `nothing more queued for ${email}`);
    assert.equal(mailTo(email).length, 1);
  }
});

test('a failing sendmail is retried with growing delays, then delivered once', async () => {
  const { id } = makeClass();
  const email = 'retry.me@example.com';
  setFail(true);
  try {
    await apply(id, { email });
    const row = await until(() => {
      const [r] = outbox(email);
      return r.attempts >= 3 && r.claimed_until === null ? r : null;
    }, 'three failed attempts', 15000);
    assert.equal(row.sent_at, null);
    assert.equal(row.failed_at, null);
    assert.equal(row.last_error, 'the sendmail command failed');
    if (row.attempts === 3) {
      // The delays double from mail_retry_seconds = 1: the fourth attempt is 4 s after the third.
      const now = nowSeconds();
      assert.ok(row.next_attempt_at - now >= 2 && row.next_attempt_at - now <= 4,
        `next attempt in ${row.next_attempt_at - now} s`);
    }
    assert.equal(mailTo(email).length, 0);
    assert.ok(attemptsLogged(email).failed >= 3);
  } finally {
    setFail(false);
  }
  const [m] = await delivered(email, 1);
  assert.equal(m.headers.to, email);
  const [done] = outbox(email);
  assert.equal(done.attempts, attemptsLogged(email).failed + 1);
  assert.equal(done.last_error, null);
  assert.equal(done.failed_at, null);
});

test('messages queued before the portal is killed are delivered once after a restart', async () => {
  const { id } = makeClass();
  const emails = ['kill.a@example.com', 'kill.b@example.com', 'kill.c@example.com'];
  setFail(true);
  try {
    for (const email of emails) await apply(id, { email });
    // Kill between attempts, when nothing is claimed and the next attempt is >= 1 s away.
    const list = emails.map(q).join(', ');
    await until(() => sql(`SELECT count(*) AS n FROM outbox WHERE recipient IN (${list})
      AND attempts >= 2 AND claimed_until IS NULL
      AND next_attempt_at - ${nowSeconds()} >= 2`)[0].n === 3,
    'three messages between failed attempts');
    srv.portal.kill('SIGKILL');
    await srv.portalExit;
  } finally {
    setFail(false);
  }
  for (const email of emails) assert.equal(mailTo(email).length, 0);
  fs.rmSync(srv.socket, { force: true });
  await srv.startPortal();
  await until(async () => (await fetch(`${srv.base}/healthz`)).status === 200, 'the portal');
  for (const email of emails) {
    const [m] = await delivered(email, 1);
    assert.equal(m.headers.to, email);
  }
});

test('a message that keeps failing is given up and shown on the staff desk', async () => {
  const { id } = makeClass();
  const email = 'never.arrives@example.com';
  setFail(true);
  try {
    await apply(id, { email });
    // Skip the long doubling delays: one attempt short of the limit, due now.
    await until(() => sql(`UPDATE outbox SET attempts = ${MAX_ATTEMPTS - 1},
      next_attempt_at = ${nowSeconds()}
      WHERE recipient = ${q(email)} AND claimed_until IS NULL RETURNING id`).length === 1,
    'an unclaimed moment');
    const row = await until(() => {
      const [r] = outbox(email);
      return r.failed_at !== null ? r : null;
    }, 'the message given up', 10000);
    assert.equal(row.attempts, MAX_ATTEMPTS);
    assert.equal(row.sent_at, null);
    assert.equal(row.last_error, 'the sendmail command failed');
  } finally {
    setFail(false);
  }
  // Given up for good: a later message goes out, this one does not.
  const later = 'after.giving.up@example.com';
  await apply(id, { email: later });
  await delivered(later, 1);
  assert.equal(outbox(email)[0].attempts, MAX_ATTEMPTS);
  assert.equal(mailTo(email).length, 0);

  const desk = await admin.get('/admin');
  assert.equal(desk.status, 200);
  assert.match(desk.text, /1 email messages could not be sent/);
});

// Last: under the ASan+UBSan build a report would be in the portal's log.
test('the portal is still up and reported no memory or undefined-behaviour error', async () => {
  const report = /AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer/;
  if (report.test(srv.logs.portal) || srv.portal.exitCode !== null) console.log(srv.logs.portal);
  assert.equal(srv.portal.exitCode, null, 'the portal exited');
  assert.ok(!report.test(srv.logs.portal), 'sanitizer report in the portal log');
  assert.equal((await srv.client().get('/healthz')).status, 200);
});
