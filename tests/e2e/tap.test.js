// tap.test.js: Teens and Policing for counselors: nominating, the school's list, one
// nomination, the completion letter, and who may see what (SPEC.md).
'use strict';
const { test: nodeTest, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start, loggedTests, today } = require('./lib');

let srv;
const PW = 'a long enough password';
const USERS = {
  north: { email: 'n@example.org', name: 'North Counselor', role: 'counselor', school: 'north' },
  north2: { email: 'n2@example.org', name: 'Second North', role: 'counselor', school: 'north' },
  south: { email: 's@example.org', name: 'South Counselor', role: 'counselor', school: 'south' },
  staff: { email: 'staff@example.org', name: 'Desk Officer', role: 'staff' },
};

before(async () => {
  srv = await start();
  for (const u of Object.values(USERS)) {
    const args = ['user', 'add', '--role', u.role, '--email', u.email, '--name', u.name];
    if (u.school) args.push('--school', u.school);
    srv.cli(args, `${PW}\n`);
  }
});
const { test, stopAndReport } = loggedTests(nodeTest, assert);
after(() => stopAndReport(srv));

// Runs SQL on the test database (srv.sql waits for the portal's writers).
const sql = (query) => srv.sql(query);

const REF = /^\/counselor\?nominated=(T-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4})$/;

// The semesters start on January 20 of the year after next, then of each year after: far
// enough ahead that no reminder or rule of the day touches them, whenever the tests run.
let year = Number(today().slice(0, 4)) + 1;
// Opens a new TAP semester (closing every other) with 12 weekly sessions; returns its id and year.
function openSemester({ capacity = 25, schoolCap = 'NULL' } = {}) {
  year += 1;
  const startDate = `${year}-01-20`;
  sql("UPDATE cohorts SET registration_open = 0 WHERE program = 'tap'");
  const [{ id }] = sql(`INSERT INTO cohorts (program, term, year, start_date, capacity,
    school_cap, registration_open, created_at) VALUES ('tap', 'spring', ${year}, '${startDate}',
    ${capacity}, ${schoolCap}, 1, 0) RETURNING id`);
  const day = new Date(`${startDate}T00:00:00Z`);
  const rows = [];
  for (let n = 1; n <= 12; n++) {
    const d = new Date(day.getTime() + (n - 1) * 7 * 86400000).toISOString().slice(0, 10);
    rows.push(`(${id}, ${n}, '${d}', 'Session ${n}')`);
  }
  sql(`INSERT INTO cohort_sessions (cohort_id, number, date, topic) VALUES ${rows.join(', ')}`);
  return { id, year };
}

// "Wednesday, January 20, 2027", as the portal writes dates in English.
function longDate(iso, addDays = 0) {
  const d = new Date(new Date(`${iso}T00:00:00Z`).getTime() + addDays * 86400000);
  return d.toLocaleDateString('en-US', { timeZone: 'UTC', weekday: 'long', year: 'numeric',
    month: 'long', day: 'numeric' });
}

// A signed-in client for one of USERS.
async function signIn(who) {
  const c = srv.client();
  const r = await c.login(USERS[who].email, PW);
  assert.equal(r.status, 303, `sign-in of ${who}: ${r.status} ${r.text.slice(0, 300)}`);
  assert.ok(c.cookies.has('session'), 'a session cookie');
  return c;
}

let serial = 0;
// A valid nomination of a 16-year-old (on the first session) with a guardian.
function nomination(sem, overrides = {}) {
  serial += 1;
  const f = {
    semester: String(sem.id),
    student_first_name: 'Alex',
    student_last_name: `Rivera${serial}`,
    student_id: `${900000 + serial}${Date.now() % 1000}`,
    grade: '11',
    dob: `${sem.year - 16}-03-01`,
    student_email: '',
    student_phone: '',
    guardian_name: 'Pat Rivera',
    guardian_phone: '(310) 555-0100',
    guardian_email: `guardian${serial}@example.com`,
    guardian_consent: 'yes',
    counselor_note: '',
    ...overrides,
  };
  const pairs = [];
  for (const [k, v] of Object.entries(f)) if (v !== undefined) pairs.push([k, v]);
  return { fields: f, pairs };
}

// GETs the form (for its token), then posts a nomination.
async function nominate(client, sem, overrides = {}) {
  const nom = nomination(sem, overrides);
  const form = await client.get('/tap/nominate');
  assert.equal(form.status, 200, form.text.slice(0, 300));
  const r = await client.post('/tap/nominate', nom.pairs);
  return { ...r, nom };
}

