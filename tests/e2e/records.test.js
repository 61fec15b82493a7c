// records.test.js: attendance, completing who qualifies, the printable roster, the staff's
// report and the erasure of personal data after the retention period (SPEC.md).
'use strict';
const { test: nodeTest, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start, loggedTests, nowSeconds, today, addDays } = require('./lib');

const PW = 'a long enough password';
let srv;
let staff;

// A client signed in as the account with this email.
async function signIn(email) {
  const c = srv.client();
  const r = await c.login(email, PW);
  assert.equal(r.status, 303, `sign-in of ${email}: ${r.status}`);
  await c.get('/admin'); // a page with a form, for the csrf token
  return c;
}

before(async () => {
  srv = await start();
  srv.cli(['user', 'add', '--role', 'staff', '--email', 'desk@example.org', '--name', 'Desk Officer'],
    `${PW}\n`);
  srv.cli(['user', 'add', '--role', 'counselor', '--email', 'co@example.org', '--name', 'Co Unselor',
    '--school', 'north'], `${PW}\n`);
  staff = await signIn('desk@example.org');
});

const { test, stopAndReport } = loggedTests(nodeTest, assert);
after(() => stopAndReport(srv));

// Runs SQL on the test database (srv.sql waits for the portal's writers).
const sql = (query) => srv.sql(query);

const DAY = 86400;

// Attendance is kept only for sessions whose day has come, and completion waits for the
// last one: unless a test says otherwise, classes and semesters are over.  Fifteen weeks
// ago leaves twelve weekly sessions in the past.
const PAST_START = today(-7 * 15);
const PAST_YEAR = Number(today().slice(0, 4)) - 1;
// A fall semester still to come, far enough ahead that no reminder or rule of the day
// touches it: that of the year after next.
const FUTURE_YEAR = Number(today().slice(0, 4)) + 2;

let number = 59;
// A PIP class (registration closed) with n sessions a week apart from startDate; its id.
function makeClass({ sessions = 6, startDate = PAST_START, required = 'NULL' } = {}) {
  number += 1;
  const [{ id }] = sql(`INSERT INTO cohorts (program, number, start_date, capacity,
    required_sessions, registration_open, created_at) VALUES ('pip', ${number}, '${startDate}',
    30, ${required}, 0, 0) RETURNING id`);
  const rows = [];
  for (let n = 1; n <= sessions; n++) rows.push(`(${id}, ${n}, '${addDays(startDate, 7 * (n - 1))}', 'Topic ${n}')`);
  if (rows.length) sql(`INSERT INTO cohort_sessions (cohort_id, number, date, topic) VALUES ${rows.join(', ')}`);
  return id;
}

// A TAP semester of fall `year` with 12 weekly sessions; its id.
function makeSemester(year) {
  const startDate = `${year}-09-02`;
  const [{ id }] = sql(`INSERT INTO cohorts (program, term, year, start_date, capacity,
    registration_open, created_at) VALUES ('tap', 'fall', ${year}, '${startDate}', 30, 0, 0)
    RETURNING id`);
  const rows = [];
  for (let n = 1; n <= 12; n++) rows.push(`(${id}, ${n}, '${addDays(startDate, 7 * (n - 1))}', 'Week ${n}')`);
  sql(`INSERT INTO cohort_sessions (cohort_id, number, date, topic) VALUES ${rows.join(', ')}`);
  return id;
}

let serial = 0;
// An application row on cohort id; fields override the defaults.  Its id.
function addApp(cohort, fields = {}) {
  serial += 1;
  const t = nowSeconds() - 1000;
  const f = {
    ref: `P-TEST-${String(serial).padStart(4, '0')}`, cohort_id: cohort, status: 'accepted',
    submitted_at: t, status_at: t, first_name: `First${serial}`, last_name: `Last${serial}`,
    dob: '1980-05-17', email: `p${serial}@example.com`, phone: '3105550123',
    street: '1 Elm Avenue', city: 'Torrance', zip: '90503', emergency_name: `Kin${serial}`,
    emergency_phone: '3105550199', accommodations: 'none', referral: '', ...fields,
  };
  const cols = Object.keys(f);
  const lit = (v) => {
    if (v === null) return 'NULL';
    return typeof v === 'number' ? v : `'${String(v).replace(/'/g, "''")}'`;
  };
  const vals = cols.map((k) => lit(f[k]));
  const [{ id }] = sql(`INSERT INTO applications (${cols.join(', ')}) VALUES (${vals.join(', ')})
    RETURNING id`);
  return id;
}

