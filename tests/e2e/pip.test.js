// pip.test.js: applying for Partners In Policing, the confirmation page, the
// status lookup, withdrawal, the waitlist and the interest list (SPEC.md).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start, today, addDays, farDate, yearsBefore, longDate } = require('./lib');

let srv;
before(async () => { srv = await start(); });
after(async () => { await srv.stop(); });

const REF = /^\/confirmation\/(P-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4})$/;

// The first session of the classes made here: far enough ahead that no reminder or rule
// of the day touches it, whenever the tests run.  The age rule counts to it.
const FIRST = farDate();

// Opens a fresh PIP class (closing every other one) with sessions a week apart.
function openClass(number, { start: startDate = FIRST, capacity = 25, sessions = 10 } = {}) {
  srv.sql('UPDATE cohorts SET registration_open = 0');
  const [{ id }] = srv.sql(`INSERT INTO cohorts (program, number, start_date, capacity,
    registration_open, created_at) VALUES ('pip', ${number}, '${startDate}', ${capacity}, 1, 0)
    RETURNING id`);
  const rows = [];
  for (let n = 1; n <= sessions; n++) rows.push(`(${id}, ${n}, '${addDays(startDate, (n - 1) * 7)}', 'Session ${n}')`);
  srv.sql(`INSERT INTO cohort_sessions (cohort_id, number, date, topic) VALUES ${rows.join(', ')}`);
  return id;
}

let serial = 0;
// A valid application for class id; overrides replace fields (undefined removes one).
function application(classId, overrides = {}) {
  serial += 1;
  const f = {
    class: String(classId),
    first_name: 'Maria',
    last_name: `Lopez${serial}`,
    dob: '1980-05-17',
    email: `maria${serial}@example.com`,
    phone: '(310) 555-0123',
    street: '2417 Elm Avenue',
    city: 'Torrance',
    zip: '90503',
    affiliation: ['resident', 'work'],
    work_detail: 'Torrance Memorial Medical Center',
    school_detail: '',
    faith_detail: '',
    civic_detail: '',
    other_detail: '',
    emergency_name: 'Jose Lopez',
    emergency_phone: '+1 310.555.0199',
    accommodations: '',
    referral: 'A neighbour',
    ack_background: 'yes',
    ...overrides,
  };
  const pairs = [];
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) pairs.push([k, one]);
  }
  return { fields: f, pairs };
}

// GETs the form with a new client, then posts the application.
async function apply(classId, overrides = {}, client = srv.client()) {
  const app = application(classId, overrides);
  await client.get('/pip/apply');
  const r = await client.post('/pip/apply', app.pairs);
  return { ...r, app, client };
}

function refOf(r) {
  assert.equal(r.status, 303, `expected 303, got ${r.status}: ${r.text.slice(0, 400)}`);
  const m = (r.headers.get('location') || '').match(REF);
  assert.ok(m, `Location ${r.headers.get('location')}`);
  return m[1];
}

function counts() {
  return srv.sql(`SELECT (SELECT count(*) FROM applications) AS apps,
    (SELECT count(*) FROM affiliations) AS affs, (SELECT count(*) FROM audit) AS audit,
    (SELECT count(*) FROM outbox) AS outbox`)[0];
}

