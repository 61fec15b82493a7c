// admin.test.js: the staff desk: access by role on every /admin route, classes and
// semesters, the applicant list, every status move with its audit row, promotion.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start, today, addDays, farDate } = require('./lib');

const PW = 'a long enough password';
let srv;
const clients = {};

before(async () => {
  srv = await start();
  srv.addUser('admin', 'admin@example.org', 'Ada Admin', PW);
  srv.addUser('staff', 'staff@example.org', 'Sam Staff', PW);
  srv.addUser('counselor', 'north@example.org', 'Nora North', PW, 'north');
  for (const who of ['admin', 'staff', 'north']) clients[who] = await srv.signedIn(`${who}@example.org`, PW);
  clients.anonymous = srv.client();
  await clients.anonymous.get('/');
});
after(async () => { await srv.stop(); });

// The first sessions of the classes and semesters made here: far enough ahead that no
// reminder or rule of the day touches them, whenever the tests run.
const START = farDate();
const YEAR = Number(START.slice(0, 4)) + 1; // of fall semesters, after START

// A class with `capacity` places, open or not; returns its id.
function makeClass(number, capacity, open = false) {
  if (open) srv.sql('UPDATE cohorts SET registration_open = 0 WHERE program = \'pip\'');
  return srv.sql(`INSERT INTO cohorts (program, number, start_date, capacity, registration_open,
    created_at) VALUES ('pip', ${number}, '${START}', ${capacity}, ${open ? 1 : 0}, 0) RETURNING id`)[0].id;
}

let serial = 0;
async function apply(classId, extra = {}) {
  serial += 1;
  const c = srv.client();
  await c.get('/pip/apply');
  const r = await c.post('/pip/apply', {
    class: String(classId), first_name: `Ana${serial}`, last_name: 'Reyes', dob: '1975-02-11',
    email: `ana${serial}@example.com`, phone: '310-555-0101', street: '10 Oak St', city: 'Torrance',
    zip: '90501', affiliation: 'resident', emergency_name: 'Luis Reyes', emergency_phone: '310-555-0102',
    ack_background: 'yes', ...extra,
  });
  assert.equal(r.status, 303, r.text.slice(0, 300));
  const ref = r.headers.get('location').split('/').pop();
  return srv.sql(`SELECT id, ref, status, waitlist_position FROM applications WHERE ref = '${ref}'`)[0];
}

const STAFF_PAGES = ['/admin', '/admin/pip/classes', '/admin/tap/semesters', '/admin/report'];
const ADMIN_PAGES = ['/admin/users', '/admin/pages/home', '/admin/pages/pip', '/admin/pages/tap'];

test('anonymous and counselors are sent to /login for every staff page; staff get 200', async () => {
  const id = makeClass(60, 10);
  const pages = [...STAFF_PAGES, `/admin/pip/classes/${id}`, `/admin/pip/classes/${id}/applicants.csv`,
    '/admin/interest.csv'];
  for (const p of pages) {
    for (const who of ['anonymous', 'north']) {
      const r = await clients[who].get(p);
      assert.equal(r.status, 303, `${who} GET ${p}`);
      assert.match(r.headers.get('location'), /^\/login(\?|$)/, `${who} GET ${p}`);
    }
    for (const who of ['staff', 'admin']) {
      const r = await clients[who].get(p);
      assert.equal(r.status, 200, `${who} GET ${p}`);
      assert.equal(r.headers.get('cache-control'), 'no-store', `${who} GET ${p}`);
    }
  }
});

test('administrator pages: staff are sent to /login, admins get 200', async () => {
  for (const p of ADMIN_PAGES) {
    assert.equal((await clients.staff.get(p)).status, 303, `staff GET ${p}`);
    assert.equal((await clients.admin.get(p)).status, 200, `admin GET ${p}`);
  }
});

test('POSTs to staff routes without the role are 403 and change nothing', async () => {
  const id = makeClass(61, 10);
  const posts = [['/admin/pip/classes', { number: '99', start_date: START, capacity: '5' }],
    [`/admin/pip/classes/${id}/registration`, { state: 'open' }],
    ['/admin/tap/semesters', { term: 'fall', year: String(YEAR + 4), start_date: `${YEAR + 4}-09-10`,
      capacity: '5' }]];
  for (const [p, f] of posts) {
    for (const who of ['anonymous', 'north']) {
      await clients[who].get('/');
      const r = await clients[who].post(p, f);
      assert.equal(r.status, 403, `${who} POST ${p}`);
    }
  }
  assert.equal(srv.sql(`SELECT count(*) AS n FROM cohorts WHERE number = 99 OR year = ${YEAR + 4}`)[0].n, 0);
  assert.equal(srv.sql(`SELECT registration_open FROM cohorts WHERE id = ${id}`)[0].registration_open, 0);
});

