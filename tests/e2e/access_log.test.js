// access_log.test.js: who opened or exported which personal records (SPEC.md): an
// application's page, a CSV export with its row count, a roster, a counselor's views and
// letter; /admin/access-log's filters, pages and access; the rows' retention.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start, loggedTests, nowSeconds } = require('./lib');

const PW = 'correct horse battery staple';
let srv;
const { test: check, stopAndReport } = loggedTests(test, assert);
const ids = {};
const clients = {};

before(async () => {
  srv = await start();
  for (const [role, email, name, school] of [
    ['admin', 'admin@example.org', 'Ada Admin'],
    ['staff', 'staff@example.org', 'Sam Staff'],
    ['counselor', 'counselor@example.org', 'Carla Counselor', 'north'],
  ]) {
    ids[role] = srv.addUser(role, email, name, PW, school);
    clients[role] = await srv.signedIn(email, PW);
  }
  // The demo: class 45 under way with six accepted participants, and a TAP semester open.
  srv.cli(['bootstrap', '--demo']);
});
after(async () => stopAndReport(srv));

// The access-log rows of one user, oldest first.
const rowsOf = (role) => srv.sql(`SELECT action, application_id, cohort_id, rows, what, actor
  FROM access_log WHERE user_id = ${ids[role]} ORDER BY id`);

check("opening an application's page writes who, when and which", async () => {
  const app = srv.sql("SELECT a.id, a.ref FROM applications a JOIN cohorts c ON c.id = a.cohort_id WHERE c.number = 45 LIMIT 1")[0];
  const before = nowSeconds();
  const r = await clients.staff.get(`/admin/applications/${app.id}`);
  assert.equal(r.status, 200);
  const rows = srv.sql(`SELECT at, user_id, actor, action, application_id, cohort_id, rows, what
    FROM access_log WHERE user_id = ${ids.staff}`);
  assert.equal(rows.length, 1);
  assert.ok(rows[0].at >= before && rows[0].at <= nowSeconds() + 1);
  assert.deepEqual({ ...rows[0], at: 0 }, { at: 0, user_id: ids.staff, actor: 'Sam Staff', action: 'view',
    application_id: app.id, cohort_id: null, rows: null, what: app.ref });
  // A page that is not found records nothing.
  assert.equal((await clients.staff.get('/admin/applications/999999')).status, 404);
  assert.equal(rowsOf('staff').length, 1);
});

check('a CSV export writes its row count; a roster the people on it', async () => {
  const cls = srv.sql('SELECT id FROM cohorts WHERE number = 45')[0].id;
  const people = srv.sql(`SELECT count(*) AS n FROM applications WHERE cohort_id = ${cls}`)[0].n;
  const accepted = srv.sql(`SELECT count(*) AS n FROM applications WHERE cohort_id = ${cls} AND status = 'accepted'`)[0].n;
  assert.ok(people >= 6);
  const before = rowsOf('admin').length;
  const csv = await clients.admin.get(`/admin/pip/classes/${cls}/applicants.csv`);
  assert.equal(csv.status, 200);
  assert.equal(csv.text.trim().split('\r\n').length, people + 1);
  const roster = await clients.admin.get(`/admin/pip/classes/${cls}/roster`);
  assert.equal(roster.status, 200);
  const interest = await clients.admin.get('/admin/interest.csv');
  assert.equal(interest.status, 200);
  const rows = rowsOf('admin').slice(before);
  assert.deepEqual(rows, [
    { action: 'export', application_id: null, cohort_id: cls, rows: people,
      what: csv.headers.get('content-disposition').match(/filename="(pip-class-45-applicants)-\d{4}-\d\d-\d\d\.csv"/)[1] + '.csv',
      actor: 'Ada Admin' },
    { action: 'roster', application_id: null, cohort_id: cls, rows: accepted, what: 'Roster of Class 45', actor: 'Ada Admin' },
    { action: 'export', application_id: null, cohort_id: null, rows: interest.text.trim().split('\r\n').length - 1,
      what: 'pip-interest-list.csv', actor: 'Ada Admin' },
  ]);
});

