// time.test.js: the portal's one clock (SPEC.md, "Time, place and calendars", "Attendance and
// completion").  The portal runs with TZ=UTC in its environment and its clock set to
// 11:30 PM Pacific time on Thursday, January 14, 2027, when UTC has already reached Friday,
// January 15: every date and time must still be Pacific, and "today" is the 14th.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { test: nodeTest, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start, loggedTests } = require('./lib');

const PW = 'a long enough password';
const ZONE = 'America/Los_Angeles';
// 2027-01-15T07:30:00Z: 11:30 PM on January 14 in Torrance.  The tests take far less than
// the half hour left before midnight.
const LATE_EVENING = 1799998200;
const TODAY = '2027-01-14';
const TOMORROW = '2027-01-15'; // already UTC's today

let srv;
let staff;

const { test, stopAndReport } = loggedTests(nodeTest, assert);

before(async () => {
  const offset = LATE_EVENING - Math.floor(Date.now() / 1000);
  srv = await start({ env: { TZ: 'UTC', PORTAL_TIME_OFFSET: String(offset) } });
  srv.cli(['user', 'add', '--role', 'staff', '--email', 'desk@example.org', '--name', 'Desk Officer'],
    `${PW}\n`);
  staff = srv.client();
  const r = await staff.login('desk@example.org', PW);
  assert.equal(r.status, 303, `sign-in: ${r.status}`);
  await staff.get('/admin'); // a page with a form, for the csrf token
});
after(() => stopAndReport(srv));

const sql = (query) => srv.sql(query);

// The parts of Unix time t in the portal's zone, computed here independently of the portal.
function pacific(t) {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: ZONE, weekday: 'short', year: 'numeric', month: 'short', day: 'numeric',
    hour: 'numeric', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    timeZoneName: 'longOffset',
  });
  const p = Object.fromEntries(fmt.formatToParts(new Date(t * 1000)).map((x) => [x.type, x.value]));
  const pad = (n) => String(n).padStart(2, '0');
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov',
    'Dec'].indexOf(p.month) + 1;
  const hour = Number(p.hour) % 24;
  const offset = p.timeZoneName.replace(/^GMT([+-])(\d\d):(\d\d)$/, '$1$2$3');
  return {
    // "Jan 14, 2027, 11:30 PM": the staff pages' stored times.
    moment: `${p.month} ${p.day}, ${p.year}, ${hour % 12 || 12}:${p.minute} ${hour < 12 ? 'AM' : 'PM'}`,
    // "2027-01-14 23:30": the CSV files' times.
    csv: `${p.year}-${pad(month)}-${pad(p.day)} ${pad(hour)}:${p.minute}`,
    // "Thu, 14 Jan 2027 23:30:05 -0800": a mail Date header.
    mail: `${p.weekday}, ${pad(p.day)} ${p.month} ${p.year} ${pad(hour)}:${p.minute}:${p.second} ${offset}`,
  };
}

// YYYY-MM-DD `days` after the date iso.
const addDays = (iso, days) => new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86400000)
  .toISOString().slice(0, 10);

let number = 44;
// A class or semester with sessions on the given dates, no reminders (so that nothing is
// queued behind the tests' backs), closed unless open; its id.
function makeCohort(dates, { program = 'pip', open = false, required = 'NULL' } = {}) {
  number += 1;
  const who = program === 'pip' ? `'pip', ${number}, NULL, NULL` : `'tap', NULL, 'fall', ${2000 + number}`;
  const [{ id }] = sql(`INSERT INTO cohorts (program, number, term, year, start_date, capacity,
    required_sessions, registration_open, reminders, created_at) VALUES (${who}, '${dates[0]}', 30,
    ${required}, ${open ? 1 : 0}, 0, 0) RETURNING id`);
  sql(`INSERT INTO cohort_sessions (cohort_id, number, date, topic) VALUES
    ${dates.map((d, i) => `(${id}, ${i + 1}, '${d}', 'Topic ${i + 1}')`).join(', ')}`);
  return id;
}

