// flows.js: what people do on the portal, clicked and typed as they would, each page on
// the way checked by Visitor.check (axe-core, HTML kept for the Nu HTML Checker).  Each
// flow takes the Visitor and the story of one browser size (see story()).
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');

const PW = 'a long enough password';
const REF = /\/confirmation\/(P-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4})$/;

// The people and numbers of one run through the flows; n makes them unique in the database.
function story(srv, n) {
  const st = {
    srv,
    n,
    classNumber: 200 + n,
    classTitle: `Class ${200 + n}`,
    classId: null,
    applicant: {
      first: 'Maria', last: `Lopez-${'ABCDEFGHIJ'[n % 10]}`, email: `maria${n}@example.com`,
    },
    ref: null,
    staff: { email: `staff${n}@example.org`, name: `Sam Staff ${n}` },
    admin: { email: `admin${n}@example.org`, name: `Ada Admin ${n}` },
    counselor: { email: `counselor${n}@example.org`, name: `Nora North ${n}` },
  };
  srv.cli(['user', 'add', '--role', 'staff', '--email', st.staff.email, '--name', st.staff.name], `${PW}\n`);
  srv.cli(['user', 'add', '--role', 'admin', '--email', st.admin.email, '--name', st.admin.name], `${PW}\n`);
  srv.cli(['user', 'add', '--role', 'counselor', '--email', st.counselor.email, '--name',
    st.counselor.name, '--school', 'north'], `${PW}\n`);
  return st;
}

// The date `days` from today (before it when negative) as YYYY-MM-DD: two days or more
// away, it is the same day whether read in UTC or in the portal's zone.
const fromToday = (days) => new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
const addDays = (iso, days) => new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86400000).toISOString().slice(0, 10);
// A date as people in the United States write it out: "Thursday, January 14, 2027".
const longDate = (iso) => new Date(`${iso}T12:00:00Z`).toLocaleDateString('en-US',
  { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });

const main = (v) => v.page.locator('main');
const link = (v, name, exact = true) => v.page.getByRole('link', { name, exact });
const button = (v, name, exact = true) => v.page.getByRole('button', { name, exact });

// The error summary of a refused form: it has focus (autofocus), and lists the messages.
async function errorSummary(v, name) {
  const summary = v.page.locator('.error-summary');
  await summary.waitFor();
  // autofocus acts when the page is next rendered, which can be just after its load event.
  try {
    await v.page.locator('.error-summary:focus').waitFor({ timeout: 5000 });
  } catch (e) {
    const on = await v.page.evaluate(() => document.activeElement && document.activeElement.outerHTML.slice(0, 120));
    assert.fail(`${name} (${v.url()}, ${v.where}): the error summary does not have focus (${on})`);
  }
  assert.match(await v.page.title(), /^Error: /, `${name}: the title does not start with "Error: "`);
  return summary.locator('a');
}

// Follows each link of the error summary and fixes the field it leads to with fix[id].
async function fixErrors(v, name, fix) {
  const links = await errorSummary(v, name);
  const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(hrefs.length > 0, `${name}: no links in the error summary`);
  for (const href of hrefs) {
    const id = href.slice(1);
    assert.ok(fix[id], `${name}: unexpected error for ${id}`);
    await v.page.locator(`.error-summary a[href="${href}"]`).click();
    await v.page.waitForURL((u) => u.hash === href);
    const active = await v.page.evaluate(() => document.activeElement && document.activeElement.id);
    assert.equal(active, id, `${name}: the link ${href} of the error summary does not focus its field`);
    await fix[id](v.page.locator(`[id="${id}"]`));
  }
}

// A PIP class put in the database as staff would set it up: registration closed, weekly
// sessions from start (YYYY-MM-DD), each with a topic, 6:00 to 8:00 PM at the usual place.
function makeClass(srv, number, start, { capacity = 25, sessions = 10 } = {}) {
  const [{ id }] = srv.sql(`INSERT INTO cohorts (program, number, start_date, capacity,
    registration_open, created_at) VALUES ('pip', ${number}, '${start}', ${capacity}, 0, 0) RETURNING id`);
  const rows = [];
  for (let i = 1; i <= sessions; i++) rows.push(`(${id}, ${i}, '${addDays(start, 7 * (i - 1))}', 'Session ${i}')`);
  srv.sql(`INSERT INTO cohort_sessions (cohort_id, number, date, topic) VALUES ${rows.join(', ')}`);
  return id;
}

// Someone else applies for the class (a plain HTTP client, not the browser): 303 or a failure.
async function applyByPost(srv, classId, tag) {
  const c = srv.client();
  await c.get('/pip/apply');
  const r = await c.post('/pip/apply', [['class', String(classId)], ['first_name', 'Alex'],
    ['last_name', `Other-${tag}`], ['dob', '1975-03-09'], ['email', `other-${tag}@example.com`],
    ['phone', '310-555-0150'], ['street', '1200 Cabrillo Avenue'], ['city', 'Torrance'], ['zip', '90501'],
    ['affiliation', 'resident'], ['emergency_name', 'Sam Other'], ['emergency_phone', '310-555-0151'],
    ['ack_background', 'yes']]);
  assert.equal(r.status, 303, `applying for class ${classId} by HTTP: ${r.status} ${r.text.slice(0, 300)}`);
}

// The "When and where" section of the page shown: the summary (how many sessions, the usual
// time), one item per session, the first one's date written out the American way with its
// topic, and the calendar link (its href only: the .ics file itself is not fetched).
async function assertSchedule(v, name, { classId, first, sessions, time = '6:00 to 8:00 PM' }) {
  const section = main(v).getByRole('region', { name: 'When and where' });
  assert.equal(await section.count(), 1, `${name} (${v.url()}, ${v.where}): no "When and where" section`);
  const text = (await section.innerText()).replace(/\s+/g, ' ');
  assert.match(text, new RegExp(`^When and where ${sessions} sessions, (most of them )?${time}, `),
    `${name}: the schedule's summary: ${text.slice(0, 200)}`);
  const items = section.locator('ol.sessions > li');
  assert.equal(await items.count(), sessions, `${name}: the schedule lists ${await items.count()} sessions`);
  const one = (await items.first().innerText()).replace(/\s+/g, ' ');
  assert.ok(one.startsWith(longDate(first)), `${name}: the first session reads "${one}", not ${longDate(first)}`);
  assert.match(one, /Session 1/, `${name}: the first session has no topic: "${one}"`);
  const cal = section.getByRole('link', { name: 'Add these sessions to your calendar', exact: true });
  assert.equal(await cal.count(), 1, `${name}: no calendar link`);
  assert.equal(await cal.getAttribute('href'), `/pip/classes/${classId}.ics`, `${name}: the calendar link`);
  return section;
}

// The line that says how many places are left, or that the class is full and who waits.
async function assertPlaces(v, name, expected) {
  const places = main(v).locator('.places');
  assert.equal(await places.count(), 1, `${name} (${v.url()}, ${v.where}): no places line`);
  assert.equal((await places.innerText()).replace(/\s+/g, ' ').trim(), expected, `${name}: the places line`);
}