// Posts one session's attendance as the door form does.
function record(client, base, session, ids) {
  return client.post(`${base}/attendance`, [['session', String(session)],
    ...ids.map((id) => ['present', String(id)])]);
}

// The totals column of the grid: application id -> total.
function totals(html) {
  return Object.fromEntries([...html.matchAll(/data-total="(\d+)">(\d+)</g)]
    .map((m) => [Number(m[1]), Number(m[2])]));
}

function allMarks() {
  return sql('SELECT application_id, session_number, recorded_at FROM attendance ORDER BY 1, 2');
}

// The home page's figures: classes graduated and graduates.
async function figures() {
  const r = await srv.client().get('/');
  assert.equal(r.status, 200);
  const num = (label) => {
    const m = r.text.match(new RegExp(`figure__number">([\\d,]+)</span> <span class="figure__label">${label}<`));
    assert.ok(m, `no figure ${label}`);
    return Number(m[1].replace(/,/g, ''));
  };
  return { classes: num('classes graduated'), graduates: num('graduates'), text: r.text };
}

test('attendance: one session at a time, totals on the grid, other sessions kept', async () => {
  const id = makeClass({ sessions: 6 });
  const base = `/admin/pip/classes/${id}`;
  const [a, b, c, d] = ['Alvarez', 'Baker', 'Chen', 'Diaz'].map((last) => addApp(id, { last_name: last }));
  const waiting = addApp(id, { status: 'submitted', last_name: 'Evans' });
  let r = await staff.get(`${base}/attendance`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.match(r.text, /6 sessions: 4 of 6 needed to graduate/);
  // Every session is past: the grid opens on the last one.
  assert.match(r.text, /Save attendance for session 6</);
  for (const x of [a, b, c, d]) assert.match(r.text, new RegExp(`name="present" type="checkbox" value="${x}">`));
  assert.doesNotMatch(r.text, new RegExp(`value="${waiting}"`));
  assert.match(r.text, /<caption[^>]*>Attendance at every session/);
  assert.doesNotMatch(r.text, /style=/);

  const plan = { 1: [a, b, c, d], 2: [a, b, c], 3: [a, b], 4: [a, b, c], 5: [a] };
  for (const [session, ids] of Object.entries(plan)) {
    r = await record(staff, base, session, ids);
    assert.equal(r.status, 303, r.text.slice(0, 300));
    assert.equal(r.headers.get('location'), `${base}/attendance?session=${session}&saved=1`);
  }
  r = await staff.get(`${base}/attendance?session=5&saved=1`);
  assert.match(r.text, /Attendance saved for session 5: 1 present/);
  assert.match(r.text, new RegExp(`value="${a}" checked>`));
  assert.match(r.text, new RegExp(`value="${b}">`));
  assert.deepEqual(totals(r.text), { [a]: 5, [b]: 4, [c]: 3, [d]: 1 });

  // Saving session 2 again, with one person fewer, leaves every other session alone.
  const others = allMarks().filter((m) => m.session_number !== 2);
  r = await record(staff, base, 2, [a, b]);
  assert.equal(r.status, 303);
  assert.deepEqual(allMarks().filter((m) => m.session_number !== 2), others);
  assert.deepEqual(sql(`SELECT application_id FROM attendance WHERE session_number = 2 ORDER BY 1`)
    .map((m) => m.application_id), [a, b]);
  r = await staff.get(`${base}/attendance?session=2`);
  assert.match(r.text, /Save attendance for session 2</);
  assert.deepEqual(totals(r.text), { [a]: 5, [b]: 4, [c]: 2, [d]: 1 });
  // A mark kept keeps the time it was first recorded.
  sql(`UPDATE attendance SET recorded_at = 5 WHERE application_id = ${a} AND session_number = 2`);
  r = await record(staff, base, 2, [a, b, c]);
  assert.equal(r.status, 303);
  assert.deepEqual(sql(`SELECT application_id AS id, recorded_at AS t FROM attendance
    WHERE session_number = 2 ORDER BY 1`).map((m) => [m.id, m.t === 5]), [[a, true], [b, false], [c, false]]);
});

test('attendance refuses a foreign id, a waiting applicant and a bad session, changing nothing', async () => {
  const id = makeClass({ sessions: 4 });
  const other = makeClass({ sessions: 4 });
  const base = `/admin/pip/classes/${id}`;
  const a = addApp(id);
  const pending = addApp(id, { status: 'submitted' });
  const declined = addApp(id, { status: 'declined' });
  const foreign = addApp(other);
  await staff.get(`${base}/attendance`);
  assert.equal((await record(staff, base, 1, [a])).status, 303);
  const marks = allMarks();
  for (const [session, ids] of [[1, [foreign]], [2, [a, foreign]], [1, [pending]], [1, [declined]],
    [1, [999999]], [0, [a]], [5, [a]], ['x', [a]], [1, ['1x']]]) {
    const r = await record(staff, base, session, ids);
    assert.equal(r.status, 400, `session ${session} ids ${ids}`);
  }
  assert.deepEqual(allMarks(), marks);
  // An empty form clears the session.
  assert.equal((await record(staff, base, 1, [])).status, 303);
  assert.equal(sql(`SELECT count(*) AS n FROM attendance WHERE application_id = ${a}`)[0].n, 0);
  // The wrong program in the URL, or no such class: 404.
  assert.equal((await staff.get(`/admin/tap/semesters/${id}/attendance`)).status, 404);
  assert.equal((await staff.get('/admin/pip/classes/999999/attendance')).status, 404);
  assert.equal((await record(staff, '/admin/pip/classes/999999', 1, [])).status, 404);
});

test('complete everyone who qualifies: one action, audited, and the home figures follow', async () => {
  const before0 = await figures();
  assert.equal(before0.classes, 44);
  assert.equal(before0.graduates, 1000);
  const id = makeClass({ sessions: 6 });
  const base = `/admin/pip/classes/${id}`;
  const [a, b, c, d] = ['Ames', 'Brook', 'Cruz', 'Dunn'].map((last) => addApp(id, { last_name: last, first_name: 'Pat' }));
  const pending = addApp(id, { status: 'submitted', last_name: 'Eady' });
  // The pending one has marks (from an earlier acceptance, say): it still must not complete.
  sql(`INSERT INTO attendance VALUES ${[1, 2, 3, 4, 5, 6].map((n) => `(${pending}, ${n}, 0)`).join(', ')}`);
  await staff.get(`${base}/attendance`);
  const plan = { 1: [a, b, c, d], 2: [a, b, c], 3: [a, b, c], 4: [a, b], 5: [a], 6: [a, b] };
  for (const [session, ids] of Object.entries(plan)) {
    assert.equal((await record(staff, base, session, ids)).status, 303);
  }
  let r = await staff.get(`${base}/attendance`);
  assert.deepEqual(totals(r.text), { [a]: 6, [b]: 5, [c]: 3, [d]: 1 });
  assert.match(r.text, new RegExp(`action="${base}/complete"`));
  assert.match(r.text, /Complete everyone who qualifies \(2\)/);

  const audit0 = sql('SELECT count(*) AS n FROM audit')[0].n;
  r = await staff.post(`${base}/complete`, {}, { csrf: false });
  assert.equal(r.status, 403);
  assert.equal(sql(`SELECT count(*) AS n FROM applications WHERE cohort_id = ${id} AND status = 'completed'`)[0].n, 0);

  r = await staff.post(`${base}/complete`);
  assert.equal(r.status, 303, r.text.slice(0, 300));
  assert.equal(r.headers.get('location'), `${base}/attendance?completed=2`);
  const status = Object.fromEntries(sql(`SELECT id, status FROM applications WHERE cohort_id = ${id}`)
    .map((x) => [x.id, x.status]));
  assert.deepEqual(status, { [a]: 'completed', [b]: 'completed', [c]: 'accepted', [d]: 'accepted',
    [pending]: 'submitted' });
  const audit = sql(`SELECT application_id, actor, from_status, to_status, note FROM audit
    WHERE id > (SELECT max(id) FROM audit) - 2 ORDER BY application_id`);
  assert.equal(sql('SELECT count(*) AS n FROM audit')[0].n, audit0 + 2);
  assert.deepEqual(audit, [
    { application_id: a, actor: 'Desk Officer', from_status: 'accepted', to_status: 'completed', note: 'Attended 6 of 6 sessions' },
    { application_id: b, actor: 'Desk Officer', from_status: 'accepted', to_status: 'completed', note: 'Attended 5 of 6 sessions' },
  ].sort((x, y) => x.application_id - y.application_id));
  const mailed = sql(`SELECT recipient FROM outbox WHERE recipient IN
    (SELECT email FROM applications WHERE cohort_id = ${id}) ORDER BY recipient`).map((x) => x.recipient);
  assert.deepEqual(mailed, sql(`SELECT email FROM applications WHERE id IN (${a}, ${b}) ORDER BY email`)
    .map((x) => x.email));

  r = await staff.get(r.headers.get('location'));
  assert.equal(r.status, 200);
  assert.match(r.text, /2 participants moved to completed/);
  assert.match(r.text, /Cruz, Pat: attended 3 of 6; needs 4/);
  assert.match(r.text, /Dunn, Pat: attended 1 of 6; needs 4/);
  assert.doesNotMatch(r.text, /Eady/);
  assert.doesNotMatch(r.text, /Complete everyone who qualifies/);

  const after0 = await figures();
  assert.equal(after0.classes, before0.classes + 1);
  assert.equal(after0.classes, 45);
  assert.equal(after0.graduates, before0.graduates + 2);
  assert.match(after0.text, /1,002<\/span> <span class="figure__label">graduates/);

  // Again: nobody else qualifies, nothing changes.
  r = await staff.post(`${base}/complete`);
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `${base}/attendance?completed=0`);
  assert.equal(sql('SELECT count(*) AS n FROM audit')[0].n, audit0 + 2);
  // A completed participant's marks can still be corrected; they stay completed.
  assert.equal((await record(staff, base, 5, [a, b])).status, 303);
  assert.equal(sql(`SELECT status FROM applications WHERE id = ${b}`)[0].status, 'completed');
});

