// reminders.test.js: session reminders (SPEC.md, Time, place and calendars): a week before
// the first session and the day before each, to accepted participants only, once each
// whatever restarts happen, never for a session already past, never when turned off.
//
// The portal's clock is moved with PORTAL_TIME_OFFSET to noon, in the portal's time zone,
// of chosen days: the test then does not depend on the hour it runs at.
'use strict';
const { test: nodeTest, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start, loggedTests } = require('./lib');

const ZONE = 'America/Los_Angeles'; // the portal's default time_zone
const DEFAULT_PLACE = 'Torrance Police Department, Community Room, 3300 Civic Center Drive, ' +
  'Torrance, CA 90503';
const PW = 'a long enough password';
const COUNSELOR = 'counselor.remind@example.org';
const DAY_MS = 86400000;

let srv;
const { test, stopAndReport } = loggedTests(nodeTest, assert);
after(() => stopAndReport(srv));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const q = (s) => `'${String(s).replace(/'/g, "''")}'`;

// Calendar arithmetic on ISO dates.
const addDays = (iso, n) => new Date(Date.parse(`${iso}T00:00:00Z`) + n * DAY_MS)
  .toISOString().slice(0, 10);
function zoneDate(ms) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit',
    day: '2-digit' }).format(ms);
}
// Unix milliseconds of noon on iso in the portal's zone (no DST change happens near noon).
function zoneNoon(iso) {
  const guess = Date.parse(`${iso}T12:00:00Z`);
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: ZONE, hourCycle: 'h23',
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
    .formatToParts(guess).map((x) => [x.type, x.value]));
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour),
    Number(p.minute));
  return guess - (wall - guess);
}
// "Thursday, January 14, 2027"
function longDate(iso) {
  return new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', weekday: 'long', year: 'numeric',
    month: 'long', day: 'numeric' }).format(Date.parse(`${iso}T00:00:00Z`));
}

// Today in the portal's zone: the sessions are set relative to it.
const T0 = zoneDate(Date.now());
const day = (n) => addDays(T0, n);

// Stops the portal and starts it again with its clock at noon of day n; waits until it serves.
async function restartAt(n) {
  if (srv.portal.exitCode === null && srv.portal.signalCode === null) {
    srv.portal.kill('SIGTERM');
    await srv.portalExit;
  }
  srv.env.PORTAL_TIME_OFFSET = String(Math.round((zoneNoon(day(n)) - Date.now()) / 1000));
  await srv.startPortal();
  const end = Date.now() + 15000;
  while ((await fetch(`${srv.base}/healthz`).then((r) => r.status, () => 0)) !== 200) {
    if (Date.now() > end) throw new Error('the portal did not come back');
    await sleep(50);
  }
}

function reminders() {
  return srv.sql(`SELECT dedup_key, recipient, subject, body, sent_at FROM outbox
    WHERE dedup_key LIKE 'reminder:%' ORDER BY id`);
}

// Waits until the outbox holds n reminders (at most ms) and has stayed so for 1.5 s (the
// job runs at start-up); returns them.
async function settled(n, ms = 20000) {
  const end = Date.now() + ms;
  while (reminders().length < n) {
    if (Date.now() > end) break;
    await sleep(100);
  }
  await sleep(1500);
  return reminders();
}

let number = 70;
// A class (program pip) or semester (tap) with the sessions given as
// {day, from, to, place, topic}; reminders on unless told.  Its id and title.
function makeCohort({ program = 'pip', sessions, reminders = 1 }) {
  const first = day(sessions[0].day);
  number += 1;
  const [{ id }] = srv.sql(program === 'pip'
    ? `INSERT INTO cohorts (program, number, start_date, capacity, registration_open, created_at,
        reminders) VALUES ('pip', ${number}, '${first}', 30, 0, 0, ${reminders}) RETURNING id`
    : `INSERT INTO cohorts (program, term, year, start_date, capacity, registration_open,
        created_at, reminders) VALUES ('tap', 'spring', ${2000 + number}, '${first}', 30, 0, 0,
        ${reminders}) RETURNING id`);
  const rows = sessions.map((s, i) => `(${id}, ${i + 1}, '${day(s.day)}', ${q(s.topic || '')},
    ${s.from ? q(s.from) : 'NULL'}, ${s.to ? q(s.to) : 'NULL'}, ${s.place ? q(s.place) : 'NULL'})`);
  srv.sql(`INSERT INTO cohort_sessions (cohort_id, number, date, topic, start_time, end_time,
    location) VALUES ${rows.join(', ')}`);
  const title = program === 'pip' ? `Partners In Policing Class ${number}`
    : `Teens and Policing Spring ${2000 + number}`;
  return { id, title, sessions: sessions.length };
}