// The staff class page's table of sessions: one row per session, each with its "Change" link.
async function assertSessionsTable(v, name, { classId, title, first, sessions }) {
  const table = main(v).getByRole('table', { name: `Sessions of ${title}`, exact: true });
  const rows = table.locator('tbody tr');
  assert.equal(await rows.count(), sessions, `${name} (${v.url()}, ${v.where}): sessions table rows`);
  assert.ok((await rows.first().innerText()).includes(longDate(first)), `${name}: the first session's date`);
  const changes = table.getByRole('link', { name: /^Change session \d+$/ });
  const hrefs = await changes.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(hrefs, Array.from({ length: sessions }, (_, i) => `/admin/pip/classes/${classId}/sessions/${i + 1}`),
    `${name}: the "Change" links`);
  // On a phone the table scrolls in its box; its links must not be out of sight (UX.md).
  const out = await changes.evaluateAll((as) => as.filter((a) => a.getBoundingClientRect().right >
    document.documentElement.clientWidth).map((a) => a.textContent));
  assert.deepEqual(out, [], `${name} (${v.where}): "Change" links off-screen, to the right of the window`);
}

// Signs in with the form reached from the header's link; wrong first types a wrong password.
async function signIn(v, who, { wrong = false } = {}) {
  await v.click(link(v, 'Staff sign in'));
  await v.check('sign-in form');
  const page = v.page;
  if (wrong) {
    await v.click(button(v, 'Sign in'));
    await v.check('sign-in form, nothing typed', { status: 422 });
    await fixErrors(v, 'sign-in form, nothing typed', {
      email: (f) => f.fill(who.email),
      password: (f) => f.fill('not the password'),
    });
    await v.click(button(v, 'Sign in'));
    await v.check('sign-in form, wrong password', { status: 401 });
    await errorSummary(v, 'sign-in form, wrong password');
    assert.equal(await page.getByLabel('Email address').inputValue(), who.email);
  } else {
    await page.getByLabel('Email address').fill(who.email);
  }
  await page.getByLabel('Password').fill(PW);
  await v.click(button(v, 'Sign in'));
  await page.getByText(`Signed in as ${who.name}`).waitFor();
}

async function signOut(v) {
  await v.click(button(v, 'Sign out'));
  assert.equal(v.url(), '/');
  await v.check('home page, signed out');
}

// The public pages, reached by the header's links.
async function publicPages(v) {
  await v.goto('/');
  await v.check('home page');
  await v.click(v.page.locator('header').getByRole('link', { name: 'Partners In Policing' }));
  assert.equal(v.url(), '/pip');
  await v.check('Partners In Policing page');
  await v.click(v.page.locator('header').getByRole('link', { name: 'Teens and Policing' }));
  assert.equal(v.url(), '/tap');
  await v.check('Teens and Policing page');
  await v.click(v.page.locator('header').getByRole('link', { name: 'Home' }));
  assert.equal(v.url(), '/');
}

// No class open: a person leaves an email address to hear when registration opens.
async function interestList(v, st) {
  st.srv.sql("UPDATE cohorts SET registration_open = 0 WHERE program = 'pip'");
  await v.goto('/');
  await v.check('home page, no class open');
  await v.click(link(v, 'Hear when registration opens'));
  assert.equal(v.url(), '/pip/apply');
  await v.check('interest form (registration not open)');
  const page = v.page;
  await page.getByLabel('Email address').fill(`maria${st.n}@example`);
  await page.getByLabel('Your name (optional)').fill('Maria');
  await v.click(button(v, 'Tell me when registration opens'));
  await v.check('interest form with errors', { status: 422 });
  await fixErrors(v, 'interest form with errors', { email: (f) => f.fill(`interest${st.n}@example.com`) });
  await v.click(button(v, 'Tell me when registration opens'));
  await page.getByRole('heading', { name: 'You are on the list' }).waitFor();
  await v.check('interest form, joined');
  const [row] = st.srv.sql(`SELECT name FROM interest WHERE email = 'interest${st.n}@example.com'`);
  assert.ok(row, 'the interest list has no row for the address');
}

// Staff create a class in the staff desk (first with mistakes) and open its registration.
async function createClass(v, st) {
  await signIn(v, st.staff, { wrong: true });
  assert.equal(v.url(), '/admin');
  await v.check('staff desk');
  await v.click(link(v, 'All classes, and create one'));
  assert.equal(v.url(), '/admin/pip/classes');
  await v.check('classes, create form');
  const page = v.page;
  await page.getByLabel('Class number').fill(String(st.classNumber));
  await page.getByLabel('Places').fill('many');
  await v.click(button(v, 'Create class'));
  await v.check('create class form with errors', { status: 422 });
  // Ten weekly sessions; the last, the graduation, at hours of its own.
  // Two months ahead, whatever the day the suite runs.
  const first = fromToday(60);
  const sessions = [];
  for (let i = 0; i < 10; i++) {
    const d = addDays(first, 7 * i);
    sessions.push(i < 9 ? `${d} Session ${i + 1}` : `${d} 17:30-21:00 Graduation`);
  }
  await fixErrors(v, 'create class form with errors', {
    start_date: (f) => f.fill(first),
    capacity: (f) => f.fill('20'),
  });
  await page.getByLabel('Sessions (optional)').fill(sessions.join('\n'));
  await v.click(button(v, 'Create class'));
  const m = v.url().match(/^\/admin\/pip\/classes\/(\d+)\?created=1$/);
  assert.ok(m, `after creating a class: ${v.url()}`);
  st.classId = Number(m[1]);
  st.classFirst = first;
  await v.check('class page, just created');
  await assertSessionsTable(v, 'class page, just created',
    { classId: st.classId, title: st.classTitle, first: st.classFirst, sessions: 10 });
  const last = main(v).getByRole('table', { name: `Sessions of ${st.classTitle}` }).locator('tbody tr').last();
  assert.match(await last.innerText(), /5:30 to 9:00 PM/, 'the graduation keeps its own hours');
  // Registration opens only when no other class takes applications.
  st.srv.sql("UPDATE cohorts SET registration_open = 0 WHERE program = 'pip'");
  await v.click(button(v, 'Open registration'));
  await page.getByRole('heading', { name: 'Registration is now open' }).waitFor();
  await v.check('class page, registration opened');
  await signOut(v);
}