function refOf(r) {
  assert.equal(r.status, 303, `expected 303, got ${r.status}: ${r.text.slice(0, 600)}`);
  const m = (r.headers.get('location') || '').match(REF);
  assert.ok(m, `Location ${r.headers.get('location')}`);
  return m[1];
}

function row(ref) {
  return sql(`SELECT a.*, u.email AS counselor_email FROM applications a
    LEFT JOIN users u ON u.id = a.counselor_id WHERE ref = '${ref}'`)[0];
}

function count() {
  return sql('SELECT count(*) AS n FROM applications')[0].n;
}

test('the form names the school and the first session, and is not cached', async () => {
  const sem = openSemester();
  const c = await signIn('north');
  const r = await c.get('/tap/nominate');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.match(r.text, /Nominating for North High School/);
  assert.match(r.text, new RegExp(`The student must be 14 to 19 on ${longDate(`${sem.year}-01-20`)}`));
  assert.match(r.text, /name="semester" value="\d+"/);
  for (const name of ['student_first_name', 'student_last_name', 'student_id', 'dob',
    'student_email', 'student_phone', 'guardian_name', 'guardian_phone', 'guardian_email',
    'guardian_consent', 'counselor_note']) {
    assert.match(r.text, new RegExp(`id="${name}" name="${name}"`), name);
    assert.match(r.text, new RegExp(`<label[^>]* for="${name}"`), `label of ${name}`);
  }
  assert.match(r.text, /id="grade" name="grade" type="radio" value="11"/);
  assert.match(r.text, /name="grade" type="radio" value="12"/);
  assert.match(r.text, new RegExp(`Needed for a student under 18 on ${longDate(`${sem.year}-01-20`)}\\.`));
  assert.doesNotMatch(r.text, /name="school"/);
  assert.doesNotMatch(r.text, /style=|<script/);
  assert.equal((r.text.match(/<h1/g) || []).length, 1);
});

test('a nomination answers 303, is listed for the school, and e-mails guardian and counselor', async () => {
  const sem = openSemester();
  const c = await signIn('north');
  const r = await nominate(c, sem);
  const ref = refOf(r);
  const a = row(ref);
  assert.equal(a.status, 'submitted');
  assert.equal(a.school, 'north');
  assert.equal(a.counselor_email, USERS.north.email);
  assert.match(a.guardian_phone, /^s1:/); // sealed: the detail page below shows it
  assert.equal(a.guardian_consent, 1);

  const list = await c.get(r.headers.get('location'));
  assert.equal(list.status, 200);
  assert.equal(list.headers.get('cache-control'), 'no-store');
  assert.match(list.text, /Nomination received/);
  assert.match(list.text, new RegExp(`<strong class="nowrap">${ref}</strong>`));
  // The student's name is the link to the nomination; each cell names its column, for
  // the cards a phone shows.
  assert.match(list.text, new RegExp(`<td data-label="Student"><a href="/counselor/nominations/${a.id}">` +
    `Alex ${r.nom.fields.student_last_name}</a></td><td class="num" data-label="Grade">11</td>` +
    `<td class="nowrap" data-label="Reference">${ref}</td><td data-label="Status">` +
    '<span class="tag tag--submitted">Received</span>'));

  const mail = sql(`SELECT recipient FROM outbox WHERE body LIKE '%${ref}%' ORDER BY recipient`)
    .map((m) => m.recipient);
  assert.deepEqual(mail, [r.nom.fields.guardian_email, USERS.north.email].sort());

  const detail = await c.get(`/counselor/nominations/${a.id}`);
  assert.equal(detail.status, 200);
  assert.equal(detail.headers.get('cache-control'), 'no-store');
  assert.match(detail.text, new RegExp(ref));
  assert.match(detail.text, /310-555-0100/);
  assert.match(detail.text, /Nomination received/); // the history's first row
  assert.match(detail.text, /North Counselor/);
});

