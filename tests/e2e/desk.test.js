// desk.test.js: the coordinator's desk: bulk decisions, background checks and the
// classes that require them, staff corrections, previous and next links.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start, farDate, yearsBefore } = require('./lib');

const PW = 'a long enough password';
let srv;
let staff;

before(async () => {
  srv = await start();
  srv.addUser('staff', 'staff@example.org', 'Sam Staff', PW);
  staff = await srv.signedIn('staff@example.org', PW);
});
after(async () => { await srv.stop(); });

const START = farDate();

function makeClass(number, capacity, clearance = false) {
  srv.sql('UPDATE cohorts SET registration_open = 0 WHERE program = \'pip\'');
  return srv.sql(`INSERT INTO cohorts (program, number, start_date, capacity, registration_open,
    created_at, require_clearance) VALUES ('pip', ${number}, '${START}', ${capacity}, 1, 0,
    ${clearance ? 1 : 0}) RETURNING id`)[0].id;
}

let serial = 0;
async function apply(classId, extra = {}) {
  serial += 1;
  const c = srv.client();
  await c.get('/pip/apply');
  const r = await c.post('/pip/apply', {
    class: String(classId), first_name: `Bea${serial}`, last_name: `Lane${serial}`, dob: '1975-02-11',
    email: `bea${serial}@example.com`, phone: '310-555-0101', street: '10 Oak St', city: 'Torrance',
    zip: '90501', affiliation: 'resident', emergency_name: 'Luis Reyes', emergency_phone: '310-555-0102',
    ack_background: 'yes', ...extra,
  });
  assert.equal(r.status, 303, r.text.slice(0, 300));
  const ref = r.headers.get('location').split('/').pop();
  return srv.sql(`SELECT id, ref, status, first_name, last_name FROM applications WHERE ref = '${ref}'`)[0];
}

const count = (sql) => srv.sql(sql)[0].n;
const outbox = () => count('SELECT count(*) AS n FROM outbox');
const audits = () => count('SELECT count(*) AS n FROM audit');

async function csrfFrom(url) {
  const r = await staff.get(url);
  assert.equal(r.status, 200, url);
  return r;
}

test('bulk accept of 20 in one request: 20 audit rows, 20 e-mails, the banner names them', async () => {
  const id = makeClass(301, 40);
  const apps = [];
  for (let i = 0; i < 20; i++) apps.push(await apply(id));
  const page = await csrfFrom(`/admin/pip/classes/${id}`);
  for (const a of apps)
    assert.match(page.text, new RegExp(`<label for="pick-${a.id}" class="visually-hidden">Select ${a.first_name} ${a.last_name}</label>`));
  assert.match(page.text, /Accept selected/);
  const a0 = audits(), o0 = outbox();
  const r = await staff.post(`/admin/pip/classes/${id}/decide`,
    [...apps.map((a) => ['id', String(a.id)]), ['status', 'accepted'], ['note', 'Welcome']]);
  assert.equal(r.status, 303, r.text.slice(0, 400));
  assert.equal(audits() - a0, 20);
  assert.equal(outbox() - o0, 20);
  assert.equal(count(`SELECT count(*) AS n FROM applications WHERE cohort_id = ${id} AND status = 'accepted'`), 20);
  assert.equal(count(`SELECT count(*) AS n FROM audit a JOIN applications p ON p.id = a.application_id
    WHERE p.cohort_id = ${id} AND a.to_status = 'accepted' AND a.note = 'Welcome' AND a.actor = 'Sam Staff'`), 20);
  const back = await staff.get(r.headers.get('location'));
  assert.equal(back.status, 200);
  assert.match(back.text, /20 moved to Accepted/);
  for (const a of apps) assert.ok(back.text.includes(`${a.first_name} ${a.last_name}`), a.first_name);
  const banner = back.text.match(/<div class="success" role="status">[\s\S]*?<\/div>/)[0];
  assert.ok(!banner.includes('P-'), 'the banner names people, not references');
});