test('a semester has attendance and completion too', async () => {
  const id = makeSemester(PAST_YEAR);
  const base = `/admin/tap/semesters/${id}`;
  const s = addApp(id, { ref: 'T-TEST-0001', school: 'north', grade: 11, street: null, city: null, zip: null });
  let r = await staff.get(`${base}/attendance?session=12`);
  assert.equal(r.status, 200);
  assert.match(r.text, /10 of 12 needed to complete/);
  assert.match(r.text, /Save attendance for session 12</);
  for (let n = 1; n <= 10; n++) assert.equal((await record(staff, base, n, [s])).status, 303);
  assert.equal((await record(staff, base, 13, [s])).status, 400);
  r = await staff.post(`${base}/complete`);
  assert.equal(r.headers.get('location'), `${base}/attendance?completed=1`);
  assert.equal(sql(`SELECT status FROM applications WHERE id = ${s}`)[0].status, 'completed');
  assert.match((await staff.get(r.headers.get('location'))).text, /1 participant moved to completed/);
});

test('the roster prints the participants and one sign-in sheet per session', async () => {
  const id = makeClass({ sessions: 7 });
  const accepted = addApp(id, { first_name: 'Rosa', last_name: 'Parks-Test', phone: '3105550111',
    emergency_name: 'Ray Parks', emergency_phone: '3105550122',
    accommodations: 'Step-free access\nNo running: knee' });
  addApp(id, { first_name: 'Wai', last_name: 'Ting', status: 'waitlisted', waitlist_position: 1 });
  const r = await staff.get(`/admin/pip/classes/${id}/roster`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.match(r.text, /<body class="page page--print">/);
  assert.equal((r.text.match(/class="page-break"/g) || []).length, 7);
  assert.equal((r.text.match(/<section class="sign-in"/g) || []).length, 7);
  assert.match(r.text, /Parks-Test, Rosa/);
  assert.match(r.text, /310-555-0111/);
  assert.match(r.text, /Ray Parks, <span class="nowrap">310-555-0122/);
  assert.match(r.text, /Topic 7/);
  assert.match(r.text, /<th scope="col">Signature<\/th>/);
  // Needs and accommodations on the roster; five rows for walk-ins on each sheet, which
  // says the session's date, time and place.
  assert.match(r.text, /<th scope="col">Needs and accommodations<\/th>/);
  assert.match(r.text, /<td class="multiline">Step-free access\nNo running: knee<\/td>/);
  assert.equal((r.text.match(/<tr class="sign-in__blank">/g) || []).length, 7 * 5);
  assert.equal((r.text.match(/<dt>Date<\/dt>/g) || []).length, 7);
  assert.equal((r.text.match(/<dt>Time<\/dt>/g) || []).length, 7);
  assert.equal((r.text.match(/<dt>Place<\/dt>/g) || []).length, 7);
  assert.doesNotMatch(r.text, /Nobody has been accepted yet/);
  assert.doesNotMatch(r.text, /Ting/);
  assert.doesNotMatch(r.text, /style=/);
  assert.ok(accepted);

  const sem = makeSemester(FUTURE_YEAR);
  addApp(sem, { ref: 'T-TEST-0002', first_name: 'Sam', last_name: 'Student', school: 'north',
    grade: 12, guardian_name: 'Gail Guardian', guardian_phone: '3105550133' });
  const t = await staff.get(`/admin/tap/semesters/${sem}/roster`);
  assert.equal(t.status, 200);
  assert.equal((t.text.match(/class="page-break"/g) || []).length, 12);
  assert.match(t.text, /North High School/);
  assert.match(t.text, /Gail Guardian/);
  assert.match(t.text, /310-555-0133/);
  assert.equal((await staff.get(`/admin/pip/classes/${sem}/roster`)).status, 404);
});

test('a class nobody was accepted to prints no sign-in sheets, and says why', async () => {
  const id = makeClass({ sessions: 11 });
  addApp(id, { first_name: 'Wai', last_name: 'Ting', status: 'waitlisted', waitlist_position: 1 });
  addApp(id, { first_name: 'Sub', last_name: 'Mitted', status: 'submitted' });
  const r = await staff.get(`/admin/pip/classes/${id}/roster`);
  assert.equal(r.status, 200);
  assert.match(r.text, /Nobody has been accepted yet, so there are no sign-in sheets to print/);
  assert.doesNotMatch(r.text, /class="page-break"/);
  assert.doesNotMatch(r.text, /<section class="sign-in"/);
  assert.doesNotMatch(r.text, /Ting|Mitted/);
});

test('the report: figures per class and semester, and a chart of how applicants heard', async () => {
  // Four sessions, all in the past: three participants, five marks of twelve possible.
  const id = makeClass({ sessions: 4, startDate: '2021-03-04' });
  const p = addApp(id, { referral: 'Facebook' });
  const q = addApp(id, { referral: 'facebook' });
  addApp(id, { status: 'completed', referral: 'Facebook' });
  addApp(id, { status: 'declined', referral: 'FACEBOOK' });
  addApp(id, { status: 'submitted', referral: 'A neighbour' });
  addApp(id, { status: 'waitlisted', waitlist_position: 1, referral: 'a neighbour' });
  addApp(id, { status: 'submitted', referral: 'A neighbour' });
  addApp(id, { status: 'submitted', referral: 'The library <b>' });
  const completedId = sql(`SELECT id FROM applications WHERE cohort_id = ${id} AND status = 'completed'`)[0].id;
  sql(`INSERT INTO attendance VALUES (${p}, 1, 0), (${p}, 2, 0), (${q}, 1, 0), (${completedId}, 4, 0),
    (${completedId}, 3, 0)`);
  const r = await staff.get('/admin/report');
  assert.equal(r.status, 200);
  assert.match(r.text, /<svg[^>]* role="img"/);
  assert.match(r.text, /<svg[^>]* aria-labelledby="chart-title"/);
  assert.match(r.text, /<title id="chart-title">/);
  assert.doesNotMatch(r.text, /style=|<script/);
  const row = r.text.match(new RegExp(`<tr><th scope="row"><a href="/admin/pip/classes/${id}">Class \\d+</a></th>(.*?)</tr>`));
  assert.ok(row, 'no row for the class');
  const cells = [...row[1].matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1]);
  assert.deepEqual(cells, ['8', '3', '1', '4 of 4', '42%']);
  assert.match(r.text, /<th scope="row">Facebook<\/th><td class="num">4<\/td>/);
  assert.match(r.text, /<th scope="row">A neighbour<\/th><td class="num">3<\/td>/);
  assert.match(r.text, /<th scope="row">The library &lt;b&gt;<\/th><td class="num">1<\/td>/);
  // Bars scaled to the longest (340 units, 4 answers; 3 gives 255), each label on its own
  // line from the left edge, so that no label is cut at any width.
  assert.match(r.text, /<rect x="0" y="\d+" width="340" height="22" fill="#1d70b8"\/>/);
  assert.match(r.text, /<rect x="0" y="\d+" width="255" height="22"/);
  assert.match(r.text, /<svg class="chart__svg" viewBox="0 0 400 \d+"/);
  assert.doesNotMatch(r.text, /text-anchor="end"/);
  assert.match(r.text, /<text x="0" y="\d+" font-size="15" fill="#0b0c0c">Facebook<\/text>/);
  assert.match(r.text, /Teens and Policing semesters/);
  // One class only, through the GET filter.
  const other = makeClass({ sessions: 2 });
  addApp(other, { referral: 'Radio' });
  const one = await staff.get(`/admin/report?class=${other}`);
  assert.equal(one.status, 200);
  assert.match(one.text, /<th scope="row">Radio<\/th><td class="num">1<\/td>/);
  assert.doesNotMatch(one.text, /<th scope="row">Facebook</);
  assert.equal((await staff.get('/admin/report?class=nonsense')).status, 200);
  assert.match((await staff.get('/admin')).text, /href="\/admin\/report"/);
});