// A person applies: a refused attempt, the errors fixed through the error summary's links,
// then the confirmation page.
async function apply(v, st) {
  const a = st.applicant;
  const page = v.page;
  await v.goto('/');
  await v.check('home page, a class open');
  await assertPlaces(v, 'home page, a class open', '20 of 20 places left');
  await v.click(link(v, `Apply for ${st.classTitle}`));
  assert.equal(v.url(), '/pip/apply');
  await v.check('application form');
  await assertPlaces(v, 'application form', '20 of 20 places left');
  const schedule = await assertSchedule(v, 'application form', { classId: st.classId, first: st.classFirst, sessions: 10 });
  assert.match((await schedule.locator('ol.sessions > li').last().innerText()).replace(/\s+/g, ' '),
    /, 5:30 to 9:00 PM Graduation$/, 'the application form: the graduation and its hours');
  assert.match(await page.getByText('For example, 5/17/1980.').innerText(), new RegExp(`You must be 18 by ${longDate(st.classFirst)}\\.`));
  await page.getByLabel('First name').fill(a.first);
  await page.getByLabel('Date of birth').fill('1980-05-17');
  await page.getByLabel('Email address').fill(a.email);
  await page.getByLabel('Phone number', { exact: true }).fill('555-0123');
  await page.getByLabel('Street address').fill('2417 Elm Avenue');
  await page.getByLabel('City', { exact: true }).fill('Torrance');
  await page.getByLabel('ZIP code').fill('90503');
  await page.getByLabel('I live in the City of Torrance').check();
  await page.getByLabel('Their full name').fill('Jose Lopez');
  await page.getByLabel('Their phone number').fill('310-555-0199');
  await v.click(button(v, 'Submit application'));
  await v.check('application form with errors', { status: 422 });
  await fixErrors(v, 'application form with errors', {
    last_name: (f) => f.fill(a.last),
    phone: (f) => f.fill('310-555-0123'),
    ack_background: (f) => f.check(),
  });
  await v.click(button(v, 'Submit application'));
  const m = v.url().match(REF);
  assert.ok(m, `after applying: ${v.url()}`);
  st.ref = m[1];
  await page.getByRole('heading', { name: 'Application received' }).waitFor();
  await v.check('confirmation page');
  assert.equal(await main(v).locator('.reference').innerText(), st.ref);
  await assertSchedule(v, 'confirmation page', { classId: st.classId, first: st.classFirst, sessions: 10 });
}

// The applicant checks the status with the reference and email address.
async function checkStatus(v, st, name, { errors = false } = {}) {
  const page = v.page;
  await v.click(v.page.locator('header').getByRole('link', { name: 'Check an application' }));
  assert.equal(v.url(), '/status');
  await v.check('status form');
  if (!errors) {
    await page.getByRole('textbox', { name: 'Reference' }).fill(st.ref);
    await page.getByLabel('Email address').fill(st.applicant.email);
    await v.click(button(v, 'Check status'));
    await page.getByRole('heading', { name: `${st.applicant.first}, your application for Partners In Policing` }).waitFor();
    await v.check(name);
    await assertSchedule(v, name, { classId: st.classId, first: st.classFirst, sessions: 10 });
    return;
  }
  await page.getByRole('textbox', { name: 'Reference' }).fill(st.ref.toLowerCase());
  await v.click(button(v, 'Check status'));
  await v.check('status form with errors', { status: 422 });
  await fixErrors(v, 'status form with errors', { email: (f) => f.fill(st.applicant.email) });
  await page.getByRole('textbox', { name: 'Reference' }).fill('P-ZZZZ-ZZZZ');
  await v.click(button(v, 'Check status'));
  await v.check('status form, application not found', { status: 404 });
  await errorSummary(v, 'status form, application not found');
  await page.getByRole('textbox', { name: 'Reference' }).fill(st.ref);
  await v.click(button(v, 'Check status'));
  await page.getByRole('heading', { name: `${st.applicant.first}, your application for Partners In Policing` }).waitFor();
  await v.check(name);
  await assertSchedule(v, name, { classId: st.classId, first: st.classFirst, sessions: 10 });
}

// After a status lookup, Back and Forward land on the form and the result, each a plain GET:
// never the browser's "Confirm Form Resubmission" page, never the address in a URL.
async function statusBack(v, st) {
  const page = v.page;
  await v.goto('/');
  await checkStatus(v, st, 'status page');
  const result = v.url();
  assert.match(result, /^\/status\/result\?view=[\w-]+$/, `the result's address: ${result}`);
  assert.ok(!result.includes('@'), 'no e-mail address in the URL');
  const back = await page.goBack({ waitUntil: 'load' });
  assert.ok(back, 'Back loaded a page');
  assert.equal(back.request().method(), 'GET');
  assert.equal(back.status(), 200);
  assert.equal(v.url(), '/status');
  v.doc = back;
  await v.check('status form, after Back');
  const forward = await page.goForward({ waitUntil: 'load' });
  assert.ok(forward, 'Forward loaded a page');
  assert.equal(forward.request().method(), 'GET');
  assert.equal(v.url(), result);
  await page.getByRole('heading', { name: `${st.applicant.first}, your application for Partners In Policing` }).waitFor();
  v.doc = forward;
  await v.check('status page, after Forward');
  const again = await page.reload({ waitUntil: 'load' });
  assert.equal(again.request().method(), 'GET');
  assert.equal(again.status(), 200);
}

// The applicant corrects a phone number from the status page: refused, fixed, saved.
async function correctDetails(v, st) {
  const page = v.page;
  await v.goto('/');
  await checkStatus(v, st, 'status page, before correcting');
  await v.click(link(v, 'Correct your details'));
  assert.match(v.url(), /^\/status\/update\?view=[\w-]+$/);
  await v.check('correction form');
  assert.equal(await page.getByRole('textbox', { name: 'Reference' }).inputValue(), st.ref);
  await page.getByLabel('New phone number (optional)').fill('555');
  await v.click(button(v, 'Save my details'));
  await v.check('correction form with errors', { status: 422 });
  await fixErrors(v, 'correction form with errors', { phone: (f) => f.fill('424-555-0142') });
  await v.click(button(v, 'Save my details'));
  assert.equal(v.url(), `/confirmation/${st.ref}?done=updated`);
  await page.getByText('Your details are saved.').waitFor();
  await v.check('confirmation page, details saved');
  const [row] = st.srv.sql(`SELECT phone FROM applications WHERE ref = '${st.ref}'`);
  assert.equal(row.phone, '4245550142');
}

// Someone who lost the e-mail asks for the references again.
async function resend(v, st) {
  const page = v.page;
  await v.goto('/status');
  await v.click(link(v, 'email you the references'));
  assert.equal(v.url(), '/status/resend');
  await v.check('references form');
  await v.click(button(v, 'Email my references'));
  await v.check('references form with errors', { status: 422 });
  await fixErrors(v, 'references form with errors', { email: (f) => f.fill(st.applicant.email) });
  await v.click(button(v, 'Email my references'));
  assert.equal(v.url(), '/status/resend?sent=1');
  await page.getByRole('heading', { name: 'Check your email' }).waitFor();
  await v.check('references sent');
}

// The applicant withdraws from the status page, through the confirmation step.
async function withdraw(v, st) {
  await v.goto('/');
  await checkStatus(v, st, 'status page, before withdrawing');
  await v.click(button(v, 'Withdraw my application'));
  await v.page.getByRole('heading', { name: 'Are you sure you want to withdraw your application?' }).waitFor();
  await v.check('withdrawal, are you sure');
  const [before] = st.srv.sql(`SELECT status FROM applications WHERE ref = '${st.ref}'`);
  assert.notEqual(before.status, 'withdrawn', 'nothing changes before the confirmation');
  await v.click(button(v, 'Yes, withdraw my application'));
  await v.page.getByRole('heading', { name: 'Your application is withdrawn' }).waitFor();
  await v.check('confirmation page, withdrawn');
  const [row] = st.srv.sql(`SELECT status FROM applications WHERE ref = '${st.ref}'`);
  assert.equal(row.status, 'withdrawn');
}

