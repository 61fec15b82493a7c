// export.test.js: the staff's CSV downloads (classes, semesters, interest list) and the
// administrators' editor of the program pages' Markdown (SPEC.md).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start, ZONE, nowSeconds, farDate, addDays } = require('./lib');

const PASSWORD = 'a long enough password';
let srv;
let admin;
let staff;
let counselor;
let counselorId;
let adminId;

before(async () => {
  srv = await start();
  adminId = srv.addUser('admin', 'admin@example.org', 'Ada Admin', PASSWORD);
  srv.addUser('staff', 'staff@example.org', 'Sam Staff', PASSWORD);
  counselorId = srv.addUser('counselor', 'counselor@example.org', 'Carla Counselor', PASSWORD, 'north');
  admin = await srv.signedIn('admin@example.org', PASSWORD);
  staff = await srv.signedIn('staff@example.org', PASSWORD);
  counselor = await srv.signedIn('counselor@example.org', PASSWORD);
});
after(async () => { await srv.stop(); });

// A small RFC 4180 parser: rows of cells; quoted cells may hold commas, quotes and line breaks.
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i += 2; continue; }
      if (ch === '"') { quoted = false; i += 1; continue; }
      cell += ch;
      i += 1;
      continue;
    }
    if (ch === '"') {
      assert.equal(cell, '', `a quote inside an unquoted cell at ${i}`);
      quoted = true;
      i += 1;
    } else if (ch === ',') {
      row.push(cell);
      cell = '';
      i += 1;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 2;
    } else {
      assert.ok(ch !== '\r' && ch !== '\n', `a bare line break outside quotes at ${i}`);
      cell += ch;
      i += 1;
    }
  }
  assert.equal(quoted, false, 'the file ends inside a quoted cell');
  assert.ok(row.length === 0 && cell === '', 'the last row does not end with CRLF');
  return rows;
}