test('a staff POST without the CSRF token is 403 and changes nothing', async () => {
  const r = await clients.staff.post('/admin/pip/classes', { number: '98', start_date: START,
    capacity: '5' }, { csrf: false });
  assert.equal(r.status, 403);
  assert.equal(srv.sql('SELECT count(*) AS n FROM cohorts WHERE number = 98')[0].n, 0);
});

test('staff create a class with sessions; errors come back 422 with values kept', async () => {
  const c = clients.staff;
  await c.get('/admin/pip/classes');
  const bad = await c.post('/admin/pip/classes', { number: 'x', start_date: '2027-02-30', capacity: '0',
    sessions: '' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /<title>Error: /);
  assert.match(bad.text, /href="#number"/);
  assert.match(bad.text, /href="#start_date"/);
  assert.match(bad.text, /href="#capacity"/);
  assert.match(bad.text, /id="number" name="number" type="text" value="x"/);
  const [d1, d2, d3] = [0, 7, 14].map((n) => addDays(START, n));
  const r = await c.post('/admin/pip/classes', { number: '70', start_date: d1, capacity: '12',
    sessions: `${d1} Welcome\n${d2} Patrol operations\n${d3} Dispatch` });
  assert.equal(r.status, 303);
  const [row] = srv.sql('SELECT id, capacity, registration_open FROM cohorts WHERE number = 70');
  assert.equal(r.headers.get('location'), `/admin/pip/classes/${row.id}?created=1`);
  assert.equal(row.capacity, 12);
  assert.equal(row.registration_open, 0);
  const sessions = srv.sql(`SELECT number, date, topic FROM cohort_sessions WHERE cohort_id = ${row.id} ORDER BY number`);
  assert.deepEqual(sessions.map((s) => `${s.number} ${s.date} ${s.topic}`),
    [`1 ${d1} Welcome`, `2 ${d2} Patrol operations`, `3 ${d3} Dispatch`]);
  const dup = await c.post('/admin/pip/classes', { number: '70', start_date: d1, capacity: '12' });
  assert.equal(dup.status, 422);
  assert.match(dup.text, /exists already/);
  const badSessions = await c.post('/admin/pip/classes', { number: '71', start_date: d1,
    capacity: '12', sessions: 'next Thursday Patrol' });
  assert.equal(badSessions.status, 422);
  assert.match(badSessions.text, /href="#sessions"/);
});

test('only one class takes registrations at a time: opening a second is 409', async () => {
  const a = makeClass(80, 5);
  const b = makeClass(81, 5);
  srv.sql('UPDATE cohorts SET registration_open = 0');
  const c = clients.staff;
  await c.get(`/admin/pip/classes/${a}`);
  assert.equal((await c.post(`/admin/pip/classes/${a}/registration`, { state: 'open' })).status, 303);
  const r = await c.post(`/admin/pip/classes/${b}/registration`, { state: 'open' });
  assert.equal(r.status, 409);
  // The page names the open class and links to it, where it can be closed.
  assert.match(r.text, /<h1>Another class is open<\/h1>/);
  assert.match(r.text, /Class 80 takes registrations now/);
  assert.match(r.text, new RegExp(`<a href="/admin/pip/classes/${a}">Go to Class 80</a>`));
  assert.equal(srv.sql(`SELECT registration_open AS o FROM cohorts WHERE id = ${b}`)[0].o, 0);
  assert.equal((await c.post(`/admin/pip/classes/${a}/registration`, { state: 'closed' })).status, 303);
  assert.equal((await c.post(`/admin/pip/classes/${b}/registration`, { state: 'open' })).status, 303);
  srv.sql('UPDATE cohorts SET registration_open = 0');
});

test('staff create a semester; one open semester at a time', async () => {
  const c = clients.staff;
  await c.get('/admin/tap/semesters');
  const r = await c.post('/admin/tap/semesters', { term: 'fall', year: String(YEAR),
    start_date: `${YEAR}-09-15`, capacity: '20', school_cap: '4' });
  assert.equal(r.status, 303);
  const [s] = srv.sql(`SELECT id, school_cap FROM cohorts WHERE program = 'tap' AND year = ${YEAR}
    AND term = 'fall'`);
  assert.equal(s.school_cap, 4);
  assert.equal(srv.sql(`SELECT count(*) AS n FROM cohort_sessions WHERE cohort_id = ${s.id}`)[0].n, 12);
  const page = await c.get(`/admin/tap/semesters/${s.id}`);
  assert.equal(page.status, 200);
  assert.match(page.text, /North High School/);
  const bad = await c.post('/admin/tap/semesters', { term: 'winter', year: String(YEAR),
    start_date: `${YEAR}-09-15`, capacity: '20' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /href="#term"/);
});

test('every allowed and refused status move, with its audit row', async () => {
  const statuses = ['submitted', 'waitlisted', 'accepted', 'declined', 'withdrawn', 'completed'];
  const allowed = new Set(['submitted accepted', 'submitted waitlisted', 'submitted declined',
    'submitted withdrawn', 'waitlisted submitted', 'waitlisted accepted', 'waitlisted declined',
    'waitlisted withdrawn', 'accepted declined', 'accepted withdrawn', 'accepted completed']);
  const classId = makeClass(90, 100, true);
  const one = await apply(classId);
  // Completion needs attendance and the last session's date: three past sessions, all
  // three attended.
  srv.sql(`INSERT INTO cohort_sessions (cohort_id, number, date) VALUES
    (${classId}, 1, '${today(-21)}'), (${classId}, 2, '${today(-14)}'),
    (${classId}, 3, '${today(-7)}');
    UPDATE cohorts SET start_date = '${today(-21)}' WHERE id = ${classId}`);
  srv.sql(`INSERT INTO attendance (application_id, session_number, recorded_at) VALUES
    (${one.id}, 1, 0), (${one.id}, 2, 0), (${one.id}, 3, 0)`);
  const c = clients.staff;
  await c.get(`/admin/applications/${one.id}`);
  for (const from of statuses) {
    for (const to of statuses) {
      srv.sql(`UPDATE applications SET status = '${from}', waitlist_position = ${from === 'waitlisted' ? 1 : 'NULL'}
        WHERE id = ${one.id}`);
      const before = srv.sql(`SELECT count(*) AS n FROM audit WHERE application_id = ${one.id}`)[0].n;
      const r = await c.post(`/admin/applications/${one.id}/status`, { status: to, note: `${from}->${to}` });
      const after = srv.sql(`SELECT count(*) AS n FROM audit WHERE application_id = ${one.id}`)[0].n;
      const [row] = srv.sql(`SELECT status FROM applications WHERE id = ${one.id}`);
      if (allowed.has(`${from} ${to}`)) {
        assert.equal(r.status, 303, `${from} -> ${to}`);
        assert.equal(row.status, to, `${from} -> ${to}`);
        const [a] = srv.sql(`SELECT actor, from_status, to_status, note, user_id FROM audit
          WHERE application_id = ${one.id} ORDER BY id DESC LIMIT 1`);
        assert.deepEqual([a.actor, a.from_status, a.to_status, a.note], ['Sam Staff', from, to, `${from}->${to}`]);
        assert.ok(a.user_id > 0);
        assert.ok(after > before);
      } else {
        assert.equal(r.status, 409, `${from} -> ${to}`);
        assert.equal(row.status, from, `${from} -> ${to} changed the status`);
        assert.equal(after, before, `${from} -> ${to} wrote an audit row`);
      }
    }
  }
  srv.sql('UPDATE cohorts SET registration_open = 0');
});

test('a decline promotes the earliest waitlisted one; positions stay gapless', async () => {
  const classId = makeClass(91, 2, true);
  const a = await apply(classId);
  await apply(classId);
  const w1 = await apply(classId);
  const w2 = await apply(classId);
  const w3 = await apply(classId);
  assert.deepEqual([w1, w2, w3].map((x) => [x.status, x.waitlist_position]),
    [['waitlisted', 1], ['waitlisted', 2], ['waitlisted', 3]]);
  const c = clients.staff;
  await c.get(`/admin/applications/${a.id}`);
  const r = await c.post(`/admin/applications/${a.id}/status`, { status: 'declined', note: '' });
  assert.equal(r.status, 303);
  assert.match(r.headers.get('location'), new RegExp(`promoted=${w1.ref}`));
  const rows = srv.sql(`SELECT ref, status, waitlist_position AS p FROM applications WHERE cohort_id = ${classId}
    ORDER BY id`);
  assert.deepEqual(rows.map((x) => [x.status, x.p]),
    [['declined', null], ['submitted', null], ['submitted', null], ['waitlisted', 1], ['waitlisted', 2]]);
  const [audit] = srv.sql(`SELECT actor, from_status, to_status FROM audit WHERE application_id = ${w1.id}
    ORDER BY id DESC LIMIT 1`);
  assert.deepEqual([audit.actor, audit.from_status, audit.to_status], ['system', 'waitlisted', 'submitted']);
  // A waitlisted one accepted directly leaves the list, and the rest move up.
  await c.get(`/admin/applications/${w2.id}`);
  assert.equal((await c.post(`/admin/applications/${w2.id}/status`, { status: 'accepted' })).status, 303);
  assert.deepEqual(srv.sql(`SELECT waitlist_position AS p FROM applications WHERE id = ${w3.id}`)[0].p, 1);
  srv.sql('UPDATE cohorts SET registration_open = 0');
});

test('the applicant list finds a phone number however its digits are typed', async () => {
  const classId = makeClass(189, 10, true);
  const who = await apply(classId, { first_name: 'Phoebe', phone: '(424) 555-0177' });
  await apply(classId, { first_name: 'Other', phone: '310-555-0101' });
  const c = clients.staff;
  const base = `/admin/pip/classes/${classId}`;
  for (const q of ['4245550177', '(424) 555-0177', '424.555.0177', '+1 424 555 0177',
    '555-0177', '0177']) {
    const r = await c.get(`${base}?q=${encodeURIComponent(q)}`);
    assert.equal(r.status, 200);
    assert.match(r.text, new RegExp(`href="/admin/applications/${who.id}[?"]`), q);
    assert.doesNotMatch(r.text, /Other/, q);
  }
  // Two digits are too few to mean a phone number, and letters mean a name.
  assert.doesNotMatch((await c.get(`${base}?q=77`)).text, /Phoebe/);
  assert.doesNotMatch((await c.get(`${base}?q=x0177`)).text, /Phoebe/);
  srv.sql('UPDATE cohorts SET registration_open = 0');
});

test('the applicant list filters, searches, sorts and pages by 50', async () => {
  const classId = makeClass(92, 200, true);
  srv.sql(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120)
    INSERT INTO applications (ref, cohort_id, status, waitlist_position, submitted_at, status_at,
      first_name, last_name, email, verify_residence)
    SELECT printf('P-LIST-%04d', i), ${classId}, CASE WHEN i % 3 = 0 THEN 'accepted' ELSE 'submitted' END,
      NULL, 1700000000 + i, 1700000000 + i, 'First' || i, printf('Last%03d', 121 - i),
      'person' || i || '@example.com', i = 7 FROM n`);
  const c = clients.staff;
  const base = `/admin/pip/classes/${classId}`;
  const all = await c.get(base);
  assert.equal(all.status, 200);
  assert.match(all.text, /120 applications, page 1 of 3/);
  assert.equal((all.text.match(/href="\/admin\/applications\/\d+(\?[^"]*)?"/g) || []).length, 50);
  assert.match(all.text, /Verify residence/);
  const p3 = await c.get(`${base}?page=3`);
  assert.equal((p3.text.match(/href="\/admin\/applications\/\d+(\?[^"]*)?"/g) || []).length, 20);
  const accepted = await c.get(`${base}?status=accepted`);
  assert.match(accepted.text, /40 applications/);
  const search = await c.get(`${base}?q=person77%40`);
  assert.match(search.text, /id="list-caption">1 application</);
  assert.match(search.text, /First77/);
  const byName = await c.get(`${base}?sort=name`);
  const first = byName.text.match(/Last\d{3}, First\d+/)[0];
  assert.equal(first, 'Last001, First120');
  const byTime = await c.get(`${base}?sort=submitted`);
  assert.equal(byTime.text.match(/Last\d{3}, First\d+/)[0], 'Last120, First1');
  const junk = await c.get(`${base}?status=nonsense&page=-4&sort=%3Cscript%3E`);
  assert.equal(junk.status, 200);
  assert.ok(!junk.text.includes('<script>'));
  srv.sql('UPDATE cohorts SET registration_open = 0');
});

test('one application shows every field, its history and only the allowed moves', async () => {
  const classId = makeClass(93, 5, true);
  const a = await apply(classId, { zip: '90502', accommodations: 'Uses a wheelchair', referral: 'Library flyer' });
  const r = await clients.staff.get(`/admin/applications/${a.id}`);
  assert.equal(r.status, 200);
  for (const s of [a.ref, 'Reyes', '1975-02-11', '310-555-0101', '10 Oak St', '90502', 'Verify residence',
    'Luis Reyes', 'Uses a wheelchair', 'Library flyer', 'Application received']) {
    assert.ok(r.text.includes(s), `shows ${s}`);
  }
  for (const v of ['accepted', 'waitlisted', 'declined', 'withdrawn']) assert.match(r.text, new RegExp(`value="${v}"`));
  assert.doesNotMatch(r.text, /value="completed"/);
  // E-mail and phones are links a phone can follow; the age is that on the first session.
  assert.match(r.text, /<a href="mailto:ana\d+@example.com">ana\d+@example.com<\/a>/);
  assert.match(r.text, /<a href="tel:\+13105550101">310-555-0101<\/a>/);
  assert.match(r.text, /Luis Reyes, <a href="tel:\+13105550102">310-555-0102<\/a>/);
  const [y, m, d] = START.split('-').map(Number);
  const age = y - 1975 - (m < 2 || (m === 2 && d < 11) ? 1 : 0);
  assert.match(r.text, new RegExp(`<br>${age} years old on [^<]*${y}, the first session</dd>`));
  assert.equal((await clients.staff.get('/admin/applications/999999')).status, 404);
  assert.equal((await clients.staff.get('/admin/applications/abc')).status, 404);
  srv.sql('UPDATE cohorts SET registration_open = 0');
});

test('completion needs the required attendance, whoever asks for it', async () => {
  const classId = makeClass(94, 5, true);
  const a = await apply(classId);
  // Ten weekly sessions, all past, so that only attendance decides.
  srv.sql(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
    INSERT INTO cohort_sessions (cohort_id, number, date)
    SELECT ${classId}, i, date('${today(-77)}', '+' || (7 * i) || ' days') FROM n;
    UPDATE cohorts SET start_date = '${today(-70)}' WHERE id = ${classId}`);
  srv.sql(`UPDATE applications SET status = 'accepted' WHERE id = ${a.id}`);
  srv.sql(`INSERT INTO attendance (application_id, session_number, recorded_at)
    SELECT ${a.id}, number, 0 FROM cohort_sessions WHERE cohort_id = ${classId} AND number <= 7`);
  const c = clients.staff;
  await c.get(`/admin/applications/${a.id}`);
  const refused = await c.post(`/admin/applications/${a.id}/status`, { status: 'completed' });
  assert.equal(refused.status, 409);
  assert.match(refused.text, /Not enough sessions attended/);
  assert.equal(srv.sql(`SELECT status FROM applications WHERE id = ${a.id}`)[0].status, 'accepted');
  srv.sql(`INSERT INTO attendance (application_id, session_number, recorded_at) VALUES (${a.id}, 8, 0)`);
  const ok = await c.post(`/admin/applications/${a.id}/status`, { status: 'completed' });
  assert.equal(ok.status, 303);
  assert.equal(srv.sql(`SELECT status FROM applications WHERE id = ${a.id}`)[0].status, 'completed');
  srv.sql('UPDATE cohorts SET registration_open = 0');
});

test('a class created without a list of sessions gets ten weekly ones', async () => {
  const c = clients.staff;
  await c.get('/admin/pip/classes');
  const tooMany = await c.post('/admin/pip/classes', { number: '95', start_date: START, capacity: '10',
    required_sessions: '11' });
  assert.equal(tooMany.status, 422);
  assert.match(tooMany.text, /href="#required_sessions"/);
  const r = await c.post('/admin/pip/classes', { number: '95', start_date: START, capacity: '10' });
  assert.equal(r.status, 303);
  const rows = srv.sql(`SELECT s.number, s.date FROM cohort_sessions s JOIN cohorts c ON c.id = s.cohort_id
    WHERE c.number = 95 ORDER BY s.number`);
  assert.equal(rows.length, 10);
  assert.deepEqual([rows[0].date, rows[9].date], [START, addDays(START, 63)]);
});