check("a counselor's views of a nomination and its letter are written", async () => {
  const c = clients.counselor;
  const sem = srv.sql("SELECT id, year FROM cohorts WHERE program = 'tap' AND registration_open = 1")[0];
  await c.get('/tap/nominate');
  const r = await c.post('/tap/nominate', {
    semester: String(sem.id), student_first_name: 'Lee', student_last_name: 'Logged',
    student_id: '7654321', grade: '11', dob: `${sem.year - 16}-03-01`, student_email: '',
    student_phone: '', guardian_name: 'Pat Logged', guardian_phone: '(310) 555-0100',
    guardian_email: 'pat.logged@example.com', guardian_consent: 'yes', counselor_note: '',
  });
  assert.equal(r.status, 303, r.text.slice(0, 300));
  const ref = r.headers.get('location').match(/(T-[0-9A-Z]{4}-[0-9A-Z]{4})/)[1];
  const id = srv.sql(`SELECT id FROM applications WHERE ref = '${ref}'`)[0].id;
  assert.equal((await c.get(`/counselor/nominations/${id}`)).status, 200);
  // The letter exists once the nomination is completed.
  srv.sql(`UPDATE applications SET status = 'completed', status_at = ${nowSeconds()} WHERE id = ${id}`);
  assert.equal((await c.get(`/counselor/nominations/${id}/letter`)).status, 200);
  assert.deepEqual(rowsOf('counselor'), [
    { action: 'view', application_id: id, cohort_id: null, rows: null, what: ref, actor: 'Carla Counselor' },
    { action: 'letter', application_id: id, cohort_id: null, rows: null, what: ref, actor: 'Carla Counselor' },
  ]);
  // The log holds no form values: the nominate form's names are nowhere in it.
  const all = JSON.stringify(srv.sql('SELECT * FROM access_log'));
  assert.doesNotMatch(all, /Logged|7654321|pat\.logged|correct horse/);
});

check('/admin/access-log: administrators only, filters by user and application, pages of 50', async () => {
  assert.equal((await clients.staff.get('/admin/access-log')).status, 303);
  const page = await clients.admin.get('/admin/access-log');
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('cache-control'), 'no-store');
  assert.match(page.text, /Carla Counselor/);
  assert.match(page.text, /Printed roster/);
  const byStaff = await clients.admin.get(`/admin/access-log?user=${ids.staff}`);
  assert.match(byStaff.text, /1 entries/);
  assert.doesNotMatch(byStaff.text, /Carla Counselor<\/td>/);
  const app = srv.sql("SELECT application_id AS id, what FROM access_log WHERE user_id = " + ids.counselor + " LIMIT 1")[0];
  const byRef = await clients.admin.get(`/admin/access-log?application=${app.what.toLowerCase().replace(/-/g, ' ')}`);
  assert.match(byRef.text, /2 entries/);
  const byId = await clients.admin.get(`/admin/access-log?application=${app.id}`);
  assert.match(byId.text, /2 entries/);
  assert.match((await clients.admin.get('/admin/access-log?application=T-0000-0000')).text, /0 entries/);
  // 120 more openings: three pages of 50.
  const some = srv.sql('SELECT id FROM applications LIMIT 1')[0].id;
  srv.sql(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120)
    INSERT INTO access_log (at, user_id, actor, action, application_id, what)
    SELECT ${nowSeconds()} - i, ${ids.staff}, 'Sam Staff', 'view', ${some}, 'bulk' FROM n`);
  const first = await clients.admin.get(`/admin/access-log?user=${ids.staff}`);
  assert.match(first.text, /121 entries, page 1 of 3/);
  assert.equal((first.text.match(/<tr><td data-label="When">/g) || []).length, 50);
  const third = await clients.admin.get(`/admin/access-log?user=${ids.staff}&page=3`);
  assert.equal((third.text.match(/<tr><td data-label="When">/g) || []).length, 21);
  assert.match(third.text, /rel="prev"/);
});

check('rows older than access_log_days go with the retention job', async () => {
  const old = srv.sql(`SELECT count(*) AS n FROM access_log`)[0].n;
  srv.sql(`INSERT INTO access_log (at, user_id, actor, action, what) VALUES
    (${nowSeconds() - 731 * 86400}, ${ids.staff}, 'Sam Staff', 'view', 'very old'),
    (${nowSeconds() - 729 * 86400}, ${ids.staff}, 'Sam Staff', 'view', 'old')`);
  // Retention runs when the portal starts.
  srv.portal.kill('SIGTERM');
  await srv.portalExit;
  await srv.startPortal();
  const end = Date.now() + 15000;
  while (srv.sql("SELECT count(*) AS n FROM access_log WHERE what = 'very old'")[0].n > 0) {
    assert.ok(Date.now() < end, 'retention did not run');
    await new Promise((res) => setTimeout(res, 100));
  }
  const left = srv.sql("SELECT what FROM access_log WHERE what IN ('very old', 'old')");
  assert.deepEqual(left, [{ what: 'old' }]);
  assert.equal(srv.sql('SELECT count(*) AS n FROM access_log')[0].n, old + 1);
});