let serial = 0;
// An application row on cohort; fields override the defaults.  Its id and ref.
function addApp(cohort, fields = {}) {
  serial += 1;
  const t = Math.floor(Date.now() / 1000) - 30 * 86400;
  const ref = `${fields.school ? 'T' : 'P'}-REM${serial % 10}-${String(serial).padStart(4, '0')}`;
  const f = {
    ref, cohort_id: cohort.id, status: 'accepted', submitted_at: t, status_at: t,
    first_name: `First${serial}`, last_name: `Last${serial}`, dob: '1980-05-17',
    email: `p${serial}@example.com`, phone: '3105550123', ...fields,
  };
  const cols = Object.keys(f);
  const vals = cols.map((k) => (typeof f[k] === 'number' ? f[k] : q(f[k])));
  const [{ id }] = srv.sql(`INSERT INTO applications (${cols.join(', ')}) VALUES (${vals.join(', ')})
    RETURNING id`);
  return { id, ref, ...f };
}

// A nomination on semester: the student and the guardian's fields given.
function addNomination(sem, fields) {
  const [{ id: counselor }] = srv.sql(`SELECT id FROM users WHERE email = ${q(COUNSELOR)}`);
  return addApp(sem, { school: 'north', student_id: `90${serial}`, grade: 11, dob: '2010-03-01',
    guardian_phone: '3105550100', guardian_consent: 1, counselor_id: counselor, ...fields });
}

// What the outbox must hold: "KEY RECIPIENT" lines.
const expected = [];
function expect(kind, app, session, iso, to) {
  for (const [role, email] of to) expected.push(`reminder:${app.id}:${kind}:${session}:${iso}:${role} ${email}`);
}
const lines = (rows) => rows.map((r) => `${r.dedup_key} ${r.recipient}`).sort();

function assertOnceEach(rows) {
  assert.deepEqual(srv.sql(`SELECT dedup_key, recipient, count(*) AS n FROM outbox
    WHERE dedup_key LIKE 'reminder:%' GROUP BY dedup_key, recipient HAVING n > 1`), []);
  // One message per person and session: a student whose address is the guardian's gets one.
  assert.deepEqual(srv.sql(`SELECT recipient, subject, count(*) AS n FROM outbox
    WHERE dedup_key LIKE 'reminder:%' GROUP BY recipient, subject HAVING n > 1`), []);
  for (const r of rows) {
    assert.match(r.dedup_key, /^reminder:\d+:(week|day):\d+:\d{4}-\d{2}-\d{2}:(applicant|guardian|student)$/);
    assert.ok(!r.body.includes('{{'), 'no template tags left');
  }
}

function find(rows, app, kind, session, iso, role) {
  const r = rows.find((x) => x.dedup_key === `reminder:${app.id}:${kind}:${session}:${iso}:${role}`);
  assert.ok(r, `no ${kind} reminder of session ${session} on ${iso} for ${app.ref} (${role})`);
  return r;
}

let A; let B; let C; let D; let E;
let a1; let a2; let a3; let a4; let b1; let b2; let c1; let d1; let d2; let d3; let d4; let e1;