function row(ref) {
  const [r] = srv.sql(`SELECT * FROM applications WHERE ref = '${ref}'`);
  assert.ok(r, `no row for ${ref}`);
  return r;
}

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  .replace(/"/g, '&quot;').replace(/'/g, '&#39;');

test('GET /pip/apply shows the form of the open class', async () => {
  const id = openClass(46);
  const r = await srv.client().get('/pip/apply');
  assert.equal(r.status, 200);
  for (const name of ['first_name', 'last_name', 'dob', 'email', 'phone', 'street', 'city',
    'zip', 'affiliation', 'work_detail', 'school_detail', 'faith_detail', 'civic_detail',
    'other_detail', 'emergency_name', 'emergency_phone', 'accommodations', 'referral',
    'ack_background', 'csrf']) {
    assert.match(r.text, new RegExp(`name="${name}"`), `no input named ${name}`);
  }
  for (const kind of ['resident', 'work', 'school', 'faith', 'civic', 'other']) {
    assert.match(r.text, new RegExp(`name="affiliation" type="checkbox" value="${kind}"`));
  }
  assert.match(r.text, new RegExp(`<input type="hidden" name="class" value="${id}">`));
  assert.match(r.text, /<form method="post" action="\/pip\/apply"/);
  assert.match(r.text, new RegExp(`You must be 18 by ${longDate(FIRST)}`));
  assert.match(r.text, /Apply for Partners In Policing Class 46/);
  for (const ac of ['given-name', 'family-name', 'bday', 'email', 'tel', 'postal-code']) {
    assert.match(r.text, new RegExp(`autocomplete="${ac}"`), `no autocomplete=${ac}`);
  }
  assert.match(r.text, /id="phone" name="phone" type="tel"[^>]*inputmode="tel"/);
  assert.match(r.text, /id="zip" name="zip" type="text"[^>]*inputmode="numeric"/);
  assert.match(r.text, /id="dob" name="dob" type="date"/);
  assert.ok(!/<title>Error: /.test(r.text));
});

test('a valid application is stored, mailed and confirmed without personal details', async () => {
  const id = openClass(45, { capacity: 20 });
  const before0 = counts();
  const r = await apply(id, {
    first_name: 'Dolores', last_name: 'Umbridge-Test', email: 'dolores.u@example.com',
    phone: '(310) 555-0123', affiliation: ['resident', 'work', 'civic'],
    work_detail: 'Torrance Memorial', civic_detail: 'Rotary Club of Torrance',
  });
  const ref = refOf(r);
  const a = row(ref);
  assert.equal(a.cohort_id, id);
  assert.equal(a.status, 'submitted');
  assert.equal(a.waitlist_position, null);
  assert.equal(a.first_name, 'Dolores');
  assert.equal(a.last_name, 'Umbridge-Test');
  // Sealed at rest (src/seal.c); the staff pages and exports show them opened.
  assert.match(a.dob, /^s1:/);
  assert.equal(a.email, 'dolores.u@example.com');
  assert.equal(a.phone, '3105550123');
  assert.match(a.emergency_phone, /^s1:/);
  assert.match(a.emergency_name, /^s1:/);
  assert.equal(a.street, '2417 Elm Avenue');
  assert.equal(a.city, 'Torrance');
  assert.equal(a.zip, '90503');
  assert.equal(a.verify_residence, 0);
  assert.equal(a.referral, 'A neighbour');
  assert.deepEqual(
    srv.sql(`SELECT kind, detail FROM affiliations WHERE application_id = ${a.id} ORDER BY kind`),
    [
      { kind: 'civic', detail: 'Rotary Club of Torrance' },
      { kind: 'resident', detail: '' },
      { kind: 'work', detail: 'Torrance Memorial' },
    ],
  );
  assert.deepEqual(
    srv.sql(`SELECT actor, from_status, to_status, user_id FROM audit WHERE application_id = ${a.id}`),
    [{ actor: 'applicant', from_status: null, to_status: 'submitted', user_id: null }],
  );
  const mail = srv.sql(`SELECT recipient, subject, body FROM outbox WHERE recipient = 'dolores.u@example.com'`);
  assert.equal(mail.length, 1);
  assert.ok(mail[0].subject.includes(ref), mail[0].subject);
  assert.ok(mail[0].body.includes(ref));
  const after0 = counts();
  assert.equal(after0.apps, before0.apps + 1);
  assert.equal(after0.outbox, before0.outbox + 1);

  const c = await srv.client().get(`/confirmation/${ref}`);
  assert.equal(c.status, 200);
  assert.ok(c.text.includes(ref));
  assert.match(c.text, /Class 45/);
  assert.match(c.text, /Application received/);
  assert.match(c.text, /tag--submitted/);
  for (const secret of ['dolores.u@example.com', 'Umbridge', '3105550123', '555-0123', 'Dolores',
    'Elm Avenue']) {
    assert.ok(!c.text.includes(secret), `confirmation page shows ${secret}`);
  }
});

// Posts an application that must be refused: 422, nothing stored, the error shown.
async function refused(classId, overrides, field, message, keep) {
  const before0 = counts();
  const r = await apply(classId, overrides);
  assert.equal(r.status, 422, `expected 422 for ${field}: ${r.text.slice(0, 300)}`);
  assert.match(r.text, /<title>Error: /);
  assert.ok(r.text.includes(`<a href="#${field}">${esc(message)}</a>`),
    `no summary link to #${field} with "${message}"`);
  assert.ok(r.text.includes(`<span class="visually-hidden">Error:</span> ${esc(message)}</p>`),
    `no message beside ${field}`);
  assert.match(r.text, new RegExp(`id="${field}-error"`));
  for (const [name, value] of Object.entries(keep || {})) {
    assert.ok(r.text.includes(`name="${name}" type="${name === 'dob' ? 'date' : name === 'email' ? 'email' : name.endsWith('phone') ? 'tel' : 'text'}" value="${esc(value)}"`),
      `value of ${name} not kept as typed: ${value}`);
  }
  assert.deepEqual(counts(), before0, 'something was stored');
  return r;
}

test('each refusal is 422 with the values kept and the error beside its field', async () => {
  const id = openClass(47);
  const keep = { last_name: 'O\'Brien & <Sons> "Ltd"', street: '1 <b>Main</b> St' };
  const r = await refused(id, { first_name: '   ', ...keep }, 'first_name', 'Enter your first name', keep);
  assert.match(r.text, /name="affiliation" type="checkbox" value="resident" checked/);
  assert.match(r.text, /name="ack_background" type="checkbox" value="yes" checked/);
  await refused(id, { dob: '2025-02-30' }, 'dob', 'Enter a real date of birth, for example 5/17/1980',
    { dob: '2025-02-30' });
  const future = `${Number(today().slice(0, 4)) + 2}-06-01`;
  await refused(id, { dob: future }, 'dob', 'Date of birth must be in the past', { dob: future });
  // 18 the day after the first session: too young.
  const eighteen = yearsBefore(FIRST, 18);
  const young = addDays(eighteen, 1);
  await refused(id, { dob: young }, 'dob',
    `You must be 18 by ${longDate(FIRST)}, when the class starts`, { dob: young });
  await refused(id, { affiliation: undefined, work_detail: 'Somewhere' }, 'affiliation',
    'Select at least one way you are connected to Torrance');
  await refused(id, { affiliation: ['work'], work_detail: '' }, 'work_detail',
    'Enter the name of your employer in Torrance');
  await refused(id, { affiliation: ['resident'], city: 'Gardena' }, 'city',
    'To say you live in Torrance, enter an address in the City of Torrance. If you work, go to school, worship or volunteer in Torrance, tick that box instead',
    { city: 'Gardena' });
  await refused(id, { affiliation: ['resident'], zip: '90210' }, 'zip',
    'ZIP code 90210 is not in Torrance. To say you live in Torrance, enter a Torrance address. If you work, go to school, worship or volunteer in Torrance, tick that box instead',
    { zip: '90210' });
  await refused(id, { email: 'maria at example.com' }, 'email',
    'Enter your email address in the correct format, like name@example.com',
    { email: 'maria at example.com' });
  await refused(id, { phone: '555-0123' }, 'phone',
    'Enter your phone number as a US number with 10 digits, like 310-555-0123', { phone: '555-0123' });
  const noAck = await refused(id, { ack_background: undefined }, 'ack_background',
    'Confirm that you agree to a background check');
  assert.match(noAck.text, /name="ack_background" type="checkbox" value="yes" aria-describedby/);
  // The 18th birthday on the first session day is old enough.
  const ok = await apply(id, { dob: eighteen });
  assert.ok(refOf(ok));
});

test('a resident with a border ZIP is flagged for verification; a core ZIP is not', async () => {
  const id = openClass(48);
  const border = row(refOf(await apply(id, { affiliation: ['resident'], zip: '90502' })));
  assert.equal(border.status, 'submitted');
  assert.equal(border.verify_residence, 1);
  const core = row(refOf(await apply(id, { affiliation: ['resident'], zip: '90503' })));
  assert.equal(core.verify_residence, 0);
});

test('a duplicate in the same class is refused with 409 and nothing is stored', async () => {
  const id = openClass(49);
  const first = await apply(id, { first_name: 'Ana', last_name: 'Duplicate', dob: '1975-03-02',
    email: 'ana.dup@example.com' });
  refOf(first);
  const before0 = counts();
  const again = await apply(id, { first_name: 'Someone', last_name: 'Else', dob: '1990-01-01',
    email: 'ANA.DUP@example.com' });
  assert.equal(again.status, 409);
  assert.match(again.text, /You have already applied for Class 49/);
  assert.match(again.text, /<a href="\/status">/);
  const sameName = await apply(id, { first_name: 'ana', last_name: 'DUPLICATE', dob: '1975-03-02',
    email: 'ana.other@example.com' });
  assert.equal(sameName.status, 409);
  assert.match(sameName.text, /<a href="\/status">/);
  assert.deepEqual(counts(), before0);
});

test('a closed or unknown class is refused with 409 and nothing is stored', async () => {
  const openId = openClass(50);
  const [{ id: closedId }] = srv.sql(`INSERT INTO cohorts (program, number, start_date, capacity,
    registration_open, created_at) VALUES ('pip', 51, '${FIRST}', 10, 0, 0) RETURNING id`);
  const before0 = counts();
  const closed = await apply(closedId);
  assert.equal(closed.status, 409);
  assert.match(closed.text, /Registration for this class is closed/);
  const unknown = await apply(999999);
  assert.equal(unknown.status, 409);
  const garbage = await apply('abc');
  assert.equal(garbage.status, 409);
  assert.deepEqual(counts(), before0);
  refOf(await apply(openId)); // the open class still takes applications
});

test('a POST without a valid CSRF token is 403 and stores nothing', async () => {
  const id = openClass(52);
  const before0 = counts();
  const c = srv.client();
  await c.get('/pip/apply');
  const missing = await c.post('/pip/apply', application(id).pairs, { csrf: false });
  assert.equal(missing.status, 403);
  const wrong = await c.post('/pip/apply', [...application(id).pairs, ['csrf', 'not-the-token']]);
  assert.equal(wrong.status, 403);
  // A token from another browser does not do either.
  const other = srv.client();
  await other.get('/pip/apply');
  const foreign = await c.post('/pip/apply', [...application(id).pairs, ['csrf', other.csrf]]);
  assert.equal(foreign.status, 403);
  assert.deepEqual(counts(), before0);
});

// Withdraws ref as its applicant, with a client that first loads the status form.
async function withdraw(ref, email) {
  const c = srv.client();
  await c.get('/status');
  return c.post('/status/withdraw', { ref, email, confirm: 'yes' });
}

test('a full class waitlists; a withdrawal promotes the first one waiting', async () => {
  const id = openClass(53, { capacity: 3 });
  const apps = [];
  for (let i = 0; i < 4; i++) {
    const r = await apply(id, { email: `cap${i}@example.com`, first_name: `Cap${i}` });
    apps.push({ ref: refOf(r), email: `cap${i}@example.com` });
  }
  for (const a of apps.slice(0, 3)) assert.equal(row(a.ref).status, 'submitted');
  const w = row(apps[3].ref);
  assert.equal(w.status, 'waitlisted');
  assert.equal(w.waitlist_position, 1);
  const conf = await srv.client().get(`/confirmation/${apps[3].ref}`);
  assert.equal(conf.status, 200);
  assert.match(conf.text, /You are number 1 on the waiting list/);
  assert.match(conf.text, /You are on the waiting list/);

  const r = await withdraw(apps[1].ref, apps[1].email);
  assert.equal(r.status, 303);
  assert.match(r.headers.get('location'), new RegExp(`^/confirmation/${apps[1].ref}(\\?|$)`));
  assert.equal(row(apps[1].ref).status, 'withdrawn');
  const promoted = row(apps[3].ref);
  assert.equal(promoted.status, 'submitted');
  assert.equal(promoted.waitlist_position, null);
  assert.deepEqual(
    srv.sql(`SELECT actor, from_status, to_status FROM audit WHERE application_id =
      ${row(apps[1].ref).id} ORDER BY id`),
    [{ actor: 'applicant', from_status: null, to_status: 'submitted' },
      { actor: 'applicant', from_status: 'submitted', to_status: 'withdrawn' }],
  );
  const pa = srv.sql(`SELECT actor, from_status, to_status, note FROM audit WHERE application_id =
    ${promoted.id} ORDER BY id`);
  assert.equal(pa.length, 2);
  assert.deepEqual({ ...pa[1], note: undefined },
    { actor: 'system', from_status: 'waitlisted', to_status: 'submitted', note: undefined });
  assert.match(pa[1].note, /waiting list/);
  const mail = srv.sql(`SELECT subject, body FROM outbox WHERE recipient = 'cap3@example.com' ORDER BY id`);
  assert.equal(mail.length, 2, 'received, then promoted');
  assert.ok(mail[1].subject.includes(apps[3].ref));
  assert.match(mail[1].body, /moved up from the waiting list/);
  const page = await srv.client().get(r.headers.get('location'));
  assert.equal(page.status, 200);
  assert.match(page.text, /tag--withdrawn/);
});

test('100 concurrent applications never overfill the class nor break the waitlist', async () => {
  const id = openClass(54, { capacity: 30 });
  const clients = Array.from({ length: 100 }, () => srv.client());
  await Promise.all(clients.map((c) => c.get('/pip/apply')));
  assert.ok(clients.every((c) => c.csrf));
  const forms = clients.map((_, i) => application(id, {
    email: `crowd${i}@example.com`, first_name: `Crowd${i}`, last_name: 'Rush',
  }).pairs);
  const t0 = performance.now();
  const results = await Promise.all(clients.map((c, i) => c.post('/pip/apply', forms[i])));
  const ms = Math.round(performance.now() - t0);
  console.log(`100 concurrent applications took ${ms} ms (${process.env.PORTAL_BIN || 'portal'})`);
  assert.deepEqual(results.map((r) => r.status), Array(100).fill(303));
  const refs = results.map(refOf);
  assert.equal(new Set(refs).size, 100);
  const rows = srv.sql(`SELECT status, waitlist_position FROM applications WHERE cohort_id = ${id}`);
  assert.equal(rows.length, 100);
  assert.equal(rows.filter((x) => x.status === 'submitted').length, 30);
  const positions = rows.filter((x) => x.status === 'waitlisted').map((x) => x.waitlist_position)
    .sort((a, b) => a - b);
  assert.deepEqual(positions, Array.from({ length: 70 }, (_, i) => i + 1));
  assert.equal(srv.sql(`SELECT count(*) AS n FROM outbox WHERE recipient LIKE 'crowd%'`)[0].n, 100);
});

// Requests that arrive together share one group commit (src/group.c), each in its own
// savepoint: a duplicate refused there must undo only itself.
test('concurrent duplicates are refused alone; their neighbours are stored, positions gapless', async () => {
  const id = openClass(59, { capacity: 10 });
  const people = Array.from({ length: 40 }, (_, i) => ({
    email: `pair${i}@example.com`, first_name: `Pair${i}`, last_name: 'Group',
  }));
  // Twenty second tries of the first twenty people: another name, the same address.
  const forms = [...people, ...people.slice(0, 20).map((p) => ({ ...p, first_name: `Again${p.first_name}` }))]
    .map((p) => application(id, p).pairs);
  const clients = forms.map(() => srv.client());
  await Promise.all(clients.map((c) => c.get('/pip/apply')));
  const results = await Promise.all(clients.map((c, i) => c.post('/pip/apply', forms[i])));
  for (let i = 0; i < 40; i++) {
    const pair = i < 20 ? [results[i].status, results[40 + i].status].sort() : [results[i].status];
    assert.deepEqual(pair, i < 20 ? [303, 409] : [303], `applicant ${i}`);
  }
  const rows = srv.sql(`SELECT first_name, email, status, waitlist_position FROM applications
    WHERE cohort_id = ${id}`);
  assert.equal(rows.length, 40);
  assert.deepEqual(rows.map((r) => r.email).sort(), people.map((p) => p.email).sort());
  assert.equal(rows.filter((r) => r.status === 'submitted').length, 10);
  const positions = rows.filter((r) => r.status === 'waitlisted').map((r) => r.waitlist_position)
    .sort((a, b) => a - b);
  assert.deepEqual(positions, Array.from({ length: 30 }, (_, i) => i + 1));
  // Each stored application is the one that was answered 303, with its audit row and e-mail.
  const stored = new Set(rows.map((r) => `${r.first_name} ${r.email}`));
  results.forEach((r, i) => {
    const f = i < 40 ? people[i] : { ...people[i - 40], first_name: `Again${people[i - 40].first_name}` };
    assert.equal(stored.has(`${f.first_name} ${f.email}`), r.status === 303, `request ${i}`);
  });
  assert.equal(srv.sql(`SELECT count(*) AS n FROM audit WHERE application_id IN
    (SELECT id FROM applications WHERE cohort_id = ${id})`)[0].n, 40);
  assert.equal(srv.sql(`SELECT count(*) AS n FROM outbox WHERE recipient LIKE 'pair%'`)[0].n, 40);
});

test('status lookup: the right pair shows the status, a wrong pair 404 without saying which', async () => {
  const id = openClass(55);
  const ref = refOf(await apply(id, { first_name: 'Kenji', last_name: 'Watanabe',
    email: 'kenji.w@example.com', phone: '310-555-0177' }));
  const form = await srv.client().get('/status');
  assert.equal(form.status, 200);
  assert.match(form.text, /<form method="post" action="\/status"/);
  assert.match(form.text, /name="ref"/);
  assert.match(form.text, /name="email"/);

  const c = srv.client();
  await c.get('/status');
  // The lookup answers 303 to a result page named by a short-lived token, never by the
  // address, so that Back returns to it without a resubmission.
  const posted = await c.post('/status', { ref, email: 'kenji.w@example.com' });
  assert.equal(posted.status, 303);
  const to = posted.headers.get('location');
  assert.match(to, /^\/status\/result\?view=[A-Za-z0-9_-]{20,}$/);
  assert.ok(!to.includes('kenji'));
  const ok = await c.get(to);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('cache-control'), 'no-store');
  assert.match(ok.text, /Kenji, your application for Partners In Policing/);
  assert.match(ok.text, /tag--submitted/);
  assert.match(ok.text, /Class 55/);
  assert.ok(ok.text.includes(ref));
  for (const secret of ['Watanabe', '3105550177', '555-0177', 'Elm Avenue']) {
    assert.ok(!ok.text.includes(secret), `status page shows ${secret}`);
  }
  const upperPost = await c.post('/status', { ref: ref.toLowerCase(), email: 'KENJI.W@Example.COM' });
  assert.equal(upperPost.status, 303);
  const upper = await c.get(upperPost.headers.get('location'));
  assert.equal(upper.status, 200);
  assert.match(upper.text, /Kenji, your application/);

  const wrongEmail = await c.post('/status', { ref, email: 'someone@example.com' });
  assert.equal(wrongEmail.status, 404);
  const wrongRef = await c.post('/status', { ref: 'P-0000-0000', email: 'kenji.w@example.com' });
  assert.equal(wrongRef.status, 404);
  const main = (t) => t.match(/<main[^>]*>([\s\S]*)<\/main>/)[1].replace(/value="[^"]*"/g, 'value=""');
  assert.equal(main(wrongEmail.text), main(wrongRef.text));
  assert.match(wrongRef.text, /We cannot find an application with that reference and email address/);
  assert.ok(!wrongEmail.text.includes('Kenji'));
});

