// self.test.js: what applicants, families and counselors do for themselves (SPEC.md):
// the references e-mail, references typed loosely, the status result behind a redirect,
// withdrawal with a confirmation step, detail corrections, and the counselor's own
// corrections and withdrawals; the department's contact on every page.
'use strict';
const { test: nodeTest, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start, loggedTests, farDate, addDays, yearsBefore } = require('./lib');

let srv;
const PW = 'a long enough password';
const NORTH = 'nora.north@example.org';
const SOUTH = 'sam.south@example.org';

before(async () => {
  srv = await start({ config: 'department_phone = (310) 618-5555\ndepartment_email = help@torrance.example\n' });
  srv.cli(['user', 'add', '--role', 'counselor', '--email', NORTH, '--name', 'Nora North',
    '--school', 'north'], `${PW}\n`);
  srv.cli(['user', 'add', '--role', 'counselor', '--email', SOUTH, '--name', 'Sam South',
    '--school', 'south'], `${PW}\n`);
});
const { test, stopAndReport } = loggedTests(nodeTest, assert);
after(() => stopAndReport(srv));

const sql = (q) => srv.sql(q);
const q = (s) => `'${String(s).replace(/'/g, "''")}'`;
const START = farDate();

let classNumber = 80;
// Opens a PIP class (closing the others) of capacity places; returns its id.
function openClass(capacity = 25) {
  classNumber += 1;
  sql("UPDATE cohorts SET registration_open = 0 WHERE program = 'pip'");
  const [{ id }] = sql(`INSERT INTO cohorts (program, number, start_date, capacity,
    registration_open, created_at) VALUES ('pip', ${classNumber}, '${START}', ${capacity}, 1, 0)
    RETURNING id`);
  sql(`INSERT INTO cohort_sessions (cohort_id, number, date, topic) VALUES (${id}, 1, '${START}', 'One')`);
  return id;
}

let serial = 0;
// Applies for class id; returns the reference.
async function apply(classId, overrides = {}) {
  serial += 1;
  const f = {
    class: String(classId), first_name: 'Maria', last_name: `Lopez${serial}`, dob: '1980-05-17',
    email: `maria${serial}@example.com`, phone: '(310) 555-0123', street: '2417 Elm Avenue',
    city: 'Torrance', zip: '90503', affiliation: 'resident', emergency_name: 'Jose Lopez',
    emergency_phone: '310-555-0199', accommodations: '', referral: '', ack_background: 'yes',
    ...overrides,
  };
  const c = srv.client();
  await c.get('/pip/apply');
  const r = await c.post('/pip/apply', Object.entries(f));
  assert.equal(r.status, 303, `apply: ${r.status} ${r.text.slice(0, 400)}`);
  return r.headers.get('location').match(/(P-[0-9A-Z]{4}-[0-9A-Z]{4})/)[1];
}

const row = (ref) => sql(`SELECT * FROM applications WHERE ref = ${q(ref)}`)[0];
const mails = (to) => sql(`SELECT subject, body FROM outbox WHERE recipient = ${q(to)} COLLATE NOCASE ORDER BY id`);
const audit = (id) => sql(`SELECT actor, from_status, to_status, note FROM audit
  WHERE application_id = ${id} ORDER BY id`);

// A client that has loaded a page with the form token.
async function client(page = '/status') {
  const c = srv.client();
  await c.get(page);
  return c;
}

// ---------------------------------------------------------------- the references e-mail