test('only staff: anonymous and counselors are sent to sign in; a POST needs the form token', async () => {
  const id = makeClass({ sessions: 3 });
  const a = addApp(id);
  const anon = srv.client();
  const counselor = await signIn('co@example.org');
  for (const path of [`/admin/pip/classes/${id}/attendance`, `/admin/pip/classes/${id}/roster`,
    '/admin/report', `/admin/tap/semesters/${id}/attendance`]) {
    for (const c of [anon, counselor]) {
      const r = await c.get(path);
      assert.equal(r.status, 303, path);
      assert.match(r.headers.get('location'), /^\/login/);
    }
  }
  for (const c of [anon, counselor]) {
    assert.equal((await record(c, `/admin/pip/classes/${id}`, 1, [a])).status, 403);
    assert.equal((await c.post(`/admin/pip/classes/${id}/complete`)).status, 403);
  }
  await staff.get(`/admin/pip/classes/${id}/attendance`);
  const r = await staff.post(`/admin/pip/classes/${id}/attendance`, [['session', '1'], ['present', String(a)]],
    { csrf: false });
  assert.equal(r.status, 403);
  assert.equal(sql(`SELECT count(*) AS n FROM attendance WHERE application_id = ${a}`)[0].n, 0);
  assert.equal((await staff.get(`/admin/pip/classes/${id}/complete`)).status, 405);
});