let serial = 0;
// An accepted participant of cohort (a TAP nomination when tap); its id.
function addParticipant(cohort, { tap = false, last = 'Doe' } = {}) {
  serial += 1;
  const t = LATE_EVENING - 30 * 86400;
  const ref = `${tap ? 'T' : 'P'}-TIME-${String(serial).padStart(4, '0')}`;
  const more = tap
    ? `'north', 'S${serial}', 11, 'Gail Guardian', '3105550133', 'gail${serial}@example.com', 1`
    : 'NULL, NULL, NULL, NULL, NULL, NULL, 0';
  const [{ id }] = sql(`INSERT INTO applications (ref, cohort_id, status, submitted_at, status_at,
    first_name, last_name, dob, email, phone, street, city, zip, emergency_name, emergency_phone,
    school, student_id, grade, guardian_name, guardian_phone, guardian_email, guardian_consent)
    VALUES ('${ref}', ${cohort}, 'accepted', ${t}, ${t}, 'Pat', '${last}', '1980-05-17',
    'p${serial}@example.com', '3105550123', '1 Elm Avenue', 'Torrance', '90503', 'Kin',
    '3105550199', ${more}) RETURNING id`);
  return id;
}

// Posts one session's attendance as the door form does.
function record(base, session, ids) {
  return staff.post(`${base}/attendance`, [['session', String(session)],
    ...ids.map((id) => ['present', String(id)])]);
}

// Everything completion and attendance could change: statuses, marks, audit, outbox.
function state(cohort) {
  return {
    apps: sql(`SELECT id, status, status_at FROM applications WHERE cohort_id = ${cohort} ORDER BY id`),
    marks: sql('SELECT * FROM attendance ORDER BY application_id, session_number'),
    audit: sql('SELECT count(*) AS n FROM audit')[0].n,
    outbox: sql('SELECT count(*) AS n FROM outbox')[0].n,
  };
}

test('with TZ=UTC, an application is shown and exported at its Pacific time', async () => {
  const id = makeCohort([addDays(TODAY, 21), addDays(TODAY, 28)], { open: true });
  const c = srv.client();
  await c.get('/pip/apply');
  const r = await c.post('/pip/apply', {
    class: String(id), first_name: 'Night', last_name: 'Owl', dob: '5/17/1980',
    email: 'owl@example.com', phone: '310-555-0101', street: '10 Oak St', city: 'Torrance',
    zip: '90501', affiliation: 'resident', emergency_name: 'Day Owl',
    emergency_phone: '310-555-0102', ack_background: 'yes',
  });
  assert.equal(r.status, 303, r.text.slice(0, 300));
  const ref = r.headers.get('location').split('/').pop();
  const [app] = sql(`SELECT id, dob, submitted_at FROM applications WHERE ref = '${ref}'`);
  assert.match(app.dob, /^s1:/, 'the date of birth is sealed at rest');
  assert.ok(app.submitted_at >= LATE_EVENING && app.submitted_at < LATE_EVENING + 1800,
    `the portal's clock: ${app.submitted_at}`);
  const want = pacific(app.submitted_at);
  assert.match(want.moment, /^Jan 14, 2027, 11:[3-5]\d PM$/, 'the test computes Pacific time');

  // The staff page of the application.
  const page = await staff.get(`/admin/applications/${app.id}`);
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(`<dt>Received</dt><dd>${want.moment}</dd>`),
    `no "${want.moment}" on the application page`);
  assert.doesNotMatch(page.text, /Jan 15, 2027, \d/, 'a time shown in UTC');

  // The class's CSV: the time, and a file named after the Pacific date.
  const csv = await fetch(`${srv.base}/admin/pip/classes/${id}/applicants.csv`,
    { headers: { cookie: staff.cookieHeader() } });
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-disposition'), /-2027-01-14\.csv"$/);
  const line = (await csv.text()).split('\r\n').find((l) => l.startsWith(ref));
  assert.ok(line, 'the application is in the CSV');
  assert.equal(line.split(',')[3], want.csv);
  assert.equal(line.split(',')[6], '1980-05-17', 'M/D/YYYY read as the American date');
  assert.match(want.csv, /^2027-01-14 23:[3-5]\d$/);

  // The confirmation e-mail's Date header, stamped when it was queued.
  const [mail] = sql("SELECT id, created_at FROM outbox WHERE recipient = 'owl@example.com'");
  assert.ok(mail, 'no confirmation queued');
  const dir = path.join(srv.dir, 'mail');
  let raw;
  const end = Date.now() + 15000;
  while (!raw) {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')) : [];
    raw = files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
      .find((m) => m.includes(`<outbox.${mail.id}.`));
    if (!raw) {
      assert.ok(Date.now() < end, 'the confirmation was not sent');
      await new Promise((res) => setTimeout(res, 100));
    }
  }
  assert.match(raw, new RegExp(`\r\nDate: ${pacific(mail.created_at).mail}\r\n`));
  assert.match(raw, /\r\nDate: Thu, 14 Jan 2027 23:[3-5]\d:\d\d -0800\r\n/);
});