// Staff review the class's list, change a status, take attendance and download the list.
async function review(v, st) {
  const page = v.page;
  await v.goto('/');
  await signIn(v, st.staff);
  assert.equal(v.url(), '/admin');
  await v.check('staff desk, a class open');
  await v.click(main(v).getByRole('link', { name: st.classTitle, exact: true }));
  assert.equal(v.url(), `/admin/pip/classes/${st.classId}`);
  await v.check('class list');
  await page.getByLabel('Name, email or reference').fill(st.applicant.last);
  await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Received' });
  await v.click(button(v, 'Filter'));
  await v.check('class list, filtered');
  await main(v).getByRole('caption').filter({ hasText: /^1 application$/ }).waitFor();
  // At any width, phones included (390 px, where rows become cards), the list's Status
  // column and each row's link lie inside the window (UX.md).
  const list = main(v).locator('table.table--cards:has(#list-caption)');
  const width = await page.evaluate(() => document.documentElement.clientWidth);
  const outside = await list.locator('tbody tr').evaluateAll((rows, w) => rows.flatMap((r) => {
    const cells = [r.querySelector('td[data-label="Status"]'), r.querySelector('a[href^="/admin/applications/"]')];
    return cells.filter((c) => !c || c.getBoundingClientRect().right > w || c.getBoundingClientRect().left < 0)
      .map((c) => (c ? c.textContent : 'missing'));
  }), width);
  assert.deepEqual(outside, [], `class list (${v.where}): status or link outside the window`);
  await v.click(link(v, `${st.applicant.last}, ${st.applicant.first}`));
  // The row link carries the list's filter, for the previous and next links.
  assert.match(v.url(), /^\/admin\/applications\/\d+(\?.*)?$/);
  await v.check('application page');
  await page.getByLabel('Accepted', { exact: true }).check();
  await page.getByLabel('Note (optional)').fill('Background check passed.');
  await v.click(button(v, 'Change status'));
  await page.getByRole('heading', { name: 'Status changed to Accepted' }).waitFor();
  await v.check('application page, status changed');
  const [row] = st.srv.sql(`SELECT status FROM applications WHERE ref = '${st.ref}'`);
  assert.equal(row.status, 'accepted');

  await v.click(main(v).getByRole('link', { name: st.classTitle, exact: true }));
  assert.equal(v.url(), `/admin/pip/classes/${st.classId}`);
  // The list as a spreadsheet: a download, not a page.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    link(v, 'Download the list (CSV)').click(),
  ]);
  const csv = fs.readFileSync(await download.path(), 'utf8');
  assert.match(download.suggestedFilename(), /\.csv$/);
  assert.ok(csv.includes(st.ref), 'the CSV has no row for the application');
  assert.ok(csv.includes(st.applicant.email));

}

// The class has begun, as the weeks would pass: its first four sessions are past, the other
// six to come (attendance can only be saved for a session whose date has come).
function classBegun(st) {
  st.classFirst = fromToday(-24);
  st.srv.sql(`UPDATE cohort_sessions SET date = date('${st.classFirst}', '+' || (7 * (number - 1)) || ' days')
      WHERE cohort_id = ${st.classId};
    UPDATE cohorts SET start_date = '${st.classFirst}' WHERE id = ${st.classId}`);
}

// Attendance (GET /admin/pip/classes/ID/attendance): the page opens on the next session, which
// cannot be recorded yet; the first session's is.
async function attendance(v, st) {
  const page = v.page;
  classBegun(st);
  await v.click(link(v, 'Attendance'));
  assert.match(v.url(), new RegExp(`^/admin/pip/classes/${st.classId}/attendance`));
  if (v.doc.status() === 404) {
    await signOut(v);
    return 'missing';
  }
  await v.check('attendance, a session to come');
  await main(v).getByRole('heading', { name: `Session 5: ${longDate(addDays(st.classFirst, 28))}` }).waitFor();
  await main(v).getByText('Attendance can be recorded from that day on.').waitFor();
  assert.equal(await button(v, 'Save attendance for session 5').count(), 0, 'a form for a session to come');
  await v.click(page.getByRole('navigation', { name: 'Sessions' }).getByRole('link', { name: 'Session 1', exact: true }));
  assert.equal(v.url(), `/admin/pip/classes/${st.classId}/attendance?session=1`);
  await v.check('attendance');
  const person = page.getByRole('checkbox', { name: `${st.applicant.last}, ${st.applicant.first}` });
  await person.check();
  await v.click(button(v, 'Save attendance for session 1'));
  await page.getByRole('heading', { name: /^Attendance saved for session 1: 1 present/ }).waitFor();
  await v.check('attendance, saved');
  assert.ok(await page.getByRole('checkbox', { name: `${st.applicant.last}, ${st.applicant.first}` }).isChecked());
  await signOut(v);
  return null;
}