test('another school neither lists nor opens a nomination; the same school does', async () => {
  const sem = openSemester();
  const north = await signIn('north');
  const ref = refOf(await nominate(north, sem, { student_last_name: 'Northonly' }));
  const { id } = row(ref);

  const south = await signIn('south');
  const list = await south.get('/counselor');
  assert.equal(list.status, 200);
  assert.doesNotMatch(list.text, new RegExp(ref));
  assert.doesNotMatch(list.text, /Northonly/);
  assert.equal((await south.get(`/counselor/nominations/${id}`)).status, 404);
  sql(`UPDATE applications SET status = 'completed' WHERE id = ${id}`);
  const letter = await south.get(`/counselor/nominations/${id}/letter`);
  assert.equal(letter.status, 404);
  assert.doesNotMatch(letter.text, /Northonly/);

  // A colleague of the same school sees it, but only its own counselor prints the letter.
  const north2 = await signIn('north2');
  assert.match((await north2.get('/counselor')).text, new RegExp(ref));
  assert.equal((await north2.get(`/counselor/nominations/${id}`)).status, 200);
  assert.equal((await north2.get(`/counselor/nominations/${id}/letter`)).status, 404);
  assert.equal((await north.get(`/counselor/nominations/${id}/letter`)).status, 200);

  // Staff open any nomination and its letter.
  const staff = await signIn('staff');
  assert.equal((await staff.get(`/counselor/nominations/${id}`)).status, 200);
  assert.equal((await staff.get(`/counselor/nominations/${id}/letter`)).status, 200);
  // A PIP application or an unknown id is not a nomination.
  assert.equal((await north.get('/counselor/nominations/999999')).status, 404);
  assert.equal((await north.get('/counselor/nominations/abc')).status, 404);
});

test('without the counselor role: 303 to /login for pages, 403 for the POST', async () => {
  const sem = openSemester();
  const anon = srv.client();
  const get = await anon.get('/tap/nominate');
  assert.equal(get.status, 303);
  assert.match(get.headers.get('location'), /^\/login/);
  await anon.get('/');
  const before0 = count();
  const post = await anon.post('/tap/nominate', nomination(sem).pairs);
  assert.equal(post.status, 403);
  assert.equal(count(), before0);
  assert.equal((await anon.get('/counselor')).status, 303);
  assert.equal((await anon.get('/counselor/nominations/1')).status, 303);

  const staff = await signIn('staff');
  const sg = await staff.get('/tap/nominate');
  assert.equal(sg.status, 303);
  assert.match(sg.headers.get('location'), /^\/login/);
  assert.equal((await staff.get('/counselor')).status, 303);
  await staff.get('/');
  const sp = await staff.post('/tap/nominate', nomination(sem).pairs);
  assert.equal(sp.status, 403);
  assert.equal(count(), before0);
});

test('a student ID already nominated by another school is refused with 409', async () => {
  const sem = openSemester();
  const north = await signIn('north');
  const first = await nominate(north, sem, { student_id: 'd12345', student_last_name: 'Firstone' });
  const ref = refOf(first);
  const before0 = count();
  const outbox0 = sql('SELECT count(*) AS n FROM outbox')[0].n;
  const south = await signIn('south');
  const r = await nominate(south, sem, { student_id: 'D12345', student_last_name: 'Other' });
  assert.equal(r.status, 409);
  assert.match(r.text, /already nominated/);
  assert.match(r.text, /D12345/);
  assert.doesNotMatch(r.text, /North High School|Firstone|North Counselor/);
  assert.doesNotMatch(r.text, new RegExp(ref));
  assert.equal(count(), before0);
  assert.equal(sql('SELECT count(*) AS n FROM outbox')[0].n, outbox0);
  // The same school twice is a duplicate as well.
  assert.equal((await nominate(north, sem, { student_id: 'D12345' })).status, 409);
});

test('grade 10 comes back with 422, the values as typed and the error linked', async () => {
  const sem = openSemester();
  const c = await signIn('north');
  const before0 = count();
  const r = await nominate(c, sem, { grade: '10', student_first_name: 'Jamie «J»' });
  assert.equal(r.status, 422);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.match(r.text, /<title>Error: /);
  assert.match(r.text, /<a href="#grade">Select grade 11 or 12/);
  assert.match(r.text, /id="grade-error"/);
  assert.match(r.text, /id="grade" name="grade" type="radio" value="11">/); // nothing checked
  assert.match(r.text, /value="Jamie «J»"/);
  assert.match(r.text, new RegExp(`value="${r.nom.fields.student_id}"`));
  assert.match(r.text, /id="guardian_consent" name="guardian_consent" type="checkbox" value="yes" checked/);
  assert.equal(count(), before0);
});

test('a student under 18 without a guardian gets 422 naming the guardian fields', async () => {
  const sem = openSemester();
  const c = await signIn('north');
  const r = await nominate(c, sem, {
    guardian_name: '', guardian_phone: '', guardian_email: '', guardian_consent: undefined,
    grade: '12',
  });
  assert.equal(r.status, 422);
  for (const f of ['guardian_name', 'guardian_phone', 'guardian_email', 'guardian_consent'])
    assert.match(r.text, new RegExp(`<a href="#${f}">`), f);
  assert.match(r.text, /id="grade-12" name="grade" type="radio" value="12" checked/);
});