test('a bulk request with one disallowed move is refused whole and names it', async () => {
  const id = makeClass(302, 40);
  const apps = [];
  for (let i = 0; i < 4; i++) apps.push(await apply(id));
  await csrfFrom(`/admin/pip/classes/${id}`);
  let r = await staff.post(`/admin/applications/${apps[3].id}/status`, { status: 'declined', note: '' });
  assert.equal(r.status, 303);
  const other = makeClass(303, 5);
  const stranger = await apply(other);
  const a0 = audits(), o0 = outbox();
  const before = srv.sql(`SELECT id, status FROM applications ORDER BY id`);
  r = await staff.post(`/admin/pip/classes/${id}/decide`,
    [...apps.map((a) => ['id', String(a.id)]), ['status', 'accepted'], ['note', '']]);
  assert.equal(r.status, 409);
  assert.ok(r.text.includes(`${apps[3].first_name} ${apps[3].last_name}`), 'names the declined one');
  assert.ok(!r.text.includes(`${apps[0].first_name} ${apps[0].last_name}`), 'names only the refused');
  assert.match(r.text, /Nothing was changed/);
  assert.deepEqual(srv.sql(`SELECT id, status FROM applications ORDER BY id`), before);
  assert.equal(audits(), a0);
  assert.equal(outbox(), o0);
  // One of another class: refused too.
  r = await staff.post(`/admin/pip/classes/${id}/decide`,
    [['id', String(apps[0].id)], ['id', String(stranger.id)], ['status', 'waitlisted'], ['note', '']]);
  assert.equal(r.status, 409);
  assert.match(r.text, /not an application of this class/);
  assert.deepEqual(srv.sql(`SELECT id, status FROM applications ORDER BY id`), before);
  // No status or nobody ticked: 400.
  r = await staff.post(`/admin/pip/classes/${id}/decide`, [['id', String(apps[0].id)], ['status', 'completed']]);
  assert.equal(r.status, 400);
  r = await staff.post(`/admin/pip/classes/${id}/decide`, [['status', 'accepted']]);
  assert.equal(r.status, 400);
});

test('background checks: stored with date and who, audited, shown, filtered, in the CSV', async () => {
  const id = makeClass(304, 10);
  const a = await apply(id), b = await apply(id);
  let page = await csrfFrom(`/admin/applications/${a.id}`);
  assert.match(page.text, /Background check/);
  assert.match(page.text, /State: <strong>Not started<\/strong>/);
  const a0 = audits();
  let r = await staff.post(`/admin/applications/${a.id}/background`, { state: 'in_progress' });
  assert.equal(r.status, 303);
  r = await staff.post(`/admin/applications/${a.id}/background`, { state: 'cleared' });
  assert.equal(r.status, 303);
  assert.equal(audits() - a0, 2);
  const row = srv.sql(`SELECT background, background_at, background_by FROM applications WHERE id = ${a.id}`)[0];
  assert.equal(row.background, 'cleared');
  assert.ok(row.background_at > 0);
  assert.equal(row.background_by, 'Sam Staff');
  assert.equal(count(`SELECT count(*) AS n FROM audit WHERE application_id = ${a.id} AND note = 'Background check: Cleared'`), 1);
  page = await staff.get(r.headers.get('location'));
  assert.match(page.text, /Background check recorded/);
  assert.match(page.text, /State: <strong>Cleared<\/strong>, set .* by Sam Staff/);
  r = await staff.post(`/admin/applications/${a.id}/background`, { state: 'maybe' });
  assert.equal(r.status, 400);
  // The list: a column, and the filter.
  let list = await staff.get(`/admin/pip/classes/${id}`);
  assert.match(list.text, /<th scope="col">Background check<\/th>/);
  assert.match(list.text, /<td data-label="Background check">Cleared<\/td>/);
  list = await staff.get(`/admin/pip/classes/${id}?background=cleared`);
  assert.ok(list.text.includes(`${a.last_name}, ${a.first_name}`));
  assert.ok(!list.text.includes(`${b.last_name}, ${b.first_name}`));
  assert.match(list.text, /id="list-caption">1 application</);
  list = await staff.get(`/admin/pip/classes/${id}?background=not_started`);
  assert.ok(!list.text.includes(`${a.last_name}, ${a.first_name}`));
  assert.ok(list.text.includes(`${b.last_name}, ${b.first_name}`));
  // The CSV: the last column.
  const csv = await staff.get(`/admin/pip/classes/${id}/applicants.csv`);
  assert.equal(csv.status, 200);
  const lines = csv.text.trim().split(/\r?\n/);
  // SPEC.md's order: ..., status_label, sessions_attended, language, background, then more.
  const header = lines[0].split(',');
  const at = header.indexOf('background');
  assert.equal(header[at - 1], 'language');
  const byRef = Object.fromEntries(lines.slice(1).map((l) => [l.split(',')[0], l.split(',')[at]]));
  assert.equal(byRef[a.ref], 'cleared');
  assert.equal(byRef[b.ref], 'not_started');
});