test('a closed application\'s erasure date is the day in Torrance', async () => {
  const id = makeCohort([addDays(TODAY, -7)]);
  const a = addParticipant(id, { last: 'Gone' });
  // Withdrawn at 10:30 PM Pacific: 180 days later is 11:30 PM on July 13 in daylight time,
  // already July 14 in UTC.
  sql(`UPDATE applications SET status = 'withdrawn', status_at = ${LATE_EVENING - 3600}
    WHERE id = ${a}`);
  const r = await staff.get(`/admin/applications/${a}`);
  assert.equal(r.status, 200);
  assert.match(r.text, /Personal details will be erased on Tuesday, July 13, 2027/);
});

test('attendance waits for the session\'s day: a later one is 409 and changes nothing', async () => {
  // Session 2 is today in Torrance; session 3 is tomorrow there, though today in UTC.
  const id = makeCohort([addDays(TODAY, -7), TODAY, TOMORROW, addDays(TODAY, 7)]);
  const base = `/admin/pip/classes/${id}`;
  const a = addParticipant(id, { last: 'Avila' });
  const b = addParticipant(id, { last: 'Bose' });
  let r = await staff.get(`${base}/attendance`);
  assert.equal(r.status, 200);
  assert.match(r.text, /Save attendance for session 2</, 'the grid opens on today\'s session');

  assert.equal((await record(base, 1, [a, b])).status, 303);
  assert.equal((await record(base, 2, [a])).status, 303, 'today\'s session');
  const before0 = state(id);
  assert.equal(before0.marks.length, 3);
  for (const [session, ids] of [[3, [a, b]], [3, []], [4, [a]]]) {
    r = await record(base, session, ids);
    assert.equal(r.status, 409, `session ${session}`);
    assert.match(r.text, /This session has not happened yet/);
    assert.match(r.text, /Nothing was saved/);
    assert.deepEqual(state(id), before0, `session ${session} changed something`);
  }
  assert.match(r.text, /Session 4 is on Thursday, January 21, 2027/);
  // Today's session can still be corrected.
  assert.equal((await record(base, 2, [a, b])).status, 303);
  assert.equal(sql(`SELECT count(*) AS n FROM attendance WHERE session_number = 2
    AND application_id IN (${a}, ${b})`)[0].n, 2);
});

test('completion waits for the last session\'s day, one by one and all at once', async () => {
  // The last session is tomorrow in Torrance (today in UTC); both qualify by attendance.
  const id = makeCohort([addDays(TODAY, -7), TODAY, TOMORROW], { required: 2 });
  const base = `/admin/pip/classes/${id}`;
  const a = addParticipant(id, { last: 'Early' });
  const b = addParticipant(id, { last: 'Eager' });
  assert.equal((await record(base, 1, [a, b])).status, 303);
  assert.equal((await record(base, 2, [a, b])).status, 303);
  const before0 = state(id);

  await staff.get(`/admin/applications/${a}`);
  let r = await staff.post(`/admin/applications/${a}/status`, { status: 'completed', note: 'early' });
  assert.equal(r.status, 409);
  assert.match(r.text, /The program has not ended yet/);
  assert.deepEqual(state(id), before0, 'a refused completion changed something');

  await staff.get(`${base}/attendance`);
  r = await staff.post(`${base}/complete`);
  assert.equal(r.status, 409);
  assert.match(r.text, /The program has not ended yet/);
  assert.match(r.text, /Friday, January 15, 2027/);
  assert.deepEqual(state(id), before0, 'a refused completion of all changed something');
  assert.deepEqual(before0.apps.map((x) => x.status), ['accepted', 'accepted']);
});