// "Thursday, November 26, 2026" for Unix time t: the date in the portal's time zone
// (America/Los_Angeles), whatever this machine's, as the portal writes it.
function longDate(t) {
  return new Intl.DateTimeFormat('en-US', { timeZone: 'America/Los_Angeles', weekday: 'long',
    year: 'numeric', month: 'long', day: 'numeric' }).format(new Date(t * 1000));
}

test('retention erases closed applications and notified interest after 180 days, nothing else', async () => {
  const id = makeClass({ sessions: 2, startDate: '2025-01-09' });
  const t = nowSeconds();
  const person = { first_name: 'Zebulon', last_name: 'Quartermaine', email: 'zq.erased@example.com',
    street: '99 Vanishing Lane', phone: '3105557788', emergency_name: 'Ottoline Quartermaine' };
  const old = addApp(id, { status: 'withdrawn', submitted_at: t - 200 * DAY, status_at: t - 181 * DAY,
    referral: 'Radio', ...person });
  // What the portal writes about an application: audit rows with staff notes, and
  // messages about it (sent, given up, still waiting) tagged with its id.
  sql(`INSERT INTO audit (application_id, at, actor, from_status, to_status, note) VALUES
    (${old}, ${t - 200 * DAY}, 'applicant', NULL, 'submitted', 'Application received'),
    (${old}, ${t - 190 * DAY}, 'Desk Officer', 'submitted', 'accepted', 'Called Zebulon Quartermaine at 3105557788'),
    (${old}, ${t - 181 * DAY}, 'applicant', 'accepted', 'withdrawn', 'Moving away from 99 Vanishing Lane')`);
  sql(`INSERT INTO outbox (created_at, recipient, subject, body, next_attempt_at, sent_at, failed_at,
    application_id) VALUES
    (${t - 200 * DAY}, 'zq.erased@example.com', 'Received', 'Hello Zebulon Quartermaine', 0, ${t - 200 * DAY}, NULL, ${old}),
    (${t - 100 * DAY}, 'zq.erased@example.com', 'Withdrawn', 'Zebulon, 99 Vanishing Lane', 0, ${t - 100 * DAY}, NULL, ${old}),
    (${t - 50 * DAY}, 'zq.erased@example.com', 'Lost', 'Zebulon Quartermaine', 0, NULL, ${t - 50 * DAY}, ${old}),
    (${t}, 'zq.erased@example.com', 'Waiting', 'Ottoline Quartermaine', ${t + 3600}, NULL, NULL, ${old})`);
  sql(`INSERT INTO affiliations (application_id, kind, detail) VALUES (${old}, 'resident', ''),
    (${old}, 'work', 'Acme')`);
  const oldDeclined = addApp(id, { status: 'declined', status_at: t - 365 * DAY });
  const recent = addApp(id, { status: 'withdrawn', status_at: t - 179 * DAY });
  sql(`INSERT INTO audit (application_id, at, actor, from_status, to_status, note) VALUES
    (${recent}, ${t - 179 * DAY}, 'Desk Officer', 'submitted', 'withdrawn', 'Kept note')`);
  sql(`INSERT INTO outbox (created_at, recipient, subject, body, next_attempt_at, sent_at, application_id)
    VALUES (${t - 179 * DAY}, 'kept@example.com', 'Kept', 'Kept message', 0, ${t - 179 * DAY}, ${recent})`);
  const active = addApp(id, { status: 'submitted', submitted_at: t - 400 * DAY, status_at: t - 400 * DAY });
  sql(`INSERT INTO interest (email, name, created_at, notified_at) VALUES
    ('told@example.com', 'Told Long Ago', ${t - 200 * DAY}, ${t - 181 * DAY}),
    ('fresh@example.com', 'Told Lately', ${t - 20 * DAY}, ${t - 10 * DAY}),
    ('waiting@example.com', NULL, ${t - 400 * DAY}, NULL)`);
  const snapshot = (x) => sql(`SELECT * FROM applications WHERE id = ${x}`)[0];
  const recentBefore = snapshot(recent);
  const activeBefore = snapshot(active);
  const oldBefore = snapshot(old);

  let r = await staff.get(`/admin/applications/${recent}`);
  assert.match(r.text, new RegExp(`Personal details will be erased on ${longDate(recentBefore.status_at + 180 * DAY)}`));
  assert.equal((await staff.get(`/admin/applications/${active}`)).text.includes('will be erased'), false);

  // Retention runs when the portal starts.
  srv.portal.kill('SIGTERM');
  await srv.portalExit;
  await srv.startPortal();
  const end = Date.now() + 15000;
  while (snapshot(old).erased_at === null) {
    assert.ok(Date.now() < end, 'retention did not run');
    await new Promise((res) => setTimeout(res, 100));
  }
  const erased = snapshot(old);
  for (const col of ['first_name', 'last_name', 'dob', 'email', 'phone', 'street', 'city', 'zip',
    'emergency_name', 'emergency_phone', 'accommodations', 'referral']) {
    assert.equal(erased[col], null, col);
  }
  for (const col of ['ref', 'status', 'submitted_at', 'status_at', 'cohort_id']) {
    assert.equal(erased[col], oldBefore[col], col);
  }
  assert.ok(erased.erased_at >= t);
  assert.equal(sql(`SELECT count(*) AS n FROM affiliations WHERE application_id = ${old}`)[0].n, 0);
  // The audit keeps who, when and which status; the notes go.  The messages go.
  assert.deepEqual(sql(`SELECT at, actor, from_status, to_status, note FROM audit
    WHERE application_id = ${old} ORDER BY id`), [
    { at: t - 200 * DAY, actor: 'applicant', from_status: null, to_status: 'submitted', note: '' },
    { at: t - 190 * DAY, actor: 'Desk Officer', from_status: 'submitted', to_status: 'accepted', note: '' },
    { at: t - 181 * DAY, actor: 'applicant', from_status: 'accepted', to_status: 'withdrawn', note: '' }]);
  assert.equal(sql(`SELECT count(*) AS n FROM outbox WHERE application_id = ${old}`)[0].n, 0);
  assert.deepEqual(sql(`SELECT note FROM audit WHERE application_id = ${recent}`), [{ note: 'Kept note' }]);
  assert.deepEqual(sql(`SELECT body FROM outbox WHERE application_id = ${recent}`), [{ body: 'Kept message' }]);
  // Nothing of the person is left anywhere: every row of every table.
  const everything = require('node:child_process').execFileSync('sqlite3',
    ['-cmd', '.timeout 10000', srv.db, '.dump'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  for (const v of Object.values(person)) {
    assert.ok(!everything.includes(v), `the database still holds ${v}`);
  }
  assert.ok(!everything.includes('Zebulon'));
  assert.ok(!everything.includes('Vanishing'));
  assert.notEqual(snapshot(oldDeclined).erased_at, null);
  // The restart sealed the values these rows were written with in plain text
  // (src/sealed.c): the rest of each row is as it was.
  const SEALED = ['dob', 'student_id', 'guardian_name', 'guardian_phone', 'guardian_email',
    'emergency_name', 'emergency_phone', 'accommodations', 'dob_hash', 'student_id_hash'];
  const unsealed = (row) => Object.fromEntries(Object.entries(row).filter(([k]) => !SEALED.includes(k)));
  assert.deepEqual(unsealed(snapshot(recent)), unsealed(recentBefore));
  assert.deepEqual(unsealed(snapshot(active)), unsealed(activeBefore));
  assert.match(snapshot(active).dob, /^s1:/);
  assert.match(snapshot(active).dob_hash, /^[0-9a-f]{64}$/);
  assert.equal(erased.dob_hash, null);
  assert.equal(erased.student_id_hash, null);
  const interest = Object.fromEntries(sql('SELECT name, email, erased_at FROM interest ORDER BY id')
    .map((x) => [x.name || x.email, x]));
  assert.equal(sql(`SELECT email FROM interest WHERE created_at = ${t - 200 * DAY}`)[0].email, null);
  assert.equal(interest['Told Lately'].email, 'fresh@example.com');
  assert.equal(interest['waiting@example.com'].erased_at, null);

  r = await staff.get(`/admin/applications/${old}`);
  assert.equal(r.status, 200);
  assert.match(r.text, /were erased on/);
  assert.doesNotMatch(r.text, /will be erased/);
  assert.doesNotMatch(r.text, new RegExp(oldBefore.email));
  r = await staff.get(`/admin/applications/${recent}`);
  assert.match(r.text, /Personal details will be erased on/);
  assert.match(r.text, new RegExp(recentBefore.last_name));
});

test('the logs keep no link token and no reference: nginx logs the path alone, both mask references', async () => {
  const fs = require('node:fs');
  const path = require('node:path');
  const id = makeClass({ sessions: 1 });
  const ref = 'P-7K3Q-9XMD';
  addApp(id, { ref, status: 'submitted' });
  const secret = 'SECRETtokenSECRETtokenSECRETtokenSECRETtok';
  const c = srv.client();
  assert.equal((await c.get(`/account/password?token=${secret}`)).status, 404);
  await c.get(`/account/password?token=${secret}&again=1`);
  assert.equal((await c.get(`/confirmation/${ref}`)).status, 200);
  assert.equal((await c.get(`/confirmation/${ref.toLowerCase()}`)).status, 200);
  assert.equal((await c.get(`/confirmation/${ref}?done=withdrawn`)).status, 200);
  assert.equal((await c.get('/confirmation/T-0000-0000')).status, 404);
  const accessLog = path.join(srv.dir, 'run', 'access.log');
  const end = Date.now() + 5000;
  while (!/confirmation\/T-/.test(fs.existsSync(accessLog) ? fs.readFileSync(accessLog, 'utf8') : '')) {
    assert.ok(Date.now() < end, 'nginx logged no request');
    await new Promise((res) => setTimeout(res, 50));
  }
  const nginx = fs.readFileSync(accessLog, 'utf8');
  const portal = srv.logs.portal;
  for (const [name, log] of [['nginx', nginx], ['portal', portal]]) {
    for (const bad of [secret, 'token=', '?', ref, ref.toLowerCase(), '7K3Q', '7k3q', '9XMD',
      'T-0000-0000', 'again=1', 'done=withdrawn']) {
      assert.ok(!log.includes(bad), `the ${name} log holds ${bad}`);
    }
    assert.match(log, /GET \/account\/password /, name);
    assert.match(log, /GET \/confirmation\/P-\.\.\. /, name);
    assert.match(log, /GET \/confirmation\/T-\.\.\. /, name);
  }
  assert.match(nginx, /"GET \/confirmation\/P-\.\.\. HTTP\/1\.1" 200 /);
});