// GETs a download with the client's cookies; the body as raw bytes (fetch's text() drops a BOM).
async function download(client, path) {
  const res = await fetch(srv.base + path, {
    headers: client ? { cookie: client.cookieHeader() } : {},
    redirect: 'manual',
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes };
}

// Checks a download is a CSV file with a BOM and the file name; returns its parsed rows.
function csvOf(r, filename) {
  assert.equal(r.status, 200, r.bytes.toString('utf8').slice(0, 300));
  assert.equal(r.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.match(r.headers.get('content-disposition'),
    new RegExp(`^attachment; filename="${filename}-\\d{4}-\\d{2}-\\d{2}\\.csv"$`));
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.deepEqual([...r.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'no UTF-8 BOM');
  const text = r.bytes.subarray(3).toString('utf8');
  return { text, rows: parseCsv(text) };
}

// Times are written as the portal's zone (America/Los_Angeles) shows them, to the minute:
// the expectations below are spelled out, so that no local clock of the test computes them.
// Only times that must stay recent (the retention period erases what is older) are
// computed, by csvTime, in the portal's zone whatever this machine's.
function csvTime(t) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: ZONE, hourCycle: 'h23',
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
    .formatToParts(new Date(t * 1000)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

// The first sessions: far enough ahead that no reminder or rule of the day touches them.
const FIRST = farDate();

// Opens a fresh PIP class (closing the others) with ten daily sessions.
function openClass(number, capacity) {
  srv.sql("UPDATE cohorts SET registration_open = 0 WHERE program = 'pip'");
  const [{ id }] = srv.sql(`INSERT INTO cohorts (program, number, start_date, capacity,
    registration_open, created_at) VALUES ('pip', ${number}, '${FIRST}', ${capacity}, 1, 0)
    RETURNING id`);
  const rows = [];
  for (let n = 1; n <= 10; n++) rows.push(`(${id}, ${n}, '${addDays(FIRST, n - 1)}', 'S')`);
  srv.sql(`INSERT INTO cohort_sessions (cohort_id, number, date, topic) VALUES ${rows.join(', ')}`);
  return id;
}

// Applies through the public form; returns the reference.
async function apply(classId, fields) {
  const c = srv.client();
  await c.get('/pip/apply');
  const f = {
    class: String(classId), first_name: 'Maria', last_name: 'Lopez', dob: '1980-05-17',
    email: 'maria@example.com', phone: '(310) 555-0123', street: '2417 Elm Avenue',
    city: 'Torrance', zip: '90503', affiliation: ['resident'], work_detail: '',
    school_detail: '', faith_detail: '', civic_detail: '', other_detail: '',
    emergency_name: 'Jose Lopez', emergency_phone: '+1 310.555.0199', accommodations: '',
    referral: '', ack_background: 'yes', ...fields,
  };
  const pairs = [];
  for (const [k, v] of Object.entries(f)) for (const one of [].concat(v)) pairs.push([k, one]);
  const r = await c.post('/pip/apply', pairs);
  assert.equal(r.status, 303, (r.text.match(/<li><a href="#[^<]*<\/a>/g) || []).join(" "));
  return r.headers.get('location').replace('/confirmation/', '');
}

const CLASS_HEADER = 'reference,status,waitlist_position,submitted_at,first_name,last_name,dob,'
  + 'email,phone,street,city,zip,affiliations,emergency_name,emergency_phone,referral';
const SEMESTER_HEADER = 'reference,status,waitlist_position,submitted_at,school,'
  + 'student_first_name,student_last_name,student_id,grade,dob,student_email,student_phone,'
  + 'guardian_name,guardian_phone,guardian_email,counselor';
// SPEC.md's columns after the header rows, then the ones staff also need.
const CLASS_MORE = ['status_label', 'sessions_attended', 'language', 'background',
  'verify_residence', 'accommodations'];
const SEMESTER_MORE = ['status_label', 'sessions_attended', 'language', 'guardian_consent',
  'counselor_note'];

test('a class export parses back exactly, guarded, oldest first', async () => {
  const id = openClass(45, 2);
  const a = await apply(id, {
    first_name: '=HYPERLINK("x")', last_name: 'Smith, Jr.', email: 'smith@example.com',
    street: '12 "Oak" Street', affiliation: ['resident', 'work', 'other'],
    work_detail: 'Acme, Inc.', other_detail: 'Volunteer at the library',
    accommodations: 'A ramp, please\r\nand a seat near the front',
    referral: '@torrancepd on Instagram',
  });
  const b = await apply(id, {
    first_name: 'José', last_name: 'Núñez', email: 'jose@example.com', phone: '424 555 0100',
    city: 'Torrance', zip: '90502', affiliation: ['other', 'civic', 'faith', 'resident'],
    civic_detail: 'Rotary', faith_detail: 'St. Mark', other_detail: '-coach',
    referral: '-A flyer, at the library', accommodations: 'Line one\r\nLine "two"',
  });
  const w = await apply(id, { first_name: 'Wait', last_name: 'Ing', email: 'wait@example.com' });
  const e = await apply(id, { first_name: 'Gone', last_name: 'Away', email: 'gone@example.com' });
  // Submission times set so that the order differs from the insertion order; t0 is
  // 2026-11-18T11:06:40Z, 3:06 AM in Torrance.  The first is accepted and has attended
  // three sessions; the erased one two, before it withdrew.
  const t0 = 1795000000;
  srv.sql(`UPDATE applications SET submitted_at = ${t0 + 300}, status = 'accepted'
      WHERE ref = '${a}';
    UPDATE applications SET submitted_at = ${t0 + 100} WHERE ref = '${b}';
    UPDATE applications SET submitted_at = ${t0 + 200} WHERE ref = '${w}';
    UPDATE applications SET submitted_at = ${t0 + 50}, status = 'withdrawn',
      waitlist_position = NULL, erased_at = ${t0 + 400} WHERE ref = '${e}';
    INSERT INTO attendance (application_id, session_number, recorded_at)
      SELECT a.id, n.value, ${t0} FROM applications a, json_each('[1, 2, 4]') n WHERE ref = '${a}';
    INSERT INTO attendance (application_id, session_number, recorded_at)
      SELECT a.id, n.value, ${t0} FROM applications a, json_each('[1, 2]') n WHERE ref = '${e}'`);
  const [{ status: wStatus, waitlist_position: wPos }] =
    srv.sql(`SELECT status, waitlist_position FROM applications WHERE ref = '${w}'`);
  assert.equal(wStatus, 'waitlisted');

  const r = await download(staff, `/admin/pip/classes/${id}/applicants.csv`);
  const { text, rows } = csvOf(r, 'pip-class-45-applicants');
  assert.ok(text.startsWith(`${CLASS_HEADER},`), text.slice(0, 200));
  assert.ok(text.includes('"\'=HYPERLINK(""x"")"'), 'the guard goes inside the quotes');
  const header = rows[0];
  assert.deepEqual(header, [...CLASS_HEADER.split(','), ...CLASS_MORE]);
  const cols = (row) => Object.fromEntries(header.map((h, i) => [h, row[i]]));
  assert.ok(rows.every((row) => row.length === header.length), 'ragged rows');
  assert.deepEqual(rows.slice(1).map((row) => row[0]), [e, b, w, a], 'oldest first');
  const [erased, jose, waiting, smith] = rows.slice(1).map(cols);

  assert.deepEqual(smith, {
    ...smith,
    reference: a, status: 'accepted', waitlist_position: '', submitted_at: '2026-11-18 03:11',
    first_name: '\'=HYPERLINK("x")', last_name: 'Smith, Jr.', dob: '1980-05-17',
    email: 'smith@example.com', phone: '310-555-0123', street: '12 "Oak" Street',
    city: 'Torrance', zip: '90503',
    affiliations: 'resident; work: Acme, Inc.; other: Volunteer at the library',
    emergency_name: 'Jose Lopez', emergency_phone: '310-555-0199',
    referral: '\'@torrancepd on Instagram',
    status_label: 'Accepted', sessions_attended: '3', language: 'en',
  });
  assert.equal(smith.accommodations, 'A ramp, please\nand a seat near the front');
  assert.equal(smith.verify_residence, '');
  assert.deepEqual(jose, {
    ...jose,
    reference: b, status: 'submitted', waitlist_position: '', submitted_at: '2026-11-18 03:08',
    first_name: 'José', last_name: 'Núñez', phone: '424-555-0100', zip: '90502',
    affiliations: 'resident; faith: St. Mark; civic: Rotary; other: -coach',
    referral: "'-A flyer, at the library", accommodations: 'Line one\nLine "two"',
    status_label: 'Received', sessions_attended: '0',
  });
  assert.equal(jose.verify_residence, 'yes');
  assert.equal(waiting.status, 'waitlisted');
  assert.equal(waiting.waitlist_position, String(wPos));
  assert.equal(waiting.first_name, 'Wait');
  assert.equal(waiting.submitted_at, '2026-11-18 03:10');
  assert.equal(waiting.status_label, 'On the waiting list');
  assert.equal(waiting.sessions_attended, '0');
  // Erased: reference, status, time and the sessions attended stay; nothing personal does.
  assert.equal(erased.reference, e);
  assert.equal(erased.status, 'withdrawn');
  assert.equal(erased.submitted_at, '2026-11-18 03:07');
  assert.equal(erased.status_label, 'Withdrawn');
  assert.equal(erased.sessions_attended, '2');
  assert.equal(erased.language, 'en');
  for (const h of header.slice(4)) {
    if (!['status_label', 'sessions_attended', 'language'].includes(h)) {
      assert.equal(erased[h], '', `erased row keeps ${h}`);
    }
  }

  // Administrators may download too; HEAD answers without a body.
  assert.equal((await download(admin, `/admin/pip/classes/${id}/applicants.csv`)).status, 200);
  const head = await fetch(`${srv.base}/admin/pip/classes/${id}/applicants.csv`,
    { method: 'HEAD', headers: { cookie: staff.cookieHeader() } });
  assert.equal(head.status, 200);
});

test('a class with no applications exports just the header row', async () => {
  const id = openClass(47, 10);
  const { text, rows } = csvOf(await download(staff, `/admin/pip/classes/${id}/applicants.csv`),
    'pip-class-47-applicants');
  assert.equal(rows.length, 1);
  assert.equal(text, `${rows[0].join(',')}\r\n`);
});

test('a semester export names the school and the counselor', async () => {
  const year = FIRST.slice(0, 4);
  const [{ id }] = srv.sql(`INSERT INTO cohorts (program, term, year, start_date, capacity,
    registration_open, created_at) VALUES ('tap', 'spring', ${year}, '${addDays(FIRST, 19)}', 1, 1, 0)
    RETURNING id`);
  // t0 is 2026-11-30T00:53:20Z: still November 29 in Torrance.
  const t0 = 1796000000;
  srv.sql(`INSERT INTO applications (ref, cohort_id, status, waitlist_position, submitted_at,
    status_at, first_name, last_name, dob, email, phone, school, student_id, grade,
    guardian_name, guardian_phone, guardian_email, guardian_consent, counselor_note,
    counselor_id) VALUES
    ('T-AAAA-0002', ${id}, 'waitlisted', 1, ${t0 + 10}, ${t0 + 10}, 'Kim', '+Lee', '2010-03-04',
     '', '', 'north', '000123', 11, 'Pat Lee', '3105550111', 'pat@example.com', 1,
     'Keen, "very" keen', ${counselorId}),
    ('T-AAAA-0001', ${id}, 'submitted', NULL, ${t0}, ${t0}, 'Ana', 'Ruiz', '2008-01-02',
     'ana@example.com', '3105550122', 'north', 'S-9', 12, '', '', '', 0, '', ${counselorId})`);
  const { rows } = csvOf(await download(staff, `/admin/tap/semesters/${id}/nominations.csv`),
    `tap-spring-${year}-nominations`);
  assert.deepEqual(rows[0], [...SEMESTER_HEADER.split(','), ...SEMESTER_MORE]);
  const header = rows[0];
  const cols = (row) => Object.fromEntries(header.map((h, i) => [h, row[i]]));
  const [ana, kim] = rows.slice(1).map(cols);
  assert.equal(rows.length, 3);
  assert.deepEqual(ana, {
    ...ana,
    reference: 'T-AAAA-0001', status: 'submitted', waitlist_position: '',
    submitted_at: '2026-11-29 16:53',
    school: 'North High School', student_first_name: 'Ana', student_last_name: 'Ruiz',
    student_id: 'S-9', grade: '12', dob: '2008-01-02', student_email: 'ana@example.com',
    student_phone: '310-555-0122', guardian_name: '', guardian_phone: '', guardian_email: '',
    counselor: 'Carla Counselor', status_label: 'Received', sessions_attended: '0',
    language: 'en',
  });
  assert.deepEqual(kim, {
    ...kim,
    reference: 'T-AAAA-0002', status: 'waitlisted', waitlist_position: '1',
    submitted_at: '2026-11-29 16:53', status_label: 'On the waiting list',
    sessions_attended: '0',
    student_last_name: "'+Lee", student_id: '000123', grade: '11', student_email: '',
    student_phone: '', guardian_name: 'Pat Lee', guardian_phone: '310-555-0111',
    guardian_email: 'pat@example.com', counselor: 'Carla Counselor',
  });
  assert.equal(kim.guardian_consent, 'yes');
  assert.equal(kim.counselor_note, 'Keen, "very" keen');

  // A semester is not a class, and the other way round.
  assert.equal((await download(staff, `/admin/pip/classes/${id}/applicants.csv`)).status, 404);
  const pip = srv.sql("SELECT id FROM cohorts WHERE program = 'pip' LIMIT 1")[0].id;
  assert.equal((await download(staff, `/admin/tap/semesters/${pip}/nominations.csv`)).status, 404);
});

test('the interest list exports who is waiting, oldest first', async () => {
  // 1783128600 is 2026-07-04T01:30:00Z: July 3, 6:30 PM in Torrance, in daylight time.
  // Two were told two days ago, a minute apart: well inside the retention period, which
  // erases those told 180 days before.
  const told = Math.floor((nowSeconds() - 2 * 86400) / 60) * 60;
  srv.sql(`INSERT INTO interest (email, name, created_at, notified_at, erased_at) VALUES
    ('late@example.com', NULL, 1795000900, NULL, NULL),
    ('summer@example.com', 'Sam', 1783128600, ${told + 60}, NULL),
    ('early@example.com', 'Lopez, Ann', 1795000100, ${told}, NULL),
    (NULL, NULL, 1795000000, 1795000001, 1795000002),
    ('=cmd@example.com', '-', 1795000200, NULL, NULL)`);
  const { rows } = csvOf(await download(staff, '/admin/interest.csv'), 'pip-interest-list');
  assert.deepEqual(rows, [
    ['email', 'name', 'joined_at', 'notified_at'],
    ['summer@example.com', 'Sam', '2026-07-03 18:30', csvTime(told + 60)],
    ['early@example.com', 'Lopez, Ann', '2026-11-18 03:08', csvTime(told)],
    ["'=cmd@example.com", "'-", '2026-11-18 03:10', ''],
    ['late@example.com', '', '2026-11-18 03:21', ''],
  ]);
});

test('10,000 applications export whole and in order', async () => {
  const id = openClass(48, 20000);
  srv.sql(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
    INSERT INTO applications (ref, cohort_id, status, submitted_at, status_at, first_name,
    last_name, dob, email, phone, street, city, zip, emergency_name, emergency_phone)
    SELECT printf('P-%04d-BULK', i), ${id}, 'submitted', 1795000000 + (10000 - i) / 3, 0,
    'F' || i, 'L' || i, '1980-01-01', 'b' || i || '@example.com', '3105550100', 'Street',
    'Torrance', '90503', 'E', '3105550101' FROM n;
    INSERT INTO affiliations (application_id, kind, detail)
    SELECT id, 'work', 'Firm ' || id FROM applications WHERE cohort_id = ${id};
    INSERT INTO affiliations (application_id, kind, detail)
    SELECT id, 'resident', '' FROM applications WHERE cohort_id = ${id} AND id % 2 = 0`);
  const want = srv.sql(`SELECT a.ref, a.id FROM applications a WHERE cohort_id = ${id}
    ORDER BY submitted_at, id`);
  const { rows } = csvOf(await download(staff, `/admin/pip/classes/${id}/applicants.csv`),
    'pip-class-48-applicants');
  assert.equal(rows.length, 10001);
  const col = rows[0].indexOf('affiliations');
  for (let i = 0; i < want.length; i++) {
    const { ref, id: appId } = want[i];
    assert.equal(rows[i + 1][0], ref);
    const affs = (appId % 2 === 0 ? 'resident; ' : '') + `work: Firm ${appId}`;
    if (rows[i + 1][col] !== affs) assert.equal(rows[i + 1][col], affs, `row ${i + 1}`);
  }
});

test('exports are for staff: others are sent to sign in', async () => {
  const id = srv.sql("SELECT id FROM cohorts WHERE program = 'pip' AND number = 45")[0].id;
  const tap = srv.sql("SELECT id FROM cohorts WHERE program = 'tap' LIMIT 1")[0].id;
  for (const p of [`/admin/pip/classes/${id}/applicants.csv`,
    `/admin/tap/semesters/${tap}/nominations.csv`, '/admin/interest.csv']) {
    for (const [who, c] of [['anonymous', null], ['counselor', counselor]]) {
      const r = await download(c, p);
      assert.equal(r.status, 303, `${who} ${p}`);
      assert.match(r.headers.get('location'), /^\/login(\?|$)/, `${who} ${p}`);
      assert.ok(!r.bytes.toString('utf8').includes('reference,'), `${who} got the list`);
    }
  }
  for (const p of ['/admin/pip/classes/999999/applicants.csv', '/admin/pip/classes/abc/applicants.csv',
    '/admin/pip/classes/0/applicants.csv', '/admin/tap/semesters/999999/nominations.csv',
    '/admin/pip/classes/-1/applicants.csv']) {
    assert.equal((await download(staff, p)).status, 404, p);
  }
});

// The stored page row.
const page = (slug) => srv.sql(`SELECT markdown, html, updated_by FROM pages WHERE slug = '${slug}'`)[0];

test('an administrator edits a page: unsafe Markdown never reaches the public page', async () => {
  const g = await admin.get('/admin/pages/pip');
  assert.equal(g.status, 200);
  assert.match(g.text, /<textarea[^>]*name="markdown"/);
  assert.match(g.text, /## A citizen police academy/);
  assert.match(g.text, /<h2>A citizen police academy<\/h2>/, 'the stored HTML is previewed');
  assert.match(g.text, /href="\/admin\/pages\/home"/);
  assert.match(g.text, /href="\/admin\/pages\/tap"/);
  assert.equal(g.headers.get('cache-control'), 'no-store');
  const md = '## Welcome, neighbours\n\n<script>alert(1)</script>\n\n'
    + '[x](javascript:alert(1)) and **bold** <img src=x onerror=alert(1)>\n';
  const r = await admin.post('/admin/pages/pip', { markdown: md.replace(/\n/g, '\r\n'), action: 'save' });
  assert.equal(r.status, 303, r.text.slice(0, 400));
  assert.equal(r.headers.get('location'), '/admin/pages/pip?saved=1');
  const stored = page('pip');
  assert.equal(stored.markdown, md, 'stored with LF line ends');
  assert.equal(stored.updated_by, adminId);
  assert.ok(!/<script|javascript:|onerror/i.test(stored.html), stored.html);
  const done = await admin.get('/admin/pages/pip?saved=1');
  assert.match(done.text, /The page is saved/);
  assert.match(done.text, /Ada Admin/);
  const pub = await srv.client().get('/pip');
  assert.equal(pub.status, 200);
  assert.match(pub.text, /<h2>Welcome, neighbours<\/h2>/);
  assert.match(pub.text, /<strong>bold<\/strong>/);
  assert.ok(!/<script/i.test(pub.text), 'a script reached /pip');
  assert.ok(!/javascript:/i.test(pub.text), 'a javascript: link reached /pip');
  assert.ok(!/onerror/i.test(pub.text), 'an event handler reached /pip');
  // The home page's text is editable too.
  await admin.get('/admin/pages/home');
  const h = await admin.post('/admin/pages/home', { markdown: 'Hello **Torrance**.' });
  assert.equal(h.status, 303);
  assert.match((await srv.client().get('/')).text, /Hello <strong>Torrance<\/strong>\./);
});

test('preview shows the typed page and saves nothing', async () => {
  const before0 = page('tap');
  await admin.get('/admin/pages/tap');
  const r = await admin.post('/admin/pages/tap', { markdown: '## Preview only\n\n- one', action: 'preview' });
  assert.equal(r.status, 200);
  assert.match(r.text, /<h2>Preview only<\/h2>/);
  assert.match(r.text, /<li>one<\/li>/);
  assert.match(r.text, /not saved yet/);
  assert.doesNotMatch(r.text, /id="dropped-/, 'nothing was left out');
  assert.match(r.text, /## Preview only/, 'the textarea keeps what was typed');
  assert.deepEqual(page('tap'), before0);
  assert.ok(!(await srv.client().get('/tap')).text.includes('Preview only'));
});

test('the preview says when it left out raw HTML or an unsafe link', async () => {
  const before0 = page('tap');
  await admin.get('/admin/pages/tap');
  const md = '<div>boxed</div>\n\nSome <b>bold</b> text and [a trap](javascript:alert(1)),'
    + ' [a page](https://example.org) and ![a picture](DATA:text/html;base64,AAAA).';
  const r = await admin.post('/admin/pages/tap', { markdown: md, action: 'preview' });
  assert.equal(r.status, 200);
  assert.match(r.text, /id="dropped-html">The page leaves out the raw HTML you typed \(3 pieces\)/);
  assert.match(r.text, /id="dropped-links">The page leaves out the address of 2 unsafe links/);
  assert.doesNotMatch(r.text, /<b>bold|href="javascript/);
  const one = await admin.post('/admin/pages/tap', { markdown: 'x <br> [y](file:///etc)',
    action: 'preview' });
  assert.match(one.text, /\(1 piece\)/);
  assert.match(one.text, /1 unsafe link \(/);
  assert.deepEqual(page('tap'), before0);
});

test('a page over 32 KB or empty is refused with 422 and changes nothing', async () => {
  const before0 = page('tap');
  await admin.get('/admin/pages/tap');
  const big = await admin.post('/admin/pages/tap', { markdown: 'x'.repeat(33 * 1024) });
  assert.equal(big.status, 422);
  assert.match(big.text, /<title>Error: /);
  assert.match(big.text, /The page must be 32 KB or shorter/);
  assert.match(big.text, /href="#markdown"/);
  const empty = await admin.post('/admin/pages/tap', { markdown: ' \r\n ' });
  assert.equal(empty.status, 422);
  assert.match(empty.text, /Enter the page text/);
  assert.deepEqual(page('tap'), before0);
  // Exactly 32 KiB is allowed.
  const edge = await admin.post('/admin/pages/tap', { markdown: 'y'.repeat(32 * 1024), action: 'preview' });
  assert.equal(edge.status, 200);
});

test('only administrators edit pages, and only the three', async () => {
  const before0 = page('pip');
  const g = await staff.get('/admin/pages/pip');
  assert.equal(g.status, 303);
  assert.match(g.headers.get('location'), /^\/login(\?|$)/);
  await staff.get('/');
  const p = await staff.post('/admin/pages/pip', { markdown: 'staff was here' });
  assert.equal(p.status, 403);
  const anon = srv.client();
  await anon.get('/');
  assert.equal((await anon.post('/admin/pages/pip', { markdown: 'anon was here' })).status, 403);
  assert.equal((await anon.get('/admin/pages/pip')).status, 303);
  assert.equal((await counselor.get('/admin/pages/pip')).status, 303);
  assert.deepEqual(page('pip'), before0);
  assert.equal((await admin.get('/admin/pages/about')).status, 404);
  await admin.get('/admin/pages/pip');
  assert.equal((await admin.post('/admin/pages/about', { markdown: 'x' })).status, 404);
  // A form without its token changes nothing.
  const noCsrf = await admin.post('/admin/pages/pip', { markdown: 'forged' }, { csrf: false });
  assert.equal(noCsrf.status, 403);
  assert.deepEqual(page('pip'), before0);
});