test('a student of 18 with no guardian but an email is nominated, and told', async () => {
  const sem = openSemester();
  const c = await signIn('north');
  const adult = {
    dob: `${sem.year - 18}-01-01`, grade: '12', guardian_name: '', guardian_phone: '',
    guardian_email: '', guardian_consent: undefined,
  };
  const missing = await nominate(c, sem, adult);
  assert.equal(missing.status, 422);
  assert.match(missing.text, /<a href="#student_email">/);
  const r = await nominate(c, sem, { ...adult, student_email: 'adult.student@example.com' });
  const ref = refOf(r);
  assert.equal(row(ref).guardian_name, '');
  const mail = sql(`SELECT recipient FROM outbox WHERE body LIKE '%${ref}%' ORDER BY recipient`)
    .map((m) => m.recipient);
  assert.deepEqual(mail, ['adult.student@example.com', USERS.north.email]);
});

test('the school cap waitlists a school\'s third nomination while others still get in', async () => {
  const sem = openSemester({ capacity: 25, schoolCap: 2 });
  const north = await signIn('north');
  const a = row(refOf(await nominate(north, sem)));
  const b = row(refOf(await nominate(north, sem)));
  const third = await nominate(north, sem);
  const cRow = row(refOf(third));
  assert.equal(a.status, 'submitted');
  assert.equal(b.status, 'submitted');
  assert.equal(cRow.status, 'waitlisted');
  assert.equal(cRow.waitlist_position, 1);
  const south = await signIn('south');
  assert.equal(row(refOf(await nominate(south, sem))).status, 'submitted');

  const list = await north.get(third.headers.get('location'));
  assert.match(list.text, /number 1 on the waiting list/);
  assert.match(list.text, /your school has 2 of 2 places/);
  assert.match(list.text, /3 nominated<\/strong>: 2 received, 1 on the waiting list/);
});

test('a completed nomination has a printable letter; an active one has none', async () => {
  const sem = openSemester();
  const c = await signIn('north');
  const ref = refOf(await nominate(c, sem, { student_first_name: 'Robin', student_last_name: 'Okafor' }));
  const { id } = row(ref);
  assert.equal((await c.get(`/counselor/nominations/${id}/letter`)).status, 404);
  // Completed at 19:00 UTC (late morning in Torrance) the day after the last session: the
  // letter's date.
  const completedAt = Date.parse(`${sem.year}-01-20T19:00:00Z`) / 1000 + 78 * 86400;
  sql(`UPDATE applications SET status = 'completed', status_at = ${completedAt} WHERE id = ${id}`);
  let r = await c.get(`/counselor/nominations/${id}/letter`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.match(r.text, /class="page page--print"/);
  assert.match(r.text, /class="letter"/);
  assert.match(r.text, /Robin Okafor/);
  assert.match(r.text, /North High School/);
  assert.match(r.text, new RegExp(`Spring ${sem.year}`));
  assert.match(r.text, /attended 0 of 12 sessions/);
  assert.match(r.text, new RegExp(`from ${longDate(`${sem.year}-01-20`)} to ${longDate(`${sem.year}-01-20`, 77)}`));
  assert.match(r.text, /Telephone 310-618-5555/);
  assert.match(r.text, new RegExp(`<p>${longDate(`${sem.year}-01-20`, 78)}</p>`));
  sql(`INSERT INTO attendance (application_id, session_number, recorded_at) VALUES
    (${id}, 1, 0), (${id}, 2, 0), (${id}, 5, 0)`);
  r = await c.get(`/counselor/nominations/${id}/letter`);
  assert.match(r.text, /attended 3 of 12 sessions/);
  const detail = await c.get(`/counselor/nominations/${id}`);
  assert.match(detail.text, new RegExp(`href="/counselor/nominations/${id}/letter"`));
});

test('the school stored is the counselor\'s, whatever the form posts', async () => {
  const sem = openSemester();
  const c = await signIn('north');
  const r = await nominate(c, sem, { school: 'south' });
  assert.equal(row(refOf(r)).school, 'north');
});

test('with no semester open the form says so, and a closed semester refuses with 409', async () => {
  const sem = openSemester();
  const c = await signIn('north');
  await c.get('/tap/nominate');
  sql("UPDATE cohorts SET registration_open = 0 WHERE program = 'tap'");
  const closed = await c.get('/tap/nominate');
  assert.equal(closed.status, 200);
  assert.match(closed.text, /Nominations are closed/);
  assert.match(closed.text, /href="\/counselor"/);
  const before0 = count();
  const r = await c.post('/tap/nominate', nomination(sem).pairs);
  assert.equal(r.status, 409);
  assert.equal(count(), before0);
  const list = await c.get('/counselor');
  assert.equal(list.status, 200);
  assert.doesNotMatch(list.text, /href="\/tap\/nominate"/);
});