before(async () => {
  srv = await start();
  srv.cli(['user', 'add', '--role', 'counselor', '--email', COUNSELOR, '--name', 'Nora North',
    '--school', 'north'], `${PW}\n`);
  // The data goes in while no portal runs, so that no run sees half of it.
  srv.portal.kill('SIGTERM');
  await srv.portalExit;

  // Class A: two sessions past, one begun this morning, one tonight, then later ones.
  A = makeCohort({ sessions: [
    { day: -14 }, { day: -7 },
    { day: 0, from: '00:00', to: '00:30' },
    { day: 0, from: '20:00', to: '21:00', topic: 'Ride-along briefing' },
    { day: 1, from: '19:00', to: '21:00', place: 'Torrance Airport, Hangar 5', topic: 'Traffic stops' },
    { day: 2 }, { day: 7 },
  ] });
  a1 = addApp(A, { first_name: 'Ana', email: 'ana@example.com' });
  a2 = addApp(A, { first_name: 'Ben', email: 'ben@example.com' });
  a3 = addApp(A, { status: 'submitted', email: 'submitted@example.com' });
  a4 = addApp(A, { status: 'declined', email: 'declined@example.com' });
  // Class B starts in five days; one more participant is accepted later.
  B = makeCohort({ sessions: [{ day: 5, topic: 'Welcome' }, { day: 7 }, { day: 14 }] });
  b1 = addApp(B, { first_name: 'Cleo', email: 'cleo@example.com' });
  b2 = addApp(B, { status: 'submitted', first_name: 'Dev', email: 'dev@example.com' });
  // Class C starts in nine days; its applicant is accepted three days before.
  C = makeCohort({ sessions: [{ day: 9 }, { day: 16 }] });
  c1 = addApp(C, { status: 'submitted', first_name: 'Eve', email: 'eve@example.com' });
  // Semester D starts in three days.
  D = makeCohort({ program: 'tap', sessions: [{ day: 3 }, { day: 7 }, { day: 14 }] });
  d1 = addNomination(D, { first_name: 'Alex', last_name: 'Rivera', email: 'alex@example.com',
    guardian_name: 'Pat Rivera', guardian_email: 'pat.rivera@example.com' });
  d2 = addNomination(D, { first_name: 'Kim', last_name: 'Lee', email: '',
    guardian_name: 'Jo Lee', guardian_email: 'jo.lee@example.com' });
  d3 = addNomination(D, { first_name: 'Sam', last_name: 'Adult', dob: '2006-01-01', grade: 12,
    email: 'sam.adult@example.com', guardian_name: '', guardian_phone: '', guardian_email: '' });
  d4 = addNomination(D, { first_name: 'Lu', last_name: 'Same', email: 'family@example.com',
    guardian_name: 'Mo Same', guardian_email: 'FAMILY@example.com' });
  // Class E has reminders turned off.
  E = makeCohort({ reminders: 0, sessions: [{ day: 1 }, { day: 3 }, { day: 7 }] });
  e1 = addApp(E, { email: 'off@example.com' });
});

test('today: the reminders due are queued once, none for sessions begun or past', async () => {
  await restartAt(0);
  expect('day', a1, 4, day(0), [['applicant', a1.email]]);
  expect('day', a2, 4, day(0), [['applicant', a2.email]]);
  expect('day', a1, 5, day(1), [['applicant', a1.email]]);
  expect('day', a2, 5, day(1), [['applicant', a2.email]]);
  expect('week', b1, 1, day(5), [['applicant', b1.email]]);
  expect('week', d1, 1, day(3), [['guardian', d1.guardian_email], ['student', d1.email]]);
  expect('week', d2, 1, day(3), [['guardian', d2.guardian_email]]);
  expect('week', d3, 1, day(3), [['student', d3.email]]);
  expect('week', d4, 1, day(3), [['guardian', d4.guardian_email]]);
  const rows = await settled(expected.length);
  assert.deepEqual(lines(rows), [...expected].sort());
  assertOnceEach(rows);

  // The day-before reminder of the session held at 7 PM at the airport.
  const r = find(rows, a1, 'day', 5, day(1), 'applicant');
  assert.equal(r.subject, `Reminder: ${A.title}, session 5 on ${longDate(day(1))}`);
  assert.match(r.body, /^Hello Ana,\n/);
  assert.ok(r.body.includes(`next session of Partners In Policing, Class ${A.title.split(' ').pop()}: session 5 of 7.`), r.body);
  assert.ok(r.body.includes(`Date: ${longDate(day(1))}\nTime: 7:00 to 9:00 PM\n` +
    'Place: Torrance Airport, Hangar 5\nTopic: Traffic stops\n'), r.body);
  assert.ok(r.body.includes(`Reference: ${a1.ref}`), r.body);
  assert.match(r.body, /Check the status at any time: http\S*\/status\?ref=[A-Z0-9-]+\n/);
  assert.match(r.body, /Telephone 310-618-5555/);
  // Tonight's session: still to come at noon, the cohort's place.
  const tonight = find(rows, a2, 'day', 4, day(0), 'applicant');
  assert.ok(tonight.body.includes(`Date: ${longDate(day(0))}\nTime: 8:00 to 9:00 PM\n` +
    `Place: ${DEFAULT_PLACE}\nTopic: Ride-along briefing\n`), tonight.body);

  // A week before: the class's usual evening and place; no topic line when there is none.
  const w = find(rows, b1, 'week', 1, day(5), 'applicant');
  assert.equal(w.subject, `Reminder: ${B.title} begins on ${longDate(day(5))}`);
  assert.match(w.body, /^Hello Cleo,\n/);
  assert.ok(w.body.includes(`begins on ${longDate(day(5))}. Here are the details of your first session.`), w.body);
  assert.ok(w.body.includes(`Time: 6:00 to 8:00 PM\nPlace: ${DEFAULT_PLACE}\nTopic: Welcome\n`), w.body);

  // TAP: the guardian is told about the student; the student is addressed.
  const g = find(rows, d1, 'week', 1, day(3), 'guardian');
  assert.equal(g.subject, `Reminder: ${D.title} begins on ${longDate(day(3))}`);
  assert.match(g.body, /^Hello Pat Rivera,\n/);
  assert.ok(g.body.includes("the details of Alex Rivera's first session."), g.body);
  assert.ok(g.body.includes(`Place: ${DEFAULT_PLACE}\n\n`), 'no topic line');
  const s = find(rows, d1, 'week', 1, day(3), 'student');
  assert.match(s.body, /^Hello Alex,\n/);
  assert.ok(s.body.includes('the details of your first session.'), s.body);

  // Nobody else: not the submitted or declined applicants, the counselor, class E.
  for (const email of [a3.email, a4.email, b2.email, c1.email, e1.email, COUNSELOR]) {
    assert.equal(srv.sql(`SELECT count(*) AS n FROM outbox WHERE recipient = ${q(email)}`)[0].n, 0, email);
  }
});