// Registration as the public is told of it, through the life of one small class: not open
// yet, open with places left, full with people waiting (and one more joining the waiting
// list in the browser), closed by staff, then closed with the next class scheduled.  On the
// way, the home page, the Partners In Policing page, the application form and the
// stay-tuned page show when and where the class meets and its calendar link; the staff class
// page lists its sessions.  At the end the two classes are moved into the past (as time would
// move them), so that each run through the flows starts with no PIP class to come.
async function registrationStates(v, st) {
  const { srv } = st;
  const page = v.page;
  const small = { number: 500 + st.n, first: fromToday(30) };
  small.title = `Class ${small.number}`;
  const later = { number: 600 + st.n, first: fromToday(120) };
  later.title = `Class ${later.number}`;
  srv.sql("UPDATE cohorts SET registration_open = 0 WHERE program = 'pip'");
  const coming = srv.sql(`SELECT number FROM cohorts WHERE program = 'pip' AND start_date > '${fromToday(0)}'`);
  assert.deepEqual(coming, [], 'a PIP class from an earlier flow is still to come');
  small.id = makeClass(srv, small.number, small.first, { capacity: 3 });
  // Range day: other hours, another place.
  srv.sql(`UPDATE cohort_sessions SET start_time = '09:00', end_time = '12:00', topic = 'Range day',
    location = 'Torrance Police Range, 20490 Western Avenue' WHERE cohort_id = ${small.id} AND number = 3`);
  const cardOf = () => main(v).getByRole('region', { name: 'Partners In Policing', exact: true });
  const scheduleOf = (c) => ({ classId: c.id, first: c.first, sessions: 10 });
  try {
    // Not open yet: the home page, the program page and the stay-tuned page say so.
    await v.goto('/');
    await v.check('home page, registration not open yet');
    assert.match(await cardOf().innerText(), new RegExp(`Registration for ${small.title} has not opened yet\\.`));
    await v.click(link(v, 'About Partners In Policing'));
    assert.equal(v.url(), '/pip');
    await v.check('Partners In Policing page, registration not open yet');
    await main(v).getByText(`Registration for ${small.title} has not opened yet.`).waitFor();
    const range = (await assertSchedule(v, 'Partners In Policing page, registration not open yet', scheduleOf(small)))
      .locator('ol.sessions > li').nth(2);
    assert.equal((await range.innerText()).replace(/\s+/g, ' '),
      `${longDate(addDays(small.first, 14))}, 9:00 AM to 12:00 PM Range day At Torrance Police Range, 20490 Western Avenue`);
    await v.click(main(v).getByRole('link', { name: 'Leave your email address' }));
    assert.equal(v.url(), '/pip/apply');
    await v.check('interest form, next class not open yet');
    await main(v).getByRole('heading', { name: 'Registration is not open yet', level: 1 }).waitFor();
    await main(v).getByText(`The next class, ${small.title}, starts ${longDate(small.first)}. Registration for it has not opened yet.`).waitFor();
    await assertSchedule(v, 'interest form, next class not open yet', scheduleOf(small));

    // Staff open registration from the class page, which lists the sessions.
    await signIn(v, st.staff);
    await v.goto(`/admin/pip/classes/${small.id}`);
    await v.check('class page, sessions');
    await assertSessionsTable(v, 'class page, sessions', { classId: small.id, title: small.title, first: small.first, sessions: 10 });
    await v.click(button(v, 'Open registration'));
    await page.getByRole('heading', { name: 'Registration is now open' }).waitFor();
    await signOut(v);

    // Open, one application in: places left.
    await applyByPost(srv, small.id, `${st.n}-1`);
    await v.goto('/');
    await v.check('home page, places left');
    await assertPlaces(v, 'home page, places left', '2 of 3 places left');
    await link(v, `Apply for ${small.title}`).waitFor();

    // Full: two more fill it and four wait.  The home page and the form say so.
    for (let i = 2; i <= 7; i++) await applyByPost(srv, small.id, `${st.n}-${i}`);
    await v.goto('/');
    await v.check('home page, class full');
    const full = `${small.title} is full. You can join the waiting list: 4 people are waiting.`;
    await assertPlaces(v, 'home page, class full', full);
    await v.click(link(v, `Apply for ${small.title}`));
    assert.equal(v.url(), '/pip/apply');
    await v.check('application form, class full');
    await assertPlaces(v, 'application form, class full', full);
    await main(v).getByText('If a place becomes free, the first person on the waiting list moves up at once').waitFor();
    await assertSchedule(v, 'application form, class full', scheduleOf(small));

    // One more applies anyway, and is told their place on the waiting list, with the schedule.
    await page.getByLabel('First name').fill('Rosa');
    await page.getByLabel('Last name').fill(`Nguyen-${st.n}`);
    await page.getByLabel('Date of birth').fill('1990-11-02');
    await page.getByLabel('Email address').fill(`rosa${st.n}@example.com`);
    await page.getByLabel('Phone number', { exact: true }).fill('310-555-0177');
    await page.getByLabel('Street address').fill('1800 Torrance Boulevard');
    await page.getByLabel('City', { exact: true }).fill('Torrance');
    await page.getByLabel('ZIP code').fill('90501');
    await page.getByLabel('I live in the City of Torrance').check();
    await page.getByLabel('Their full name').fill('Minh Nguyen');
    await page.getByLabel('Their phone number').fill('310-555-0178');
    await page.getByLabel(/^I understand that the Torrance Police Department will run a background check/).check();
    await v.click(button(v, 'Submit application'));
    assert.match(v.url(), REF, `after applying for a full class: ${v.url()}`);
    await page.getByRole('heading', { name: 'You are on the waiting list' }).waitFor();
    await v.check('confirmation page, waiting list');
    await main(v).getByText('You are number 5 on the waiting list').waitFor();
    await assertSchedule(v, 'confirmation page, waiting list', scheduleOf(small));

    // Staff close registration: the stay-tuned page and the home page say it has closed.
    await v.goto('/');
    await signIn(v, st.staff);
    await v.goto(`/admin/pip/classes/${small.id}`);
    await v.click(button(v, 'Close registration'));
    await page.getByRole('heading', { name: 'Registration is now closed' }).waitFor();
    await v.check('class page, registration closed');
    await signOut(v);
    await v.goto('/pip/apply');
    await v.check('interest form, registration closed');
    await main(v).getByRole('heading', { name: `Registration for ${small.title} has closed`, level: 1 }).waitFor();
    await main(v).getByText('The next class has not been scheduled yet.').waitFor();
    assert.equal(await main(v).getByRole('region', { name: 'When and where' }).count(), 0,
      'the stay-tuned page shows the schedule of a class that takes no applications');
    await v.goto('/');
    await v.check('home page, registration closed');
    const closed = (await cardOf().innerText()).replace(/\s+/g, ' ');
    assert.match(closed, new RegExp(`Registration for ${small.title} has closed\\.`));
    assert.doesNotMatch(closed, /The next class/);
    await link(v, 'Hear when registration opens').waitFor();

    // The next class is scheduled: both pages name it; the stay-tuned page shows its sessions.
    later.id = makeClass(srv, later.number, later.first);
    await v.goto('/');
    await v.check('home page, registration closed, next class');
    assert.match((await cardOf().innerText()).replace(/\s+/g, ' '), new RegExp(`Registration for ${small.title} has closed\\. ` +
      `The next class, ${later.title}, starts ${longDate(later.first)}\\. Registration for it has not opened yet\\.`));
    await v.click(link(v, 'Hear when registration opens'));
    assert.equal(v.url(), '/pip/apply');
    await v.check('interest form, registration closed, next class');
    await main(v).getByRole('heading', { name: `Registration for ${small.title} has closed`, level: 1 }).waitFor();
    await main(v).getByText(`The next class, ${later.title}, starts ${longDate(later.first)}. Registration for it has not opened yet.`).waitFor();
    await assertSchedule(v, 'interest form, registration closed, next class', scheduleOf(later));
  } finally {
    const ids = [small.id, later.id].filter(Boolean).join(', ');
    srv.sql(`UPDATE cohort_sessions SET date = date(date, '-2 years') WHERE cohort_id IN (${ids});
      UPDATE cohorts SET start_date = date(start_date, '-2 years'), registration_open = 0 WHERE id IN (${ids})`);
  }
}