test('resend: one e-mail listing every reference, the same 303 for anyone, 3 a day', async () => {
  const id = openClass();
  const email = 'three.apps@example.com';
  const refs = [await apply(id, { email })];
  // Two more, in other classes, with the same address.
  refs.push(await apply(openClass(), { email }));
  const last = openClass();
  refs.push(await apply(last, { email }));
  const one = 'just.one@example.com';
  const oneRef = await apply(last, { email: one });
  const stranger = 'nobody.here@example.com';

  const answers = [];
  for (const to of [email, one, stranger]) {
    const c = await client('/status/resend');
    const r = await c.post('/status/resend', { email: to });
    assert.equal(r.status, 303, r.text.slice(0, 300));
    answers.push(r.headers.get('location'));
  }
  assert.deepEqual(new Set(answers), new Set(['/status/resend?sent=1']), 'the same answer for all');
  const page = await srv.client().get('/status/resend?sent=1');
  assert.equal(page.status, 200);
  assert.match(page.text, /If we have applications or nominations with that email address/);

  const listed = mails(email).filter((m) => /references/.test(m.subject));
  assert.equal(listed.length, 1);
  for (const ref of refs) {
    assert.ok(listed[0].body.includes(ref), `${ref} listed`);
    assert.ok(listed[0].body.includes(`/status?ref=${ref}`), 'a link that fills in the reference');
  }
  assert.match(listed[0].body, /Partners In Policing, Class \d+/);
  assert.match(listed[0].body, /Status: Received/);
  const oneMail = mails(one).filter((m) => /references/.test(m.subject));
  assert.equal(oneMail.length, 1);
  assert.ok(oneMail[0].body.includes(oneRef));
  assert.ok(!oneMail[0].body.includes(refs[0]), 'only that address\'s references');
  assert.deepEqual(mails(stranger), [], 'nothing to an address with nothing');

  // Three a day per address: the fourth request answers the same and sends nothing.
  for (let i = 0; i < 3; i++) {
    const c = await client('/status/resend');
    const r = await c.post('/status/resend', { email: one.toUpperCase() });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/status/resend?sent=1');
  }
  assert.equal(mails(one).filter((m) => /references/.test(m.subject)).length, 3);

  const bad = await (await client('/status/resend')).post('/status/resend', { email: 'not an address' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /<a href="#email">/);
});

// ---------------------------------------------------------------- lookups and withdrawal

test('a reference typed in lower case with spaces is found, and the result is behind a 303', async () => {
  const id = openClass();
  const email = 'loose.typing@example.com';
  const ref = await apply(id, { email, first_name: 'Lucia' });
  sql(`UPDATE applications SET ref = 'P-MQWK-JC92' WHERE ref = ${q(ref)}`);
  for (const typed of ['p mqwk jc92', 'pmqwkjc92', 'P-MQWK-JC92', ' p-mqwk-jc92 ']) {
    const c = await client();
    const r = await c.post('/status', { ref: typed, email });
    assert.equal(r.status, 303, `${typed}: ${r.status}`);
    const to = r.headers.get('location');
    assert.match(to, /^\/status\/result\?view=[\w-]+$/);
    assert.ok(!to.includes('loose'), 'no address in the URL');
    // Back, reload: the same GET, as often as wanted, with nothing resent.
    for (let i = 0; i < 2; i++) {
      const page = await c.get(to);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('cache-control'), 'no-store');
      assert.match(page.text, /Lucia, your application/);
      assert.ok(page.text.includes('P-MQWK-JC92'));
    }
  }
  const gone = await srv.client().get('/status/result?view=nonsense');
  assert.equal(gone.status, 200);
  assert.match(gone.text, /That status page has expired/);
  const prefilled = await srv.client().get('/status?ref=p-mqwk-jc92');
  assert.match(prefilled.text, /name="ref" type="text" value="P-MQWK-JC92"/);
  assert.ok(!/name="email" type="email" value="[^"]/.test(prefilled.text));
  // The confirmation page takes the loose form too.
  assert.equal((await srv.client().get('/confirmation/pmqwkjc92')).status, 200);
});

test('withdraw without confirm says what will happen and changes nothing', async () => {
  const id = openClass(1);
  const first = 'first.place@example.com';
  const waiting = 'waiting.one@example.com';
  const refA = await apply(id, { email: first });
  const refB = await apply(id, { email: waiting });
  assert.equal(row(refB).status, 'waitlisted');
  const before0 = sql('SELECT count(*) AS n FROM outbox')[0].n;
  const auditBefore = sql('SELECT count(*) AS n FROM audit')[0].n;

  const c = await client();
  const ask = await c.post('/status/withdraw', { ref: refA, email: first });
  assert.equal(ask.status, 200);
  assert.match(ask.text, /Are you sure you want to withdraw your application\?/);
  assert.match(ask.text, /The place goes at once to the next person on the waiting list/);
  assert.match(ask.text, /name="confirm" value="yes"/);
  assert.equal(row(refA).status, 'submitted');
  assert.equal(row(refB).status, 'waitlisted');
  assert.equal(sql('SELECT count(*) AS n FROM outbox')[0].n, before0, 'no e-mail queued');
  assert.equal(sql('SELECT count(*) AS n FROM audit')[0].n, auditBefore, 'no audit row');

  // With nobody waiting, the page does not promise anyone a place.
  const lone = openClass(5);
  const refC = await apply(lone, { email: 'lone@example.com' });
  const ask2 = await (await client()).post('/status/withdraw', { ref: refC, email: 'lone@example.com' });
  assert.equal(ask2.status, 200);
  assert.ok(!/next person/.test(ask2.text));
  assert.match(ask2.text, /The place becomes free for someone else/);

  const yes = await c.post('/status/withdraw', { ref: refA, email: first, confirm: 'yes' });
  assert.equal(yes.status, 303);
  assert.equal(row(refA).status, 'withdrawn');
  assert.equal(row(refB).status, 'submitted');
  const withdrawn = mails(first).pop();
  assert.match(withdrawn.subject, /Withdrawn/);
  assert.ok(!/next person/.test(withdrawn.body));
});