test('a restart on the same day queues nothing again', async () => {
  await restartAt(0);
  const rows = await settled(expected.length + 1, 3000);
  assert.deepEqual(lines(rows), [...expected].sort());
});

test('the next day: a moved session is reminded again at its new date, nothing else twice', async () => {
  srv.portal.kill('SIGTERM');
  await srv.portalExit;
  // Session 5 moves from tomorrow to the day after, as staff would move it.
  srv.sql(`UPDATE cohort_sessions SET date = '${day(2)}', sequence = sequence + 1
    WHERE cohort_id = ${A.id} AND number = 5`);
  await restartAt(1);
  for (const app of [a1, a2]) {
    expect('day', app, 5, day(2), [['applicant', app.email]]);
    expect('day', app, 6, day(2), [['applicant', app.email]]);
  }
  const rows = await settled(expected.length);
  assert.deepEqual(lines(rows), [...expected].sort());
  assertOnceEach(rows);
  const moved = find(rows, a1, 'day', 5, day(2), 'applicant');
  assert.equal(moved.subject, `Reminder: ${A.title}, session 5 on ${longDate(day(2))}`);
  assert.ok(moved.body.includes(`Date: ${longDate(day(2))}\nTime: 7:00 to 9:00 PM\n`), moved.body);
  const six = find(rows, a2, 'day', 6, day(2), 'applicant');
  assert.match(six.body, /^Hello Ben,\n/);
  assert.ok(six.body.includes('session 6 of 7.'), six.body);
});

test('six days on: newly accepted people get what is due, past sessions nothing', async () => {
  srv.portal.kill('SIGTERM');
  await srv.portalExit;
  srv.sql(`UPDATE applications SET status = 'accepted' WHERE id IN (${b2.id}, ${c1.id})`);
  await restartAt(6);
  for (const app of [a1, a2]) expect('day', app, 7, day(7), [['applicant', app.email]]);
  for (const app of [b1, b2]) expect('day', app, 2, day(7), [['applicant', app.email]]);
  // Accepted three days before the first session: the week-before reminder still comes.
  expect('week', c1, 1, day(9), [['applicant', c1.email]]);
  expect('day', d1, 2, day(7), [['guardian', d1.guardian_email], ['student', d1.email]]);
  expect('day', d2, 2, day(7), [['guardian', d2.guardian_email]]);
  expect('day', d3, 2, day(7), [['student', d3.email]]);
  expect('day', d4, 2, day(7), [['guardian', d4.guardian_email]]);
  const rows = await settled(expected.length);
  assert.deepEqual(lines(rows), [...expected].sort());
  assertOnceEach(rows);
  const g = find(rows, d2, 'day', 2, day(7), 'guardian');
  assert.equal(g.subject, `Reminder: ${D.title}, session 2 on ${longDate(day(7))}`);
  assert.match(g.body, /^Hello Jo Lee,\n/);
  assert.ok(g.body.includes(`Kim Lee's next session of Teens and Policing, ${D.title.split(' ').slice(-2).join(' ')}: session 2 of 3.`), g.body);
  assert.ok(g.body.includes('If Kim Lee cannot come'), g.body);
  // b2 never had B's first session reminded: it was over when they were accepted.
  assert.equal(rows.filter((r) => r.recipient === b2.email).length, 1);
  for (const email of [a3.email, a4.email, e1.email, COUNSELOR]) {
    assert.equal(srv.sql(`SELECT count(*) AS n FROM outbox WHERE recipient = ${q(email)}`)[0].n, 0, email);
  }
});

test('every reminder is delivered', async () => {
  const end = Date.now() + 20000;
  while (reminders().some((r) => r.sent_at === null)) {
    if (Date.now() > end) assert.fail('reminders still waiting to be sent');
    await sleep(100);
  }
});