test('a class that requires clearance refuses single and bulk accepts until cleared', async () => {
  // Created through the form, with the new checkbox.
  await csrfFrom('/admin/pip/classes');
  let r = await staff.post('/admin/pip/classes', {
    number: '305', start_date: START, start_time: '18:00', end_time: '20:00', capacity: '10',
    reminders: 'yes', require_clearance: 'yes',
  });
  assert.equal(r.status, 303, r.text.slice(0, 500));
  const id = srv.sql('SELECT id, require_clearance FROM cohorts WHERE number = 305')[0];
  assert.equal(id.require_clearance, 1);
  srv.sql('UPDATE cohorts SET registration_open = 0 WHERE program = \'pip\'');
  srv.sql(`UPDATE cohorts SET registration_open = 1 WHERE id = ${id.id}`);
  const a = await apply(id.id), b = await apply(id.id);
  await csrfFrom(`/admin/applications/${a.id}`);
  const a0 = audits(), o0 = outbox();
  r = await staff.post(`/admin/applications/${a.id}/status`, { status: 'accepted', note: '' });
  assert.equal(r.status, 409);
  assert.match(r.text, /background check has not cleared/i);
  r = await staff.post(`/admin/pip/classes/${id.id}/decide`,
    [['id', String(a.id)], ['id', String(b.id)], ['status', 'accepted']]);
  assert.equal(r.status, 409);
  assert.match(r.text, /background check not cleared/);
  assert.equal(audits(), a0);
  assert.equal(outbox(), o0);
  assert.equal(count(`SELECT count(*) AS n FROM applications WHERE cohort_id = ${id.id} AND status = 'accepted'`), 0);
  // Waitlisting is not refused.
  r = await staff.post(`/admin/applications/${b.id}/status`, { status: 'waitlisted', note: '' });
  assert.equal(r.status, 303);
  for (const x of [a, b])
    assert.equal((await staff.post(`/admin/applications/${x.id}/background`, { state: 'cleared' })).status, 303);
  r = await staff.post(`/admin/applications/${a.id}/status`, { status: 'accepted', note: '' });
  assert.equal(r.status, 303);
  r = await staff.post(`/admin/pip/classes/${id.id}/decide`, [['id', String(b.id)], ['status', 'accepted']]);
  assert.equal(r.status, 303);
  assert.equal(count(`SELECT count(*) AS n FROM applications WHERE cohort_id = ${id.id} AND status = 'accepted'`), 2);
  // A class made without the box does not require it.
  assert.equal(count('SELECT require_clearance AS n FROM cohorts WHERE number = 304'), 0);
});

test('staff correct an application: 303 audited without values, 422 with errors', async () => {
  const id = makeClass(306, 10);
  const a = await apply(id);
  let page = await csrfFrom(`/admin/applications/${a.id}/edit`);
  assert.match(page.text, new RegExp(`value="${a.first_name}"`));
  const form = {
    first_name: 'Beatrix', last_name: a.last_name, dob: '1975-02-11', email: 'beatrix@example.com',
    phone: '310-555-0111', street: '12 Oak St', city: 'Torrance', zip: '90501',
    emergency_name: 'Luis Reyes', emergency_phone: '310-555-0102', accommodations: '', referral: '',
  };
  const o0 = outbox();
  let r = await staff.post(`/admin/applications/${a.id}`, form);
  assert.equal(r.status, 303, r.text.slice(0, 500));
  const note = srv.sql(`SELECT note, actor FROM audit WHERE application_id = ${a.id} ORDER BY id DESC LIMIT 1`)[0];
  assert.equal(note.actor, 'Sam Staff');
  assert.match(note.note, /first name/i);
  assert.ok(!note.note.includes('Beatrix') && !note.note.includes('beatrix@'), 'no values in the audit');
  assert.ok(outbox() > o0, 'the applicant is told');
  page = await staff.get(`/admin/applications/${a.id}`);
  assert.match(page.text, /Beatrix/);
  assert.match(page.text, /beatrix@example.com/);
  r = await staff.post(`/admin/applications/${a.id}`, { ...form, email: 'not an address', zip: '' });
  assert.equal(r.status, 422);
  assert.match(r.text, /class="error-message" id="email-error"/);
  assert.match(r.text, /id="zip-error"/);
  assert.equal(srv.sql(`SELECT first_name FROM applications WHERE id = ${a.id}`)[0].first_name, 'Beatrix');
});