// A counselor nominates a student (first with mistakes) and looks at the nomination.
async function nominate(v, st) {
  const page = v.page;
  // A spring semester still to come, whatever the day the suite runs.
  const year = new Date().getUTCFullYear() + 1 + st.n;
  st.tapYear = year;
  st.srv.sql("UPDATE cohorts SET registration_open = 0 WHERE program = 'tap'");
  const [{ id }] = st.srv.sql(`INSERT INTO cohorts (program, term, year, start_date, capacity,
    school_cap, registration_open, created_at) VALUES ('tap', 'spring', ${year}, '${year}-01-20', 25,
    NULL, 1, 0) RETURNING id`);
  const rows = [];
  for (let i = 1; i <= 12; i++) {
    const d = new Date(Date.UTC(year, 0, 20 + 7 * (i - 1))).toISOString().slice(0, 10);
    rows.push(`(${id}, ${i}, '${d}', 'Session ${i}')`);
  }
  st.srv.sql(`INSERT INTO cohort_sessions (cohort_id, number, date, topic) VALUES ${rows.join(', ')}`);
  await v.goto('/');
  await signIn(v, st.counselor);
  assert.equal(v.url(), '/counselor');
  await v.check('counselor page');
  await v.click(page.getByRole('link', { name: /^Nominate a student for / }));
  assert.equal(v.url(), '/tap/nominate');
  await v.check('nomination form');
  await page.getByLabel("Student's first name").fill('Tomas');
  await page.getByLabel("Student's last name").fill(`Reyes-${st.n}`);
  await page.getByLabel('Student ID').fill(`S${1000 + st.n}`);
  await page.getByLabel('Date of birth').fill(`${year - 17}-05-17`);
  await page.getByLabel("Parent or guardian's name").fill('Ana Reyes');
  await page.getByLabel("Parent or guardian's phone number").fill('310-555-0142');
  await page.getByLabel("Parent or guardian's email address").fill('ana.reyes@example');
  await v.click(button(v, 'Nominate student'));
  await v.check('nomination form with errors', { status: 422 });
  await fixErrors(v, 'nomination form with errors', {
    grade: (f) => f.check(),
    guardian_email: (f) => f.fill(`ana.reyes${st.n}@example.com`),
    guardian_consent: (f) => f.check(),
  });
  await v.click(button(v, 'Nominate student'));
  assert.match(v.url(), /^\/counselor\?nominated=T-/);
  await page.getByRole('heading', { name: 'Nomination received' }).waitFor();
  await v.check('counselor page, nominated');
  await v.click(page.getByRole('link', { name: `Tomas Reyes-${st.n}`, exact: true }));
  assert.match(v.url(), /^\/counselor\/nominations\/\d+$/);
  const nominationUrl = v.url();
  await v.check('nomination page');
  // The counselor corrects the guardian's phone: refused once, then saved.
  await v.click(link(v, 'Correct the nomination'));
  assert.equal(v.url(), `${nominationUrl}/edit`);
  await v.check('nomination correction form');
  await page.getByLabel("Parent or guardian's phone number").fill('12');
  await v.click(button(v, 'Save the corrections'));
  await v.check('nomination correction form with errors', { status: 422 });
  await fixErrors(v, 'nomination correction form with errors', {
    guardian_phone: (f) => f.fill('424-555-0143'),
  });
  await v.click(button(v, 'Save the corrections'));
  assert.equal(v.url(), `${nominationUrl}?done=corrected`);
  await page.getByText('The corrections are saved.').waitFor();
  await v.check('nomination page, corrected');
  // ... then withdraws it, through the confirmation step.
  await v.click(button(v, 'Withdraw the nomination'));
  await page.getByRole('heading', { name: `Withdraw the nomination of Tomas Reyes-${st.n}?` }).waitFor();
  await v.check('nomination withdrawal, are you sure');
  await v.click(button(v, 'Yes, withdraw the nomination'));
  assert.equal(v.url(), `${nominationUrl}?done=withdrawn`);
  await page.getByText('The nomination is withdrawn.').waitFor();
  await v.check('nomination page, withdrawn');
  await signOut(v);
}

// An administrator edits the Partners In Policing page: a refused empty text, a preview,
// then the saved page as the public sees it.
async function editPage(v, st) {
  const page = v.page;
  await v.goto('/');
  await signIn(v, st.admin);
  assert.equal(v.url(), '/admin');
  await v.check('staff desk, administrator');
  await v.click(link(v, 'Partners In Policing page'));
  assert.equal(v.url(), '/admin/pages/pip');
  await v.check('page editor');
  const text = page.getByLabel('Page text, in Markdown');
  const before = await text.inputValue();
  assert.ok(before.trim().length > 0, 'the editor shows no text');
  await text.fill('');
  await v.click(button(v, 'Save page'));
  await v.check('page editor with errors', { status: 422 });
  const heading = `Evenings with the officers ${st.n}`;
  const body = `## ${heading}\n\nTen sessions, one evening a week.\n\n- Patrol\n- **Dispatch**\n\n${before}`;
  await fixErrors(v, 'page editor with errors', { markdown: (f) => f.fill(body) });
  await v.click(button(v, 'Preview without saving'));
  await page.getByRole('heading', { name: 'Preview', exact: true }).waitFor();
  await main(v).locator('.card').getByRole('heading', { name: heading }).waitFor();
  await v.check('page editor, preview');
  assert.equal(await text.inputValue(), body);
  await v.click(button(v, 'Save page'));
  assert.equal(v.url(), '/admin/pages/pip?saved=1');
  await v.check('page editor, saved');
  await v.click(link(v, 'View the Partners In Policing page'));
  assert.equal(v.url(), '/pip');
  await main(v).getByRole('heading', { name: heading }).waitFor();
  await v.check('Partners In Policing page, edited');
  await signOut(v);
}