// ---------------------------------------------------------------- correcting one's details

// Posts a correction of ref (proved by email) with fields.
async function update(ref, email, fields) {
  const c = await client('/status/update');
  return c.post('/status/update', [['ref', ref], ['email', email], ...Object.entries(fields)]);
}

test('update: a phone number, audited by field name and confirmed by e-mail', async () => {
  const id = openClass();
  const email = 'moves.phone@example.com';
  const ref = await apply(id, { email, first_name: 'Paula' });
  const r = await update(ref, email, { phone: '(424) 555-0142' });
  assert.equal(r.status, 303, r.text.slice(0, 500));
  assert.equal(r.headers.get('location'), `/confirmation/${ref}?done=updated`);
  assert.equal(row(ref).phone, '4245550142');
  assert.equal(row(ref).street, '2417 Elm Avenue', 'what was not given is kept');
  const rows = audit(row(ref).id);
  const last = rows[rows.length - 1];
  assert.equal(last.actor, 'applicant');
  assert.equal(last.from_status, 'submitted');
  assert.equal(last.to_status, 'submitted');
  assert.match(last.note, /phone number/);
  assert.ok(!last.note.includes('555'), 'the audit names fields, never values');
  const m = mails(email).pop();
  assert.match(m.body, /^Hello Paula,/);
  assert.match(m.body, /phone number/);
  const page = await srv.client().get(`/confirmation/${ref}?done=updated`);
  assert.match(page.text, /Your details are saved/);

  const bad = await update(ref, email, { phone: '555' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /<a href="#phone">Enter your phone number as a US number/);
  assert.match(bad.text, /name="phone" type="tel" value="555"/);

  const wrong = await update(ref, 'someone.else@example.com', { phone: '424-555-0100' });
  assert.equal(wrong.status, 404);
  assert.match(wrong.text, /We cannot find an application with that reference and email address/);
  assert.equal(row(ref).phone, '4245550142');
});

test('update: a new e-mail address is told to the old and the new one', async () => {
  const id = openClass();
  const old = 'old.address@example.com';
  const neu = 'new.address@example.com';
  const ref = await apply(id, { email: old, first_name: 'Olga' });
  const r = await update(ref, old, { new_email: neu });
  assert.equal(r.status, 303, r.text.slice(0, 500));
  assert.equal(row(ref).email, neu);
  const toOld = mails(old).pop();
  const toNew = mails(neu).pop();
  for (const m of [toOld, toNew]) {
    assert.match(m.subject, /details were changed/);
    assert.match(m.body, /email address/);
    assert.ok(m.body.includes(old), 'says which address was on file');
  }
  // The old address no longer proves the application; the new one does.
  assert.equal((await (await client()).post('/status', { ref, email: old })).status, 404);
  assert.equal((await (await client()).post('/status', { ref, email: neu })).status, 303);
});

test('update: moving out of Torrance needs another connection (422), then works', async () => {
  const id = openClass();
  const email = 'moving.out@example.com';
  const ref = await apply(id, { email });
  const r = await update(ref, email, { street: '1 Pier Avenue', city: 'Redondo Beach', zip: '90277' });
  assert.equal(r.status, 422);
  assert.match(r.text, /<title>Error: /);
  assert.match(r.text, /<a href="#city">To say you live in Torrance/);
  assert.equal(row(ref).city, 'Torrance', 'nothing changed');
  const ok = await update(ref, email, [['street', '1 Pier Avenue'], ['city', 'Redondo Beach'],
    ['zip', '90277'], ['affiliation', 'work'], ['work_detail', 'Torrance Memorial']]
    .reduce((o, [k, v]) => ({ ...o, [k]: v }), {}));
  assert.equal(ok.status, 303, ok.text.slice(0, 600));
  assert.equal(row(ref).city, 'Redondo Beach');
  assert.deepEqual(sql(`SELECT kind, detail FROM affiliations WHERE application_id = ${row(ref).id}`),
    [{ kind: 'work', detail: 'Torrance Memorial' }]);
});

test('update: a declined application gets 409 and stays as it was', async () => {
  const id = openClass();
  const email = 'was.declined@example.com';
  const ref = await apply(id, { email });
  sql(`UPDATE applications SET status = 'declined' WHERE ref = ${q(ref)}`);
  const r = await update(ref, email, { phone: '424-555-0111' });
  assert.equal(r.status, 409);
  assert.equal(row(ref).phone, '3105550123');
});

test('update racing a withdrawal: never half-applied, the loser gets 409', async () => {
  for (let i = 0; i < 4; i++) {
    const id = openClass();
    const email = `racer${i}@example.com`;
    const ref = await apply(id, { email });
    const u = await client('/status/update');
    const w = await client();
    const [up, wd] = await Promise.all([
      u.post('/status/update', { ref, email, phone: '424-555-0160' }),
      w.post('/status/withdraw', { ref, email, confirm: 'yes' }),
    ]);
    assert.equal(wd.status, 303);
    assert.equal(row(ref).status, 'withdrawn');
    if (up.status === 303) {
      assert.equal(row(ref).phone, '4245550160', 'the correction came first and is whole');
    } else {
      assert.equal(up.status, 409, up.text.slice(0, 300));
      assert.equal(row(ref).phone, '3105550123', 'the withdrawal came first: nothing changed');
    }
  }
});

// ---------------------------------------------------------------- counselors

let year = Number(START.slice(0, 4)) + 1;
// Opens a TAP semester (closing the others); returns its id and first session date.
function openSemester(capacity) {
  year += 1;
  const day = `${year}-01-20`;
  sql("UPDATE cohorts SET registration_open = 0 WHERE program = 'tap'");
  const [{ id }] = sql(`INSERT INTO cohorts (program, term, year, start_date, capacity,
    registration_open, created_at) VALUES ('tap', 'spring', ${year}, '${day}', ${capacity}, 1, 0)
    RETURNING id`);
  sql(`INSERT INTO cohort_sessions (cohort_id, number, date, topic) VALUES (${id}, 1, '${day}', 'One')`);
  return { id, day };
}

async function signIn(email) {
  const c = srv.client();
  const r = await c.login(email, PW);
  assert.equal(r.status, 303);
  return c;
}

let student = 0;
function nomination(sem, overrides = {}) {
  student += 1;
  return {
    semester: String(sem.id), student_first_name: 'Alex', student_last_name: `Rivera${student}`,
    student_id: `S${700000 + student}`, grade: '11', dob: yearsBefore(sem.day, 16),
    student_email: '', student_phone: '', guardian_name: `Pat Rivera${student}`,
    guardian_phone: '(310) 555-0100', guardian_email: `pat${student}@example.com`,
    guardian_consent: 'yes', counselor_note: '', ...overrides,
  };
}

async function nominate(c, sem, overrides) {
  const f = nomination(sem, overrides);
  await c.get('/tap/nominate');
  const r = await c.post('/tap/nominate', f);
  assert.equal(r.status, 303, r.text.slice(0, 400));
  const ref = r.headers.get('location').match(/(T-[0-9A-Z]{4}-[0-9A-Z]{4})/)[1];
  return { ref, f, id: row(ref).id };
}

test('a counselor withdraws with a confirmation step; the next one waiting moves up', async () => {
  const sem = openSemester(1);
  const north = await signIn(NORTH);
  const a = await nominate(north, sem);
  const b = await nominate(north, sem);
  assert.equal(row(b.ref).status, 'waitlisted');
  const page = await north.get(`/counselor/nominations/${a.id}`);
  assert.match(page.text, new RegExp(`action="/counselor/nominations/${a.id}/withdraw"`));

  const ask = await north.post(`/counselor/nominations/${a.id}/withdraw`, {});
  assert.equal(ask.status, 200);
  assert.match(ask.text, /Withdraw the nomination of Alex/);
  assert.match(ask.text, /The place goes at once to the next student on the waiting list/);
  assert.equal(row(a.ref).status, 'submitted', 'nothing changes without confirm');

  const yes = await north.post(`/counselor/nominations/${a.id}/withdraw`, { confirm: 'yes' });
  assert.equal(yes.status, 303);
  assert.equal(yes.headers.get('location'), `/counselor/nominations/${a.id}?done=withdrawn`);
  assert.equal(row(a.ref).status, 'withdrawn');
  assert.equal(row(b.ref).status, 'submitted');
  const rows = audit(a.id);
  assert.equal(rows[rows.length - 1].actor, 'Nora North');
  assert.equal(rows[rows.length - 1].to_status, 'withdrawn');
  assert.equal(audit(b.id).pop().actor, 'system');
  const told = mails(a.f.guardian_email).pop();
  assert.match(told.body, new RegExp(`^Hello ${a.f.guardian_name},`));
  assert.match(told.body, /Nora North has withdrawn the nomination/);
  assert.match(mails(b.f.guardian_email).pop().body, /moved up from the waiting list/);
});

test('a counselor corrects a nomination; the family is told which fields, old and new address', async () => {
  const sem = openSemester(10);
  const north = await signIn(NORTH);
  const a = await nominate(north, sem);
  const form = await north.get(`/counselor/nominations/${a.id}/edit`);
  assert.equal(form.status, 200);
  assert.ok(form.text.includes(`value="${a.f.guardian_name}"`));
  const newGuardian = 'pat.new@example.com';
  const r = await north.post(`/counselor/nominations/${a.id}`, { ...a.f, guardian_phone: '424-555-0177',
    guardian_email: newGuardian });
  assert.equal(r.status, 303, r.text.slice(0, 500));
  // Sealed at rest (seal.c): read back through the nomination's page.
  assert.match(row(a.ref).guardian_phone, /^s1:/);
  const shown = (await north.get(`/counselor/nominations/${a.id}`)).text;
  assert.ok(shown.includes('424-555-0177'), 'the new phone on the nomination page');
  assert.ok(shown.includes(newGuardian), 'the new address on the nomination page');
  const note = audit(a.id).pop().note;
  assert.match(note, /parent or guardian's phone number/);
  assert.ok(!note.includes('555'));
  const toNew = mails(newGuardian).pop();
  const toOld = mails(a.f.guardian_email).pop();
  for (const m of [toNew, toOld]) {
    assert.match(m.body, /Nora North of North High School has corrected/);
    assert.match(m.body, /parent or guardian's email address/);
  }
  const bad = await north.post(`/counselor/nominations/${a.id}`, { ...a.f, grade: '9' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /<a href="#grade">/);
  // Accepted: too late for the counselor to correct it.
  sql(`UPDATE applications SET status = 'accepted' WHERE id = ${a.id}`);
  const late = await north.post(`/counselor/nominations/${a.id}`, { ...a.f, guardian_name: 'Someone' });
  assert.equal(late.status, 409);
});

test('another school\'s counselor gets 404 on both routes, and nothing changes', async () => {
  const sem = openSemester(10);
  const north = await signIn(NORTH);
  const a = await nominate(north, sem);
  const south = await signIn(SOUTH);
  await south.get('/counselor');
  const w = await south.post(`/counselor/nominations/${a.id}/withdraw`, { confirm: 'yes' });
  assert.equal(w.status, 404);
  const c = await south.post(`/counselor/nominations/${a.id}`, { ...a.f, guardian_name: 'Intruder' });
  assert.equal(c.status, 404);
  assert.equal((await south.get(`/counselor/nominations/${a.id}/edit`)).status, 404);
  assert.equal(row(a.ref).status, 'submitted');
  const north2 = await signIn(NORTH);
  assert.ok((await north2.get(`/counselor/nominations/${a.id}`)).text.includes(a.f.guardian_name),
    'the guardian\'s name unchanged');
  assert.ok(!(await north2.get(`/counselor/nominations/${a.id}`)).text.includes('Intruder'));
});

test('a counselor\'s own address works at /status for her school\'s nominations', async () => {
  const sem = openSemester(10);
  const north = await signIn(NORTH);
  const a = await nominate(north, sem);
  const r = await (await client()).post('/status', { ref: a.ref, email: NORTH });
  assert.equal(r.status, 303);
  const other = await (await client()).post('/status', { ref: a.ref, email: SOUTH });
  assert.equal(other.status, 404);
  const mail = mails(NORTH).find((m) => m.body.includes(a.ref));
  assert.ok(!/with this email address/.test(mail.body), 'no promise about the counselor\'s address');
  assert.match(mail.body, new RegExp(`/counselor/nominations/${a.id}`));
});

// ---------------------------------------------------------------- contact

test('every page and every error page gives the telephone and e-mail as links', async () => {
  for (const p of ['/', '/status', '/status/resend', '/status/update', '/no/such/page']) {
    const r = await srv.client().get(p);
    assert.match(r.text, /<a href="tel:\+13106185555">310-618-5555<\/a>/, p);
    assert.match(r.text, /<a href="mailto:help@torrance\.example">help@torrance\.example<\/a>/, p);
  }
  const missing = await srv.client().get('/no/such/page');
  assert.equal(missing.status, 404);
  assert.match(missing.text, /call us at <a href="tel:/);
});