test('previous and next links follow the list order and filter', async () => {
  const id = makeClass(307, 10);
  const apps = [];
  for (let i = 0; i < 4; i++) apps.push(await apply(id));
  await csrfFrom(`/admin/pip/classes/${id}`);
  await staff.post(`/admin/applications/${apps[1].id}/background`, { state: 'cleared' });
  await staff.post(`/admin/applications/${apps[3].id}/background`, { state: 'cleared' });
  // Unfiltered, in the order received.
  let page = await staff.get(`/admin/applications/${apps[1].id}?sort=submitted`);
  const prev = page.text.match(/<a href="([^"]+)" rel="prev">Previous applicant/);
  const next = page.text.match(/<a href="([^"]+)" rel="next">Next applicant/);
  // Unfiltered in the default order: the plain addresses.
  assert.equal(prev[1], `/admin/applications/${apps[0].id}`);
  assert.equal(next[1], `/admin/applications/${apps[2].id}`);
  page = await staff.get(`/admin/applications/${apps[0].id}`);
  assert.ok(!/rel="prev">Previous applicant/.test(page.text), 'the first has no previous');
  // Filtered: only the cleared ones, and the link keeps the filter.
  page = await staff.get(`/admin/applications/${apps[1].id}?background=cleared&sort=submitted`);
  const n = page.text.match(/<a href="([^"]+)" rel="next">Next applicant/)[1].replace(/&amp;/g, '&');
  assert.ok(n.startsWith(`/admin/applications/${apps[3].id}?`));
  assert.match(n, /background=cleared/);
  assert.ok(!/rel="prev">Previous applicant/.test(page.text));
  // The list's row links carry the filter to the application page.
  const list = await staff.get(`/admin/pip/classes/${id}?background=cleared`);
  assert.match(list.text, new RegExp(`href="/admin/applications/${apps[1].id}\\?background=cleared"`));
});