test('withdrawing an application already withdrawn is 409', async () => {
  const id = openClass(56);
  const email = 'twice@example.com';
  const ref = refOf(await apply(id, { email }));
  assert.equal((await withdraw(ref, email)).status, 303);
  const n = counts();
  const again = await withdraw(ref, email);
  assert.equal(again.status, 409);
  assert.match(again.text, /This application cannot be withdrawn/);
  assert.equal(row(ref).status, 'withdrawn');
  assert.deepEqual(counts(), n);
});

test('re-applying after withdrawing is allowed; any other status is still a duplicate', async () => {
  const id = openClass(57);
  const email = 'again@example.com';
  const first = application(id, { email, first_name: 'Ana', last_name: 'Again', dob: '1979-03-02' });
  const c = srv.client();
  await c.get('/pip/apply');
  const ref = refOf(await c.post('/pip/apply', first.pairs));
  assert.equal((await c.post('/pip/apply', first.pairs)).status, 409);
  assert.equal((await withdraw(ref, email)).status, 303);
  // The same e-mail, name and date of birth: a new application, a new reference.
  const ref2 = refOf(await c.post('/pip/apply', first.pairs));
  assert.notEqual(ref2, ref);
  assert.equal(row(ref2).status, 'submitted');
  // The same name and date of birth under another address, once that one is withdrawn too.
  assert.equal((await withdraw(ref2, email)).status, 303);
  // Each message names the application it is about, so that erasure can find it.
  assert.deepEqual(srv.sql(`SELECT application_id AS id, count(*) AS n FROM outbox
    WHERE recipient = '${email}' GROUP BY 1 ORDER BY 1`),
  [{ id: row(ref).id, n: 2 }, { id: row(ref2).id, n: 2 }]);
  const ref3 = refOf(await apply(id, { email: 'again2@example.com', first_name: 'Ana',
    last_name: 'Again', dob: '1979-03-02' }));
  // Waitlisted, accepted, declined and completed applications still count.
  for (const status of ['waitlisted', 'accepted', 'declined', 'completed']) {
    srv.sql(`UPDATE applications SET status = '${status}', waitlist_position =
      ${status === 'waitlisted' ? 99 : 'NULL'} WHERE ref = '${ref3}'`);
    const n = counts();
    const dup = await apply(id, { email: 'again2@example.com' });
    assert.equal(dup.status, 409, status);
    const dupName = await apply(id, { first_name: 'Ana', last_name: 'Again', dob: '1979-03-02' });
    assert.equal(dupName.status, 409, status);
    assert.deepEqual(counts(), n);
  }
});

