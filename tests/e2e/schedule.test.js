// schedule.test.js: when and where, told truly (SPEC.md "Time, place and calendars"): the
// usual evening and place of a new class, sessions with their own times, the schedule on
// the public pages, places left before the form, registration as it stands, and staff
// changing one session.
'use strict';
const nodeTest = require('node:test');
const assert = require('node:assert/strict');
const { start, loggedTests } = require('./lib');

const { test, stopAndReport } = loggedTests(nodeTest.test, assert);
const PW = 'a long enough password';

let srv;
let staff;
nodeTest.before(async () => {
  srv = await start();
  srv.cli(['user', 'add', '--role', 'staff', '--email', 'sched@example.org', '--name', 'Sam Schedule'],
    `${PW}\n`);
  staff = srv.client();
  assert.equal((await staff.login('sched@example.org', PW)).status, 303);
});
nodeTest.after(async () => { await stopAndReport(srv); });

// The Pacific date `days` from now, as YYYY-MM-DD.
function isoFromNow(days) {
  const t = new Date(Date.now() + days * 86400000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Los_Angeles' }).format(t);
}
// "Thursday, January 14, 2027" for a YYYY-MM-DD date, as the portal writes it.
function longDate(iso) {
  return new Intl.DateTimeFormat('en-US', {
    weekday: 'long', month: 'long', day: 'numeric', year: 'numeric', timeZone: 'UTC',
  }).format(new Date(`${iso}T00:00:00Z`));
}
const usDate = (iso) => { const [y, m, d] = iso.split('-'); return `${+m}/${+d}/${y}`; };

// Moves every PIP class into 2020, so that none is the next to start.
function pastAll() {
  srv.sql(`UPDATE cohorts SET start_date = '2020-01-01' WHERE program = 'pip'`);
  srv.sql(`UPDATE cohort_sessions SET date = date('2020-01-01', '+' || (7 * (number - 1)) || ' days')
    WHERE cohort_id IN (SELECT id FROM cohorts WHERE program = 'pip')`);
}

let number = 300;
// Creates a PIP class through the staff form; returns its id.
async function createClass(fields = {}) {
  number += 1;
  await staff.get('/admin/pip/classes');
  const r = await staff.post('/admin/pip/classes', {
    number: String(number), start_date: isoFromNow(60), capacity: '30', ...fields,
  });
  assert.equal(r.status, 303, r.text.slice(0, 600));
  return { id: Number(r.headers.get('location').match(/classes\/(\d+)/)[1]), number };
}

async function setRegistration(id, state) {
  await staff.get(`/admin/pip/classes/${id}`);
  const r = await staff.post(`/admin/pip/classes/${id}/registration`, { state });
  assert.equal(r.status, 303, r.text.slice(0, 400));
}

let serial = 0;
async function apply(classId) {
  serial += 1;
  const c = srv.client();
  await c.get('/pip/apply');
  const r = await c.post('/pip/apply', [
    ['class', String(classId)], ['first_name', 'Ana'], ['last_name', `Reyes${serial}`],
    ['dob', '5/17/1980'], ['email', `ana${serial}@example.com`], ['phone', '310-555-0123'],
    ['street', '2417 Elm Avenue'], ['city', 'Torrance'], ['zip', '90503'],
    ['affiliation', 'resident'], ['emergency_name', 'Luis Reyes'], ['emergency_phone', '310-555-0199'],
    ['ack_background', 'yes'],
  ]);
  assert.equal(r.status, 303, r.text.slice(0, 600));
  return r.headers.get('location').split('/').pop();
}

test('a new class takes its usual times and place; a line may give its own times', async () => {
  const first = isoFromNow(60);
  const second = isoFromNow(67);
  const range = isoFromNow(76);
  const { id } = await createClass({
    start_date: usDate(first), start_time: '6:30 PM', end_time: '21:30',
    location: 'Torrance Police Department, Main Lobby', reminders: 'no',
    sessions: `${first} Welcome\n${second} Patrol\n${range} 09:00-12:00 Range day`,
  });
  const [c] = srv.sql(`SELECT start_date, start_time, end_time, location, reminders FROM cohorts WHERE id = ${id}`);
  assert.deepEqual(c, { start_date: first, start_time: '18:30', end_time: '21:30',
    location: 'Torrance Police Department, Main Lobby', reminders: 0 });
  const s = srv.sql(`SELECT number, date, start_time, end_time, location, sequence
    FROM cohort_sessions WHERE cohort_id = ${id} ORDER BY number`);
  assert.deepEqual(s, [
    { number: 1, date: first, start_time: null, end_time: null, location: null, sequence: 0 },
    { number: 2, date: second, start_time: null, end_time: null, location: null, sequence: 0 },
    { number: 3, date: range, start_time: '09:00', end_time: '12:00', location: null, sequence: 0 },
  ]);
  // The staff page lists them, each with its time and place.
  const page = await staff.get(`/admin/pip/classes/${id}`);
  assert.match(page.text, new RegExp(`${longDate(range)}<br><a href="/admin/pip/classes/${id}/sessions/3">Change<span class="visually-hidden"> session 3</span></a></td><td data-label="Time">9:00 AM to 12:00 PM</td>`));
  assert.match(page.text, new RegExp(`${longDate(first)}<br><a [^>]+>Change<span class="visually-hidden"> session 1</span></a></td><td data-label="Time">6:30 to 9:30 PM</td><td data-label="Place">Torrance Police Department, Main Lobby`));
  assert.match(page.text, /No reminders are sent for this class/);
  assert.match(page.text, new RegExp(`href="/admin/pip/classes/${id}/sessions/3"`));
});

test('the create form defaults to 6 to 8 PM at the default place, with reminders', async () => {
  const form = await staff.get('/admin/pip/classes');
  assert.match(form.text, /id="start_time" name="start_time" type="time" value="18:00"/);
  assert.match(form.text, /id="end_time" name="end_time" type="time" value="20:00"/);
  assert.match(form.text, /name="location" type="text" value="Torrance Police Department, Community Room, 3300 Civic Center Drive, Torrance, CA 90503"/);
  assert.match(form.text, /id="reminders" name="reminders" type="radio" value="yes" checked/);
  // A form that does not send the new fields gets SPEC.md's defaults.
  const { id } = await createClass();
  const [c] = srv.sql(`SELECT start_time, end_time, location, reminders FROM cohorts WHERE id = ${id}`);
  assert.deepEqual(c, { start_time: '18:00', end_time: '20:00', location: '', reminders: 1 });
});

test('bad times and places are refused with 422, each named, nothing created', async () => {
  const before = srv.sql('SELECT count(*) AS n FROM cohorts')[0].n;
  await staff.get('/admin/pip/classes');
  let r = await staff.post('/admin/pip/classes', {
    number: '399', start_date: isoFromNow(60), capacity: '30', start_time: '25:00',
    end_time: '7 PM', location: 'x'.repeat(201),
  });
  assert.equal(r.status, 422);
  assert.match(r.text, /href="#start_time">Enter the start time, like 18:00 or 6:00 PM/);
  assert.match(r.text, /href="#end_time">Enter the end time, like 20:00 or 8:00 PM/);
  assert.match(r.text, /href="#location">The place must be 200 characters or fewer/);
  r = await staff.post('/admin/pip/classes', {
    number: '399', start_date: isoFromNow(60), capacity: '30', start_time: '20:00', end_time: '18:00',
  });
  assert.equal(r.status, 422);
  assert.match(r.text, /Enter an end time after the start time/);
  r = await staff.post('/admin/pip/classes', {
    number: '399', start_date: isoFromNow(60), capacity: '30',
    sessions: `${isoFromNow(60)} 20:00-18:00 Backwards`,
  });
  assert.equal(r.status, 422);
  assert.match(r.text, /Write a session&#39;s times like 2027-01-14 18:00-20:00 Patrol, the end after the start. Line 1 is not like that/);
  assert.equal(srv.sql('SELECT count(*) AS n FROM cohorts')[0].n, before);
});

test('the form, the home page and the program page say how many places are left', async () => {
  srv.sql('UPDATE cohorts SET registration_open = 0');
  const { id, number: n } = await createClass({ capacity: '2' });
  await setRegistration(id, 'open');
  const places = async (re) => {
    for (const p of ['/pip/apply', '/', '/pip']) {
      const r = await srv.client().get(p);
      assert.equal(r.status, 200);
      assert.match(r.text, re, `${p}: ${re}`);
    }
  };
  await places(/<strong>2 of 2 places left<\/strong>/);
  await apply(id);
  await places(/<strong>1 of 2 places left<\/strong>/);
  await apply(id);
  await places(new RegExp(`<strong>Class ${n} is full.</strong> You can join the waiting list: nobody is waiting yet.`));
  await apply(id);
  await places(new RegExp(`Class ${n} is full.</strong> You can join the waiting list: 1 person is waiting.`));
  await apply(id);
  await places(new RegExp(`Class ${n} is full.</strong> You can join the waiting list: 2 people are waiting.`));
  // The form itself still comes after the message: a new application joins the list.
  const form = await srv.client().get('/pip/apply');
  assert.ok(form.text.indexOf('is full') < form.text.indexOf('<form method="post" action="/pip/apply"'));
});

test('the form shows the schedule, when and where, with the calendar link', async () => {
  srv.sql('UPDATE cohorts SET registration_open = 0');
  const first = isoFromNow(60);
  const { id } = await createClass({
    start_date: first, sessions: `${first} Welcome\n${isoFromNow(69)} 09:00-12:00 Range day`,
  });
  srv.sql(`UPDATE cohort_sessions SET location = 'Firing Range, 3300 Civic Center Drive'
    WHERE cohort_id = ${id} AND number = 2`);
  await setRegistration(id, 'open');
  const r = await srv.client().get('/pip/apply');
  assert.match(r.text, new RegExp(`starts ${longDate(first)}, 6:00 to 8:00 PM. It takes about 10 minutes`));
  assert.match(r.text, /2 sessions, most of them <span class="time">6:00 to 8:00 PM<\/span>, usually at Torrance Police Department, Community Room/);
  assert.match(r.text, new RegExp(`<strong>${longDate(first)}</strong>, <span class="time">6:00 to 8:00 PM</span></span><span class="session__topic">Welcome</span>`));
  assert.match(r.text, new RegExp(`<strong>${longDate(isoFromNow(69))}</strong>, <span class="time">9:00 AM to 12:00 PM</span></span><span class="session__topic">Range day</span><span class="session__place">At Firing Range, 3300 Civic Center Drive</span>`));
  assert.match(r.text, new RegExp(`<a class="calendar-link" href="/pip/classes/${id}.ics" download>Add these sessions to your calendar</a>`));
  assert.match(r.text, /For example, 5\/17\/1980\./);
  // The program page shows it too.
  assert.match((await srv.client().get('/pip')).text, /<h2 id="schedule-heading">When and where<\/h2>/);
});

test('registration is told as it stands: not open yet, open, closed with the next class', async () => {
  srv.sql('UPDATE cohorts SET registration_open = 0');
  pastAll();
  const a = await createClass({ start_date: isoFromNow(40) });
  let r = await srv.client().get('/pip/apply');
  assert.match(r.text, /<h1>Registration is not open yet<\/h1>/);
  assert.match(r.text, new RegExp(`The next class, Class ${a.number}, starts ${longDate(isoFromNow(40))}. Registration for it has not opened yet.`));
  assert.match((await srv.client().get('/')).text, new RegExp(`Registration for Class ${a.number} has not opened yet.`));

  await setRegistration(a.id, 'open');
  assert.match((await srv.client().get('/pip/apply')).text, /places left/);
  await setRegistration(a.id, 'closed');
  r = await srv.client().get('/pip/apply');
  assert.equal(r.status, 200);
  assert.match(r.text, new RegExp(`<h1>Registration for Class ${a.number} has closed</h1>`));
  assert.match(r.text, /The next class has not been scheduled yet./);
  assert.doesNotMatch(r.text, /has not opened/);
  assert.match((await srv.client().get('/')).text, new RegExp(`Registration for Class ${a.number} has closed.`));

  const b = await createClass({ start_date: isoFromNow(150) });
  r = await srv.client().get('/pip/apply');
  assert.match(r.text, new RegExp(`<h1>Registration for Class ${a.number} has closed</h1>`));
  assert.match(r.text, new RegExp(`The next class, Class ${b.number}, starts ${longDate(isoFromNow(150))}. Registration for it has not opened yet.`));
  const home = await srv.client().get('/');
  assert.match(home.text, new RegExp(`Registration for Class ${a.number} has closed.</p>\n<p>The next class, Class ${b.number}, starts`));
});

test('the confirmation page shows the schedule; accepted says when the first session is', async () => {
  srv.sql('UPDATE cohorts SET registration_open = 0');
  const first = isoFromNow(30);
  const { id } = await createClass({ start_date: first, reminders: 'yes' });
  await setRegistration(id, 'open');
  const ref = await apply(id);
  let r = await srv.client().get(`/confirmation/${ref}`);
  assert.match(r.text, /<h2 id="schedule-heading">When and where<\/h2>/);
  assert.match(r.text, new RegExp(`href="/pip/classes/${id}.ics"`));
  const [{ id: appId }] = srv.sql(`SELECT id FROM applications WHERE ref = '${ref}'`);
  await staff.get(`/admin/applications/${appId}`);
  assert.equal((await staff.post(`/admin/applications/${appId}/status`, { status: 'accepted', note: '' })).status, 303);
  r = await srv.client().get(`/confirmation/${ref}`);
  assert.match(r.text, new RegExp(`You have a place. The first session is on ${longDate(first)}, 6:00 to 8:00 PM, at Torrance Police Department, Community Room, 3300 Civic Center Drive, Torrance, CA 90503. We will email you a reminder a week before it and the day before each session.`));
  // Without reminders, no promise of them.
  srv.sql(`UPDATE cohorts SET reminders = 0 WHERE id = ${id}`);
  r = await srv.client().get(`/confirmation/${ref}`);
  assert.match(r.text, /You have a place. The first session is on/);
  assert.doesNotMatch(r.text, /reminder/);
});

test('a class that closed long ago is not announced as closed', async () => {
  srv.sql('UPDATE cohorts SET registration_open = 0');
  pastAll();
  srv.sql(`UPDATE cohorts SET registration_closed_at = 1 WHERE program = 'pip'`);
  const r = await srv.client().get('/pip/apply');
  assert.match(r.text, /<h1>Registration is not open yet<\/h1>/);
  assert.match(r.text, /No Partners In Policing class is taking applications right now/);
  assert.doesNotMatch(r.text, /has closed/);
});

// A class with accepted participants (one of them also waiting elsewhere never matters).
async function classWithParticipants(sessions) {
  srv.sql('UPDATE cohorts SET registration_open = 0');
  const { id, number: n } = await createClass({ start_date: sessions[0], sessions: sessions.map((d, i) => `${d} Topic ${i + 1}`).join('\n') });
  await setRegistration(id, 'open');
  const refs = [await apply(id), await apply(id), await apply(id)];
  for (const ref of refs.slice(0, 2)) {
    const [{ id: appId }] = srv.sql(`SELECT id FROM applications WHERE ref = '${ref}'`);
    await staff.get(`/admin/applications/${appId}`);
    assert.equal((await staff.post(`/admin/applications/${appId}/status`, { status: 'accepted', note: '' })).status, 303);
  }
  return { id, number: n, refs };
}

test('staff change one session: stored, SEQUENCE grows, accepted participants told with the calendar', async () => {
  const days = [isoFromNow(30), isoFromNow(37), isoFromNow(44)];
  const { id, number: n } = await classWithParticipants(days);
  const form = await staff.get(`/admin/pip/classes/${id}/sessions/2`);
  assert.equal(form.status, 200);
  assert.match(form.text, new RegExp(`id="date" name="date" type="date" value="${days[1]}"`));
  assert.match(form.text, /id="start_time" name="start_time" type="time" value="18:00"/);
  assert.match(form.text, /id="topic" name="topic" type="text" value="Topic 2"/);
  const outbox = () => srv.sql(`SELECT count(*) AS n FROM outbox`)[0].n;
  const before = outbox();
  const moved = isoFromNow(39);
  const r = await staff.post(`/admin/pip/classes/${id}/sessions/2`, {
    date: usDate(moved), start_time: '9:00 AM', end_time: '12:00', location: 'Firing Range',
    topic: 'Range day', notify: 'yes',
  });
  assert.equal(r.status, 303, r.text.slice(0, 500));
  assert.equal(r.headers.get('location'), `/admin/pip/classes/${id}?session=2&told=2#schedule`);
  const [s] = srv.sql(`SELECT date, start_time, end_time, location, topic, sequence FROM cohort_sessions
    WHERE cohort_id = ${id} AND number = 2`);
  assert.deepEqual(s, { date: moved, start_time: '09:00', end_time: '12:00', location: 'Firing Range',
    topic: 'Range day', sequence: 1 });
  // One message to each accepted participant (not the one still submitted), with the calendar.
  const mails = srv.sql(`SELECT recipient, subject, body, calendar, calendar_name FROM outbox
    ORDER BY id DESC LIMIT ${outbox() - before}`);
  assert.equal(mails.length, 2);
  for (const m of mails) {
    assert.equal(m.subject, `Changed: Partners In Policing Class ${n}, session 2`);
    assert.match(m.body, new RegExp(`Now: ${longDate(moved)}, 9:00 AM to 12:00 PM\nAt: Firing Range\nTopic: Range day`));
    assert.match(m.body, new RegExp(`Before: ${longDate(days[1])}, 6:00 to 8:00 PM, at Torrance Police Department`));
    assert.equal(m.calendar_name, `class-${n}.ics`);
    assert.match(m.calendar, /SEQUENCE:1\r\n/);
  }
  const page = await staff.get(`/admin/pip/classes/${id}?session=2&told=2`);
  assert.match(page.text, /<h2>Session 2 was changed<\/h2><p>2 participants were emailed the change, with the updated calendar.<\/p>/);
  // The public calendar carries the change.
  const ics = await srv.client().get(`/pip/classes/${id}.ics`);
  assert.match(ics.text, /LOCATION:Firing Range\r\n/);

  // Without notify, or when only the topic changes, nobody is e-mailed; SEQUENCE still grows.
  const quiet = outbox();
  await staff.get(`/admin/pip/classes/${id}/sessions/2`);
  assert.equal((await staff.post(`/admin/pip/classes/${id}/sessions/2`, {
    date: moved, start_time: '09:00', end_time: '12:00', location: 'Firing Range', topic: 'Range', notify: 'yes',
  })).status, 303);
  assert.equal((await staff.post(`/admin/pip/classes/${id}/sessions/2`, {
    date: moved, start_time: '10:00', end_time: '12:00', location: '', topic: 'Range',
  })).status, 303);
  assert.equal(outbox(), quiet);
  const [t] = srv.sql(`SELECT start_time, location, sequence FROM cohort_sessions WHERE cohort_id = ${id} AND number = 2`);
  assert.deepEqual(t, { start_time: '10:00', location: null, sequence: 3 });
});

test('moving the first session moves the class start; sessions keep their order', async () => {
  const days = [isoFromNow(30), isoFromNow(37), isoFromNow(44)];
  const { id } = await classWithParticipants(days);
  await staff.get(`/admin/pip/classes/${id}/sessions/1`);
  const earlier = isoFromNow(29);
  assert.equal((await staff.post(`/admin/pip/classes/${id}/sessions/1`, {
    date: earlier, start_time: '18:00', end_time: '20:00', location: '', topic: 'Welcome',
  })).status, 303);
  assert.equal(srv.sql(`SELECT start_date FROM cohorts WHERE id = ${id}`)[0].start_date, earlier);
  const stored = () => srv.sql(`SELECT number, date, sequence FROM cohort_sessions WHERE cohort_id = ${id} ORDER BY number`);
  const kept = stored();
  let r = await staff.post(`/admin/pip/classes/${id}/sessions/2`, {
    date: days[2], start_time: '18:00', end_time: '20:00', location: '', topic: '',
  });
  assert.equal(r.status, 422);
  assert.match(r.text, new RegExp(`href="#date">Choose a date after session 1, ${longDate(earlier)}, and before session 3, ${longDate(days[2])}`));
  assert.match(r.text, new RegExp(`value="${days[2]}"`)); // as typed
  r = await staff.post(`/admin/pip/classes/${id}/sessions/3`, {
    date: 'next week', start_time: '8 PM', end_time: '18:00', location: '', topic: '',
  });
  assert.equal(r.status, 422);
  assert.match(r.text, /Enter the session&#39;s date, like 1\/14\/2027/);
  assert.match(r.text, /Enter the start time, like 18:00 or 6:00 PM/);
  assert.deepEqual(stored(), kept);
  // No such session, or no such class: 404; a semester's session through a class URL: 404.
  assert.equal((await staff.get(`/admin/pip/classes/${id}/sessions/4`)).status, 404);
  assert.equal((await staff.get(`/admin/pip/classes/${id}/sessions/0`)).status, 404);
  assert.equal((await staff.get(`/admin/pip/classes/999999/sessions/1`)).status, 404);
  assert.equal((await staff.get(`/admin/tap/semesters/${id}/sessions/1`)).status, 404);
  // Only staff: the public is sent to sign in, a POST without a session is refused.
  assert.equal((await srv.client().get(`/admin/pip/classes/${id}/sessions/1`)).status, 303);
  const anon = srv.client();
  await anon.get('/');
  assert.equal((await anon.post(`/admin/pip/classes/${id}/sessions/1`, { date: earlier })).status, 403);
  assert.deepEqual(stored(), kept);
});

test('a session with attendance cannot move to a day still to come', async () => {
  const days = [isoFromNow(-14), isoFromNow(-7), isoFromNow(7)];
  srv.sql('UPDATE cohorts SET registration_open = 0');
  const { id } = await classWithParticipants(days);
  const [{ id: appId }] = srv.sql(`SELECT id FROM applications WHERE cohort_id = ${id} AND status = 'accepted' LIMIT 1`);
  await staff.get(`/admin/pip/classes/${id}/attendance?session=2`);
  assert.equal((await staff.post(`/admin/pip/classes/${id}/attendance`, [['session', '2'], ['present', String(appId)]])).status, 303);
  await staff.get(`/admin/pip/classes/${id}/sessions/2`);
  const r = await staff.post(`/admin/pip/classes/${id}/sessions/2`, {
    date: isoFromNow(3), start_time: '18:00', end_time: '20:00', location: '', topic: '',
  });
  assert.equal(r.status, 422);
  assert.match(r.text, /Attendance is recorded for this session, so it cannot move to a day that has not come yet/);
  assert.equal(srv.sql(`SELECT date FROM cohort_sessions WHERE cohort_id = ${id} AND number = 2`)[0].date, days[1]);
  // Moving it by a day in the past is fine.
  assert.equal((await staff.post(`/admin/pip/classes/${id}/sessions/2`, {
    date: isoFromNow(-6), start_time: '18:00', end_time: '20:00', location: '', topic: '',
  })).status, 303);
});