test('after the last session, completion works one by one and all at once', async () => {
  const id = makeCohort([addDays(TODAY, -21), addDays(TODAY, -14), addDays(TODAY, -7)],
    { required: 2 });
  const base = `/admin/pip/classes/${id}`;
  const [c, d, e] = ['Cruz', 'Diaz', 'Eng'].map((last) => addParticipant(id, { last }));
  assert.equal((await record(base, 1, [c, d, e])).status, 303);
  assert.equal((await record(base, 2, [c, d])).status, 303);
  const before0 = state(id);

  await staff.get(`/admin/applications/${c}`);
  let r = await staff.post(`/admin/applications/${c}/status`, { status: 'completed', note: 'done' });
  assert.equal(r.status, 303, r.text.slice(0, 300));
  const [row] = sql(`SELECT status, status_at FROM applications WHERE id = ${c}`);
  assert.equal(row.status, 'completed');
  assert.ok(row.status_at >= LATE_EVENING, 'completed on the portal\'s clock');
  assert.deepEqual(sql(`SELECT from_status, to_status, note FROM audit WHERE application_id = ${c}`),
    [{ from_status: 'accepted', to_status: 'completed', note: 'done' }]);
  assert.equal(state(id).outbox, before0.outbox + 1, 'the participant is told');
  // The history shows the move at its Pacific time.
  const page = await staff.get(`/admin/applications/${c}`);
  assert.ok(page.text.includes(`<td>${pacific(row.status_at).moment}</td>`), 'history time');

  await staff.get(`${base}/attendance`);
  r = await staff.post(`${base}/complete`);
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `${base}/attendance?completed=1`);
  const statuses = sql(`SELECT id, status FROM applications WHERE cohort_id = ${id} ORDER BY id`);
  assert.deepEqual(statuses, [{ id: c, status: 'completed' }, { id: d, status: 'completed' },
    { id: e, status: 'accepted' }]);
  assert.equal(state(id).audit, before0.audit + 2);
});

test('the TAP letter is dated the day of completion, in Torrance', async () => {
  // Twelve weekly sessions, the last today (in Torrance; yesterday in UTC).
  const dates = Array.from({ length: 12 }, (_, i) => addDays(TODAY, 7 * (i - 11)));
  const id = makeCohort(dates, { program: 'tap' });
  const base = `/admin/tap/semesters/${id}`;
  const n = addParticipant(id, { tap: true, last: 'Okafor' });
  sql(`INSERT INTO attendance (application_id, session_number, recorded_at)
    SELECT ${n}, number, 0 FROM cohort_sessions WHERE cohort_id = ${id} AND number <= 10`);
  assert.equal((await staff.get(`/counselor/nominations/${n}/letter`)).status, 404);

  await staff.get(`${base}/attendance`);
  const r = await staff.post(`${base}/complete`);
  assert.equal(r.status, 303, r.text.slice(0, 300));
  assert.equal(r.headers.get('location'), `${base}/attendance?completed=1`);
  const [row] = sql(`SELECT status, status_at FROM applications WHERE id = ${n}`);
  assert.equal(row.status, 'completed');

  let letter = await staff.get(`/counselor/nominations/${n}/letter`);
  assert.equal(letter.status, 200);
  assert.match(letter.text, /<p>Thursday, January 14, 2027<\/p>/);
  assert.doesNotMatch(letter.text, /January 15, 2027/);
  assert.match(letter.text, /attended 10 of 12 sessions/);
  // Printed again later, it keeps the completion's date: here a completion at 11 PM
  // Pacific on January 7 (already the 8th in UTC).
  sql(`UPDATE applications SET status_at = ${Date.parse('2027-01-08T07:00:00Z') / 1000} WHERE id = ${n}`);
  letter = await staff.get(`/counselor/nominations/${n}/letter`);
  assert.match(letter.text, /<p>Thursday, January 7, 2027<\/p>/);
  assert.doesNotMatch(letter.text, /<p>Thursday, January 14, 2027<\/p>/);
});