test('the confirmation page says "withdrawn" only when the application is', async () => {
  const id = openClass(58);
  const email = 'truth@example.com';
  const ref = refOf(await apply(id, { email }));
  const c = srv.client();
  const lie = await c.get(`/confirmation/${ref}?done=withdrawn`);
  assert.equal(lie.status, 200);
  assert.doesNotMatch(lie.text, /withdrawn/i);
  assert.match(lie.text, /<h1 class="panel__title">Application received<\/h1>/);
  assert.match(lie.text, /<title>Partners In Policing Class 58: /);
  const r = await withdraw(ref, email);
  assert.equal(r.headers.get('location'), `/confirmation/${ref}?done=withdrawn`);
  const truth = await c.get(r.headers.get('location'));
  assert.equal(truth.status, 200);
  assert.match(truth.text, /<h1 class="panel__title">Your application is withdrawn<\/h1>/);
  assert.match(truth.text, /<title>Application withdrawn/);
});

test('with no class open, /pip/apply offers the interest list', async () => {
  srv.sql('UPDATE cohorts SET registration_open = 0');
  const c = srv.client();
  const page = await c.get('/pip/apply');
  assert.equal(page.status, 200);
  assert.match(page.text, /Registration is not open yet/);
  assert.match(page.text, /<form method="post" action="\/pip\/interest"/);
  assert.ok(!/action="\/pip\/apply"/.test(page.text));
  const joined = await c.post('/pip/interest', { email: 'waiting@example.com', name: 'Wai Ting' });
  assert.equal(joined.status, 303);
  assert.match(joined.headers.get('location'), /^\/pip\/apply/);
  assert.deepEqual(srv.sql("SELECT email, name FROM interest WHERE email = 'waiting@example.com'"),
    [{ email: 'waiting@example.com', name: 'Wai Ting' }]);
  const again = await c.post('/pip/interest', { email: 'WAITING@Example.com' });
  assert.equal(again.status, 303);
  assert.equal(srv.sql("SELECT count(*) AS n FROM interest WHERE email = 'waiting@example.com' COLLATE NOCASE")[0].n, 1);
  const before0 = srv.sql('SELECT count(*) AS n FROM interest')[0].n;
  const bad = await c.post('/pip/interest', { email: 'not an email' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /<title>Error: /);
  assert.ok(bad.text.includes('<a href="#email">Enter your email address in the correct format, like name@example.com</a>'));
  assert.ok(bad.text.includes('value="not an email"'));
  assert.equal(srv.sql('SELECT count(*) AS n FROM interest')[0].n, before0);
});

test('an unknown reference is 404', async () => {
  const r = await srv.client().get('/confirmation/P-0000-0000');
  assert.equal(r.status, 404);
  assert.match(r.text, /We cannot find that reference/);
});

// Last: under the ASan+UBSan build a report would be in the portal's log.
test('the portal is still up and reported no memory or undefined-behaviour error', async () => {
  const report = /AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer/;
  if (report.test(srv.logs.portal) || srv.portal.exitCode !== null) console.log(srv.logs.portal);
  assert.equal(srv.portal.exitCode, null, 'the portal exited');
  assert.ok(!report.test(srv.logs.portal), 'sanitizer report in the portal log');
  assert.equal((await srv.client().get('/healthz')).status, 200);
});