test('staff correct a nomination by the nominate form\'s rules: audited without values, in any open status', async () => {
  srv.cli(['user', 'add', '--role', 'counselor', '--email', 'counselor@example.org', '--name', 'Cora Counselor',
    '--school', 'north'], `${PW}\n`);
  const counselor = srv.client();
  assert.equal((await counselor.login('counselor@example.org', PW)).status, 303);
  const year = Number(START.slice(0, 4));
  srv.sql('UPDATE cohorts SET registration_open = 0 WHERE program = \'tap\'');
  const [{ id: sem }] = srv.sql(`INSERT INTO cohorts (program, term, year, start_date, capacity,
    registration_open, created_at) VALUES ('tap', 'spring', ${year}, '${START}', 25, 1, 0) RETURNING id`);
  const nominate = async (n) => {
    await counselor.get('/tap/nominate');
    const r = await counselor.post('/tap/nominate', {
      semester: String(sem), student_first_name: 'Kai', student_last_name: `Nakamura${n}`,
      student_id: `N${n}0001`, grade: '11', dob: yearsBefore(START, 16), student_email: '',
      student_phone: '', guardian_name: `Ren Nakamura${n}`, guardian_phone: '(310) 555-0100',
      guardian_email: `ren${n}@example.com`, guardian_consent: 'yes', counselor_note: 'Keen.',
    });
    assert.equal(r.status, 303, r.text.slice(0, 400));
    return srv.sql(`SELECT id FROM applications WHERE cohort_id = ${sem} AND last_name = 'Nakamura${n}'`)[0].id;
  };
  const id = await nominate(1);
  const other = await nominate(2);

  // The form: the nominate form's fields, filled with the stored (sealed) details.
  const edit = await csrfFrom(`/admin/applications/${id}/edit`);
  assert.match(edit.text, new RegExp(`<form method="post" action="/admin/applications/${id}" novalidate>`));
  assert.match(edit.text, /name="student_last_name" type="text" value="Nakamura1"/);
  assert.match(edit.text, /name="guardian_phone" type="tel" value="310-555-0100"/);
  assert.match(edit.text, /id="guardian_consent" name="guardian_consent" type="checkbox" value="yes" checked/);
  assert.match((await staff.get(`/admin/applications/${id}`)).text,
    new RegExp(`<a href="/admin/applications/${id}/edit">Correct the details</a>`));

  const form = {
    student_first_name: 'Kai', student_last_name: 'Nakamura-Lee', student_id: 'N10001', grade: '11',
    dob: yearsBefore(START, 16), student_email: '', student_phone: '', guardian_name: 'Ren Nakamura1',
    guardian_phone: '424-555-0188', guardian_email: 'ren1@example.com', guardian_consent: 'yes',
    counselor_note: 'Keen.',
  };
  // The nominate form's rules: a bad e-mail and no grade are refused, nothing changes.
  const a0 = audits();
  let r = await staff.post(`/admin/applications/${id}`, { ...form, guardian_email: 'ren@', grade: '' });
  assert.equal(r.status, 422, r.text.slice(0, 300));
  assert.match(r.text, /id="guardian_email-error"/);
  assert.match(r.text, /id="grade-error"/);
  assert.equal(audits(), a0);
  assert.equal(srv.sql(`SELECT last_name FROM applications WHERE id = ${id}`)[0].last_name, 'Nakamura1');
  // Another nomination's student ID: 409, nothing changes.
  r = await staff.post(`/admin/applications/${id}`, { ...form, student_id: 'N20001' });
  assert.equal(r.status, 409);
  assert.match(r.text, /This student ID is already nominated/);
  assert.equal(audits(), a0);

  // Saved: one audit row naming the fields, never their values; the family is told.
  const o0 = count('SELECT COALESCE(max(id), 0) AS n FROM outbox');
  r = await staff.post(`/admin/applications/${id}`, form);
  assert.equal(r.status, 303, r.text.slice(0, 400));
  assert.equal(r.headers.get('location'), `/admin/applications/${id}?corrected=1`);
  assert.equal(audits(), a0 + 1);
  const row = srv.sql(`SELECT actor, note FROM audit WHERE application_id = ${id} ORDER BY id DESC LIMIT 1`)[0];
  assert.equal(row.actor, 'Sam Staff');
  assert.equal(row.note, "Details corrected by Sam Staff: student's last name, parent or guardian's phone number");
  assert.deepEqual(srv.sql(`SELECT recipient FROM outbox WHERE id > ${o0} ORDER BY recipient`).map((m) => m.recipient),
    ['counselor@example.org', 'ren1@example.com'], 'the guardian and the counselor are told');
  const page = await staff.get(`/admin/applications/${id}`);
  assert.match(page.text, /Kai Nakamura-Lee/);
  assert.match(page.text, /href="tel:\+14245550188"/);
  assert.equal(srv.sql(`SELECT last_name FROM applications WHERE id = ${id}`)[0].last_name, 'Nakamura-Lee');
  assert.ok(!/424/.test(srv.sql(`SELECT guardian_phone FROM applications WHERE id = ${id}`)[0].guardian_phone),
    'the guardian phone stays sealed');

  // Accepted: no longer the counselor's to correct, still staff's.
  srv.sql(`UPDATE applications SET status = 'accepted' WHERE id = ${other}`);
  await counselor.get(`/counselor/nominations/${other}`);
  r = await counselor.post(`/counselor/nominations/${other}`, { ...form, student_last_name: 'Nakamura2', student_id: 'N20001',
    guardian_name: 'Ren Nakamura2', guardian_email: 'ren2@example.com', guardian_phone: '310-555-0177' });
  assert.equal(r.status, 409);
  r = await staff.post(`/admin/applications/${other}`, { ...form, student_last_name: 'Nakamura2', student_id: 'N20001',
    guardian_name: 'Ren Nakamura2', guardian_email: 'ren2@example.com', guardian_phone: '310-555-0177' });
  assert.equal(r.status, 303, r.text.slice(0, 300));
  assert.match(srv.sql(`SELECT note FROM audit WHERE application_id = ${other} ORDER BY id DESC LIMIT 1`)[0].note,
    /^Details corrected by Sam Staff: parent or guardian's phone number$/);
  // Declined: closed to corrections.
  srv.sql(`UPDATE applications SET status = 'declined' WHERE id = ${other}`);
  r = await staff.post(`/admin/applications/${other}`, form);
  assert.equal(r.status, 409);
  assert.match(r.text, /This application can no longer be corrected/);
});