// The rest of the staff desk, reached by its links: accounts (with the refused form), the
// report, the semesters, a semester, a class's printable roster, the password form; then
// the forgotten-password form of a signed-out person.
async function staffDesk(v, st) {
  const page = v.page;
  await v.goto('/');
  await signIn(v, st.admin);
  await v.click(link(v, 'Accounts'));
  assert.equal(v.url(), '/admin/users');
  await v.check('accounts');
  await v.click(button(v, 'Create account'));
  await v.check('accounts, create form with errors', { status: 422 });
  await errorSummary(v, 'accounts, create form with errors');
  await v.click(page.locator('header').getByRole('link', { name: 'Staff desk' }));
  await v.click(link(v, /^Report: /, false));
  assert.equal(v.url(), '/admin/report');
  await v.check('report');
  await v.click(page.locator('header').getByRole('link', { name: 'Staff desk' }));
  await v.click(link(v, 'All semesters, and create one'));
  assert.equal(v.url(), '/admin/tap/semesters');
  await v.check('semesters, create form');
  await v.click(main(v).getByRole('link', { name: `Spring ${st.tapYear}`, exact: true }));
  assert.match(v.url(), /^\/admin\/tap\/semesters\/\d+$/);
  await v.check('semester list');
  await v.click(link(v, 'Attendance'));
  await v.check('semester attendance');
  await v.goto(`/admin/pip/classes/${st.classId}`);
  await v.click(link(v, 'Printable roster'));
  assert.equal(v.url(), `/admin/pip/classes/${st.classId}/roster`);
  await v.check('class roster');
  // The roster prints: Chromium renders it to PDF, a roster page and one sign-in
  // sheet per session (each session starts a page).
  const pdf = await page.pdf({ format: 'Letter', printBackground: false });
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-', 'the roster renders to PDF');
  const pdfPages = (bytes) => (bytes.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  // The story's applicant has withdrawn by now: the roster says so on one page.
  assert.equal(pdfPages(pdf), 1, 'a class without participants prints one page');
  // A class of three: the roster, then a sheet per session; a class nobody was accepted
  // to: one page, which says there is nothing to sign.
  const three = makeClass(st.srv, 700 + st.n, fromToday(-300));
  for (let i = 1; i <= 3; i++) {
    st.srv.sql(`INSERT INTO applications (ref, cohort_id, status, submitted_at, status_at, first_name,
      last_name, phone, accommodations) VALUES ('P-PDF${st.n}-000${i}', ${three}, 'accepted', 0, 0,
      'Pat${i}', 'Printer', '3105550100', 'Needs ${i}')`);
  }
  const [{ n: threeSessions }] = st.srv.sql(`SELECT count(*) AS n FROM cohort_sessions WHERE cohort_id = ${three}`);
  await v.goto(`/admin/pip/classes/${three}/roster`);
  await v.check('class roster, three participants');
  assert.equal(pdfPages(await page.pdf({ format: 'Letter' })), 1 + threeSessions, 'class of 3: roster and sheets');
  assert.equal(await page.locator('.sign-in__blank').count(), 5 * threeSessions, 'five walk-in rows a sheet');
  const none = makeClass(st.srv, 800 + st.n, fromToday(-300));
  await v.goto(`/admin/pip/classes/${none}/roster`);
  await v.check('class roster, nobody accepted');
  assert.equal(pdfPages(await page.pdf({ format: 'Letter' })), 1, 'no participants: one page');
  await main(v).getByText('there are no sign-in sheets to print').waitFor();
  await v.goto(`/admin/pip/classes/${st.classId}/roster`);
  await v.click(page.locator('main').getByRole('link', { name: 'Staff desk' }));
  await v.click(link(v, 'Change your password'));
  assert.equal(v.url(), '/account/password');
  await v.check('password form');
  await signOut(v);
  await v.click(link(v, 'Staff sign in'));
  await v.click(link(v, 'I have forgotten my password'));
  assert.equal(v.url(), '/forgot');
  await v.check('forgotten password form');
}

// At a phone's size (390x844), the header and its navigation take at most a fifth of the
// screen (UX.md), public and staff pages alike.
async function assertHeaderFits(v, name) {
  const size = v.page.viewportSize();
  if (size.width >= 400) return;
  const box = await v.page.locator('header.site-header').boundingBox();
  assert.ok(box.height <= size.height / 5, `${name} (${v.where}): the header is ${box.height}px high ` +
    `in a ${size.height}px window, more than a fifth`);
}

// The coordinator's week: three people apply; staff accept two of them from the list at
// once (and are refused a move the list does not allow), record a background check and
// find it through the list's filter, correct an application's details, then write to the
// accepted participants through the preview.  An administrator disables an account (after
// the confirmation step), enables it again, sends a new link and changes its role.  At the
// end the class is moved into the past, as registrationStates expects of earlier flows.
async function coordinatorDesk(v, st) {
  const { srv } = st;
  const page = v.page;
  const number = 900 + st.n;
  const title = `Class ${number}`;
  const id = makeClass(srv, number, fromToday(45));
  const url = `/admin/pip/classes/${id}`;
  try {
    srv.sql(`UPDATE cohorts SET registration_open = 0 WHERE program = 'pip';
      UPDATE cohorts SET registration_open = 1 WHERE id = ${id}`);
    for (let i = 1; i <= 3; i++) await applyByPost(srv, id, `d${st.n}-${i}`);
    srv.sql(`UPDATE cohorts SET registration_open = 0 WHERE id = ${id}`);
    const people = srv.sql(`SELECT id, last_name FROM applications WHERE cohort_id = ${id} ORDER BY id`);
    assert.equal(people.length, 3);

    await v.goto('/');
    await assertHeaderFits(v, 'home page');
    await signIn(v, st.staff);
    await v.goto(url);
    await v.check('class list, three received');
    await assertHeaderFits(v, 'class list');

    // Accept two at once, with a note: one request, the banner names both.
    await page.getByRole('checkbox', { name: `Select Alex Other-d${st.n}-1` }).check();
    await page.getByRole('checkbox', { name: `Select Alex Other-d${st.n}-2` }).check();
    await page.getByLabel('Note (optional)').fill('Interviewed on Monday.');
    await v.click(button(v, 'Accept selected'));
    assert.match(v.url(), new RegExp(`^${url}\\?decided=accepted&`));
    await page.getByRole('heading', { name: '2 moved to Accepted' }).waitFor();
    const banner = (await main(v).locator('.success').innerText()).replace(/\s+/g, ' ');
    assert.match(banner, new RegExp(`Alex Other-d${st.n}-1`), `the banner names the first: ${banner}`);
    assert.match(banner, new RegExp(`Alex Other-d${st.n}-2`), `the banner names the second: ${banner}`);
    assert.doesNotMatch(banner, new RegExp(`Other-d${st.n}-3`));
    await v.check('class list, decided');
    const statuses = () => srv.sql(`SELECT status FROM applications WHERE cohort_id = ${id} ORDER BY id`)
      .map((r) => r.status);
    assert.deepEqual(statuses(), ['accepted', 'accepted', 'submitted']);
    const [{ n: audits }] = srv.sql(`SELECT count(*) AS n FROM audit WHERE application_id IN
      (${people[0].id}, ${people[1].id}) AND to_status = 'accepted' AND note = 'Interviewed on Monday.'`);
    assert.equal(audits, 2, 'one history row per person moved');

    // Waitlisting an accepted person is not a move the list allows: nothing changes.
    await page.getByRole('checkbox', { name: `Select Alex Other-d${st.n}-1` }).check();
    await page.getByRole('checkbox', { name: `Select Alex Other-d${st.n}-3` }).check();
    await v.click(button(v, 'Waitlist selected'));
    await v.check('class list, bulk move refused', { status: 409 });
    await main(v).getByText(new RegExp(`Alex Other-d${st.n}-1 \\(its status cannot move there\\)`)).waitFor();
    assert.deepEqual(statuses(), ['accepted', 'accepted', 'submitted'], 'a refused bulk move changes nothing');

    // The background check of the third, recorded on the application page ...
    await v.goto(url);
    await v.click(link(v, `Other-d${st.n}-3, Alex`));
    assert.match(v.url(), new RegExp(`^/admin/applications/${people[2].id}(\\?.*)?$`));
    await v.check('application page, background not started');
    await page.getByLabel('New state').selectOption({ label: 'Cleared' });
    await v.click(button(v, 'Record the check'));
    await page.getByRole('heading', { name: 'Background check recorded' }).waitFor();
    await v.check('application page, background recorded');
    const state = (await main(v).locator('#background-check + p').innerText()).replace(/\s+/g, ' ');
    assert.match(state, new RegExp(`^State: Cleared, set .+ by ${st.staff.name}\\.$`), `the state line: ${state}`);
    const [bg] = srv.sql(`SELECT background FROM applications WHERE id = ${people[2].id}`);
    assert.equal(bg.background, 'cleared');
    // ... and the list filtered by it: that one person.
    await v.click(main(v).getByRole('link', { name: title, exact: true }));
    await page.getByLabel('Background check').selectOption({ label: 'Cleared' });
    await v.click(button(v, 'Filter'));
    await v.check('class list, filtered by background check');
    await main(v).getByRole('caption').filter({ hasText: /^1 application$/ }).waitFor();
    const names = await main(v).locator('table.table--cards:has(#list-caption) td[data-label="Name"] a').allInnerTexts();
    assert.deepEqual(names, [`Other-d${st.n}-3, Alex`]);

    // Staff correct the third's phone number: refused, fixed, saved.
    await v.click(link(v, `Other-d${st.n}-3, Alex`));
    await v.click(link(v, 'Correct the details'));
    assert.equal(v.url(), `/admin/applications/${people[2].id}/edit`);
    await v.check('application correction form');
    await page.getByLabel('Phone', { exact: true }).fill('31');
    await v.click(button(v, 'Save the details'));
    await v.check('application correction form with errors', { status: 422 });
    await fixErrors(v, 'application correction form with errors', { phone: (f) => f.fill('424-555-0199') });
    await v.click(button(v, 'Save the details'));
    await page.getByRole('heading', { name: 'Details saved' }).waitFor();
    await v.check('application page, corrected');
    const [fixed] = srv.sql(`SELECT phone FROM applications WHERE id = ${people[2].id}`);
    assert.equal(fixed.phone, '4245550199');

    // Staff correct a nomination (made by the counselor over HTTP) with the nominate form.
    const counselor = srv.client();
    assert.equal((await counselor.login(st.counselor.email, PW)).status, 303);
    const [sem] = srv.sql(`SELECT id, start_date FROM cohorts WHERE program = 'tap' AND year = ${st.tapYear}`);
    await counselor.get('/tap/nominate');
    const nominated = await counselor.post('/tap/nominate', [['semester', String(sem.id)],
      ['student_first_name', 'Ines'], ['student_last_name', `Ruiz-${st.n}`], ['student_id', `D${4000 + st.n}`],
      ['grade', '12'], ['dob', `${Number(sem.start_date.slice(0, 4)) - 17}-02-11`], ['student_email', ''],
      ['student_phone', ''], ['guardian_name', 'Olga Ruiz'], ['guardian_phone', '310-555-0144'],
      ['guardian_email', `olga${st.n}@example.com`], ['guardian_consent', 'yes'], ['counselor_note', '']]);
    assert.equal(nominated.status, 303, `nominating by HTTP: ${nominated.status} ${nominated.text.slice(0, 300)}`);
    const [nom] = srv.sql(`SELECT id FROM applications WHERE last_name = 'Ruiz-${st.n}'`);
    await v.goto(`/admin/applications/${nom.id}`);
    await v.click(link(v, 'Correct the details'));
    assert.equal(v.url(), `/admin/applications/${nom.id}/edit`);
    await v.check('nomination correction form, staff');
    await page.getByLabel("Parent or guardian's phone number").fill('424-555-0145');
    await v.click(button(v, 'Save the details'));
    await page.getByRole('heading', { name: 'Details saved' }).waitFor();
    await v.check('nomination page, corrected by staff');
    const [audit] = srv.sql(`SELECT note FROM audit WHERE application_id = ${nom.id} ORDER BY id DESC LIMIT 1`);
    assert.equal(audit.note, `Details corrected by ${st.staff.name}: parent or guardian's phone number`);

    // A message to the accepted: the preview counts two, then one e-mail each.
    await v.goto(url);
    await v.click(link(v, 'Write to the participants, and see the messages sent'));
    assert.equal(v.url(), `${url}/message`);
    await v.check('message form');
    const subject = `Session 2 moves to the range ${st.n}`;
    await page.getByLabel('Accepted participants', { exact: true }).check();
    await page.getByLabel('Subject').fill(subject);
    await page.getByLabel('Message', { exact: true }).fill('Meet at the range at 6 PM.\nBring an ID.');
    await v.click(button(v, 'Preview'));
    await page.getByRole('heading', { name: 'Check the message before sending' }).waitFor();
    await v.check('message preview');
    const lead = (await main(v).locator('section .lead').innerText()).replace(/\s+/g, ' ');
    assert.match(lead, /^It goes to 2 people: /, `the preview's count: ${lead}`);
    await main(v).getByText(/^Hello Alex,/).waitFor();
    assert.equal(srv.sql(`SELECT count(*) AS n FROM outbox WHERE subject = '${subject}'`)[0].n, 0,
      'the preview queues nothing');
    await v.click(button(v, 'Send to 2 people'));
    await page.getByRole('heading', { name: 'Message sent' }).waitFor();
    await v.check('message sent');
    const mails = srv.sql(`SELECT recipient FROM outbox WHERE subject = '${subject}' ORDER BY recipient`);
    assert.deepEqual(mails.map((m) => m.recipient), [`other-d${st.n}-1@example.com`, `other-d${st.n}-2@example.com`]);
    const sent = main(v).getByRole('table', { name: `Messages sent to ${title}` });
    assert.match((await sent.locator('tbody tr').first().innerText()).replace(/\s+/g, ' '),
      new RegExp(`^${subject} .+ ${st.staff.name} .*2$`));
    await signOut(v);

    // An administrator's account actions, on an account of this run's own.
    const extra = { email: `extra${st.n}@example.org`, name: `Eli Extra ${st.n}` };
    srv.cli(['user', 'add', '--role', 'staff', '--email', extra.email, '--name', extra.name], `${PW}\n`);
    const account = () => srv.sql(`SELECT role, school, disabled_at IS NOT NULL AS off FROM users
      WHERE email = '${extra.email}'`)[0];
    await signIn(v, st.admin);
    await v.goto('/admin/users');
    await v.check('accounts, with actions');
    await v.click(button(v, `Disable ${extra.name}`));
    await page.getByRole('heading', { name: `Are you sure you want to disable the account of ${extra.name}?` }).waitFor();
    await v.check('account disabling, are you sure');
    assert.equal(account().off, 0, 'nothing changes before the confirmation');
    await v.click(button(v, 'Disable the account'));
    await page.getByRole('heading', { name: 'Account disabled' }).waitFor();
    await v.check('accounts, disabled');
    assert.equal(account().off, 1);
    await v.click(button(v, `Enable ${extra.name}`));
    await page.getByRole('heading', { name: 'Account enabled' }).waitFor();
    await v.check('accounts, enabled');
    assert.equal(account().off, 0);
    await v.click(button(v, `Send a new link to ${extra.name}`));
    await page.getByRole('heading', { name: 'New invitation sent' }).waitFor();
    await v.check('accounts, new link sent');
    const row = main(v).getByRole('row').filter({ hasText: extra.email });
    await row.getByText('Change role').click();
    await row.getByLabel('Role', { exact: true }).selectOption({ label: 'Administrator' });
    await v.click(row.getByRole('button', { name: `Save the role of ${extra.name}` }));
    await page.getByRole('heading', { name: 'Account changed' }).waitFor();
    await v.check('accounts, role changed');
    assert.equal(account().role, 'admin');
    await signOut(v);
  } finally {
    srv.sql(`UPDATE cohort_sessions SET date = date(date, '-2 years') WHERE cohort_id = ${id};
      UPDATE cohorts SET start_date = date(start_date, '-2 years'), registration_open = 0 WHERE id = ${id}`);
  }
}

module.exports = {
  staffDesk, coordinatorDesk,
  PW, story, signIn, signOut, errorSummary, fixErrors,
  publicPages, interestList, createClass, apply, checkStatus, withdraw, review, attendance,
  statusBack, correctDetails, resend,
  nominate, editPage, registrationStates, makeClass, fromToday,
};
