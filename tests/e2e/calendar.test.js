// calendar.test.js: the iCalendar files of classes and semesters (SPEC.md, "Time, place
// and calendars") read back by a real parser, Debian's python3-icalendar, and the
// calendar that the acceptance e-mail carries, read as MIME by Python's email module.
'use strict';
const { test: nodeTest, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { start, loggedTests } = require('./lib');

// Debian's interpreter, which has python3-icalendar; the PATH's python3 may be another.
const PYTHON = '/usr/bin/python3';
const PW = 'a long enough password';
const STAFF = 'desk.sergeant@example.org';
const COUNSELOR = 'counselor.west@example.org';
const TZ = 'America/Los_Angeles';
const PLACE = 'Torrance Police Department, Community Room, 3300 Civic Center Drive, Torrance';

// Reads a calendar (argv[1] "ics") or a whole message (argv[1] "mail") from standard
// input and prints what a reader of it sees, as JSON.  Each event's local times and
// their UTC offset under the file's own VTIMEZONE (icalendar's to_tz), not the parser's
// zone database: the VTIMEZONE is what a calendar program goes by.
const PARSER = String.raw`
import email, email.policy, json, sys
import icalendar

def offset(td):
    s = int(td.total_seconds())
    sign = '-' if s < 0 else '+'
    s = abs(s)
    return '%s%02d%02d' % (sign, s // 3600, s // 60 % 60)

def calendar(text):
    cal = icalendar.Calendar.from_ical(text)
    zones, tzs = {}, []
    for tz in cal.walk('VTIMEZONE'):
        zones[str(tz['TZID'])] = tz.to_tz()
        tzs.append({'tzid': str(tz['TZID']), 'observances': [
            {'kind': c.name, 'start': c['DTSTART'].dt.strftime('%Y%m%dT%H%M%S'),
             'from': offset(c['TZOFFSETFROM'].td), 'to': offset(c['TZOFFSETTO'].td)}
            for c in tz.subcomponents]})
    events = []
    for ev in cal.walk('VEVENT'):
        e = {'uid': str(ev['UID']), 'summary': str(ev['SUMMARY']),
             'location': str(ev.get('LOCATION', '')), 'sequence': int(ev.get('SEQUENCE', 0)),
             'dtstamp': ev['DTSTAMP'].dt.isoformat()}
        for k in ('DTSTART', 'DTEND'):
            p = ev[k]
            tzid = p.params.get('TZID')
            local = p.dt.replace(tzinfo=None)
            e[k.lower()] = {'tzid': tzid, 'local': local.strftime('%Y-%m-%dT%H:%M'),
                            'offset': offset(zones[tzid].localize(local).utcoffset())
                            if tzid in zones else None}
        events.append(e)
    props = {k: str(cal[k]) for k in ('VERSION', 'PRODID', 'CALSCALE', 'METHOD',
                                      'X-WR-CALNAME') if k in cal}
    return {'props': props, 'timezones': tzs, 'events': events}

def mail(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    parts = []
    for part in (msg.iter_parts() if msg.is_multipart() else [msg]):
        p = {'type': part.get_content_type(), 'params': dict(part['content-type'].params),
             'disposition': part.get_content_disposition(), 'filename': part.get_filename(),
             'encoding': str(part['content-transfer-encoding']), 'content': part.get_content(),
             'defects': [type(d).__name__ for d in part.defects]}
        if p['type'] == 'text/calendar':
            p['calendar'] = calendar(p['content'])
        parts.append(p)
    return {'type': msg.get_content_type(), 'to': str(msg['to']),
            'defects': [type(d).__name__ for d in msg.defects], 'parts': parts}

data = sys.stdin.buffer.read()
print(json.dumps(calendar(data) if sys.argv[1] == 'ics' else mail(data)))
`;

function parse(kind, text) {
  const out = execFileSync(PYTHON, ['-c', PARSER, kind], { input: text, encoding: 'utf8' });
  return JSON.parse(out);
}

let srv;
let staff;
// Seconds between the portal's clock and the machine's (see before()).
let held = 0;
before(async () => {
  // The classes of this file cross the change to daylight time of March 14, 2027 on
  // purpose: the portal's clock is held at December 1, 2026, 12:00 PM Pacific, so that
  // they are always to come, whatever the day the tests run.
  held = Math.round(Date.parse('2026-12-01T20:00:00Z') / 1000 - Date.now() / 1000);
  srv = await start({ config: 'base_url = https://programs.example.org\n',
    env: { PORTAL_TIME_OFFSET: String(held) } });
  srv.cli(['user', 'add', '--role', 'staff', '--email', STAFF, '--name', 'Desk Sergeant'], `${PW}\n`);
  srv.cli(['user', 'add', '--role', 'counselor', '--email', COUNSELOR, '--name', 'Wendy West',
    '--school', 'west'], `${PW}\n`);
  staff = await signIn(STAFF);
});
// The portal's log is shown when a test failed; a sanitizer's report fails the file.
const { test, stopAndReport } = loggedTests(nodeTest, assert);
after(() => stopAndReport(srv));

async function signIn(email) {
  const c = srv.client();
  const r = await c.login(email, PW);
  assert.equal(r.status, 303, `sign-in of ${email}: ${r.status} ${r.text.slice(0, 300)}`);
  return c;
}

const q = (s) => `'${s.replace(/'/g, "''")}'`;
const isoDay = (first, weeks) => {
  const d = new Date(`${first}T00:00:00Z`);
  return new Date(d.getTime() + weeks * 7 * 86400000).toISOString().slice(0, 10);
};

let classNumber = 70;
// A PIP class, open (every other closed), whose usual evening is 6:30 to 8:45 PM at PLACE:
// ten Thursdays from first (across the change to daylight time on March 14, 2027), the
// last one a Saturday morning elsewhere.  Returns what its calendar must hold.
function makeClass({ first = '2027-01-14', reminders = 1 } = {}) {
  classNumber += 1;
  srv.sql("UPDATE cohorts SET registration_open = 0 WHERE program = 'pip'");
  const [{ id }] = srv.sql(`INSERT INTO cohorts (program, number, start_date, capacity,
    registration_open, created_at, start_time, end_time, location, reminders)
    VALUES ('pip', ${classNumber}, '${first}', 25, 1, 0, '18:30', '20:45', ${q(PLACE)},
    ${reminders}) RETURNING id`);
  const sessions = [];
  for (let n = 1; n <= 10; n++) {
    sessions.push({ n, date: isoDay(first, n - 1), topic: `Topic ${n}, part ${n}`, start: '18:30',
      end: '20:45', location: PLACE });
  }
  // Two days after the ninth week's Thursday: a Saturday.
  const saturday = new Date(Date.parse(`${isoDay(first, 9)}T00:00:00Z`) + 2 * 86400000);
  Object.assign(sessions[9], { date: saturday.toISOString().slice(0, 10), start: '09:00',
    end: '12:00', location: 'Firing Range; West Annex' });
  const rows = sessions.map((s) => (s.n === 10
    ? `(${id}, 10, '${s.date}', ${q(s.topic)}, '09:00', '12:00', ${q(s.location)})`
    : `(${id}, ${s.n}, '${s.date}', ${q(s.topic)}, NULL, NULL, NULL)`));
  srv.sql(`INSERT INTO cohort_sessions (cohort_id, number, date, topic, start_time, end_time,
    location) VALUES ${rows.join(', ')}`);
  return { id, number: classNumber, sessions };
}

let year = 2026;
// A TAP semester of twelve Tuesdays, 3:30 to 5:00 PM in the Training Room.
function makeSemester() {
  year += 1;
  srv.sql("UPDATE cohorts SET registration_open = 0 WHERE program = 'tap'");
  const first = `${year}-01-22`;
  const [{ id }] = srv.sql(`INSERT INTO cohorts (program, term, year, start_date, capacity,
    registration_open, created_at, start_time, end_time, location) VALUES ('tap', 'spring',
    ${year}, '${first}', 25, 1, 0, '15:30', '17:00', 'Training Room') RETURNING id`);
  const rows = [];
  for (let n = 1; n <= 12; n++) rows.push(`(${id}, ${n}, '${isoDay(first, n - 1)}', '')`);
  srv.sql(`INSERT INTO cohort_sessions (cohort_id, number, date, topic) VALUES ${rows.join(', ')}`);
  return { id, year, first };
}

// The offset of America/Los_Angeles on a date of 2027 at a session's time.
const laOffset2027 = (date) => (date >= '2027-03-14' && date < '2027-11-07' ? '-0700' : '-0800');

// Every line of a calendar ends with CRLF and is at most 75 octets.
function assertWellFolded(text) {
  assert.ok(text.endsWith('\r\n'), 'ends with CRLF');
  assert.ok(!/[^\r]\n/.test(text) && !/\r[^\n]/.test(text), 'CRLF line ends only');
  for (const line of text.slice(0, -2).split('\r\n')) {
    assert.ok(Buffer.byteLength(line) <= 75, `line longer than 75 octets: ${line}`);
  }
}

// Checks the parsed events against the sessions of makeClass.
function assertClassEvents(cal, cls, { sequences = {}, times = {} } = {}) {
  assert.equal(cal.events.length, cls.sessions.length, 'one event per session');
  const uids = new Set(cal.events.map((e) => e.uid));
  assert.equal(uids.size, cls.sessions.length, 'UIDs are unique');
  for (const s of cls.sessions) {
    const e = cal.events.find((x) => x.uid === `session-${cls.id}-${s.n}@programs.example.org`);
    assert.ok(e, `the event of session ${s.n}: ${cal.events.map((x) => x.uid)}`);
    const [from, to] = times[s.n] || [s.start, s.end];
    assert.deepEqual(e.dtstart, { tzid: TZ, local: `${s.date}T${from}`, offset: laOffset2027(s.date) },
      `session ${s.n} starts`);
    assert.deepEqual(e.dtend, { tzid: TZ, local: `${s.date}T${to}`, offset: laOffset2027(s.date) },
      `session ${s.n} ends`);
    assert.equal(e.summary, `Partners In Policing Class ${cls.number}, session ${s.n}: ${s.topic}`);
    assert.equal(e.location, s.location);
    assert.equal(e.sequence, sequences[s.n] || 0, `SEQUENCE of session ${s.n}`);
    assert.ok(Math.abs(Date.parse(e.dtstamp) - (Date.now() + held * 1000)) < 120000,
      `DTSTAMP ${e.dtstamp}`);
  }
}

// The messages the sendmail stand-in stored for `to`, once the outbox has sent n.
async function delivered(to, n) {
  const end = Date.now() + 15000;
  for (;;) {
    const rows = srv.sql(`SELECT sent_at FROM outbox WHERE recipient = ${q(to)}`);
    if (rows.length === n && rows.every((r) => r.sent_at !== null)) break;
    if (Date.now() > end) throw new Error(`timed out waiting for ${n} message(s) to ${to}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const dir = path.join(srv.dir, 'mail');
  const mine = fs.readdirSync(dir).filter((f) => f.endsWith('.eml'))
    .map((f) => fs.readFileSync(path.join(dir, f)))
    .filter((raw) => raw.toString('utf8').includes(`\r\nTo: ${to}\r\n`));
  assert.equal(mine.length, n, `messages stored for ${to}`);
  return mine;
}

// The delivered message to `to` whose text says "is now: Accepted", parsed.
async function acceptance(to, n) {
  const all = (await delivered(to, n)).map((raw) => ({ raw, m: parse('mail', raw) }));
  const found = all.find(({ m }) => m.parts[0].content.replace(/\s+/g, ' ').includes('is now: Accepted'));
  assert.ok(found, `an acceptance among the messages to ${to}`);
  return found;
}

let serial = 0;
async function apply(classId, email) {
  serial += 1;
  const c = srv.client();
  await c.get('/pip/apply');
  const r = await c.post('/pip/apply', {
    class: String(classId), first_name: 'Imelda', last_name: `Quintero${serial}`, dob: '1975-02-03',
    email, phone: '(310) 555-0142', street: '18 Secret Lane', city: 'Torrance', zip: '90503',
    affiliation: 'resident', work_detail: '', school_detail: '', faith_detail: '', civic_detail: '',
    other_detail: '', emergency_name: 'Octavio Quintero', emergency_phone: '310-555-0177',
    accommodations: 'Wheelchair access', referral: '', ack_background: 'yes',
  });
  assert.equal(r.status, 303, `apply: ${r.status} ${r.text.slice(0, 400)}`);
  return r.headers.get('location').split('/').pop();
}

async function move(ref, status) {
  const [{ id }] = srv.sql(`SELECT id FROM applications WHERE ref = ${q(ref)}`);
  await staff.get(`/admin/applications/${id}`);
  const r = await staff.post(`/admin/applications/${id}/status`, { status, note: '' });
  assert.equal(r.status, 303, `${status}: ${r.status} ${r.text.slice(0, 300)}`);
}

test("a class's calendar, read by a real parser, holds exactly its sessions", async () => {
  const cls = makeClass();
  await apply(cls.id, 'imelda.private@example.com');
  const c = srv.client();
  const r = await c.get(`/pip/classes/${cls.id}.ics`);
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.equal(r.headers.get('content-type'), 'text/calendar; charset=utf-8');
  assert.equal(r.headers.get('content-disposition'), `attachment; filename="class-${cls.number}.ics"`);
  assertWellFolded(r.text);
  // Only public facts: nothing of the applicant.
  for (const secret of ['Imelda', 'Quintero', 'imelda.private', 'Secret Lane', '555-0142', 'Wheelchair']) {
    assert.ok(!r.text.includes(secret), `the calendar shows ${secret}`);
  }

  const cal = parse('ics', r.text);
  assert.deepEqual({ ...cal.props, PRODID: undefined }, { VERSION: '2.0', CALSCALE: 'GREGORIAN',
    METHOD: 'PUBLISH', 'X-WR-CALNAME': `Partners In Policing Class ${cls.number}`, PRODID: undefined });
  assert.ok(cal.props.PRODID.length > 0);
  assertClassEvents(cal, cls);
  // Its VTIMEZONE is the portal's zone with 2027's changes, local times of onset.
  assert.equal(cal.timezones.length, 1);
  assert.equal(cal.timezones[0].tzid, TZ);
  const obs = cal.timezones[0].observances;
  assert.ok(obs.some((o) => o.kind === 'DAYLIGHT' && o.start === '20270314T020000' && o.from === '-0800'
    && o.to === '-0700'), JSON.stringify(obs));
  assert.ok(obs.some((o) => o.kind === 'STANDARD' && o.start === '20271107T020000' && o.from === '-0700'
    && o.to === '-0800'), JSON.stringify(obs));

  // HEAD answers the same headers, without the file.
  const head = await fetch(`${srv.base}/pip/classes/${cls.id}.ics`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-type'), 'text/calendar; charset=utf-8');
  assert.equal((await head.text()).length, 0);
});

test('a changed session comes back with a higher SEQUENCE and its new time', async () => {
  const cls = makeClass();
  const before = parse('ics', (await srv.client().get(`/pip/classes/${cls.id}.ics`)).text);
  assertClassEvents(before, cls);
  srv.sql(`UPDATE cohort_sessions SET start_time = '19:00', end_time = '21:15',
    sequence = sequence + 1 WHERE cohort_id = ${cls.id} AND number = 3`);
  const r = await srv.client().get(`/pip/classes/${cls.id}.ics`);
  assert.equal(r.status, 200);
  const cal = parse('ics', r.text);
  // The same UID, so a calendar program updates the event rather than adding one.
  assertClassEvents(cal, cls, { sequences: { 3: 1 }, times: { 3: ['19:00', '21:15'] } });
  srv.sql(`UPDATE cohort_sessions SET location = 'Council Chambers', sequence = sequence + 1
    WHERE cohort_id = ${cls.id} AND number = 3`);
  const again = parse('ics', (await srv.client().get(`/pip/classes/${cls.id}.ics`)).text);
  const third = again.events.find((e) => e.uid === `session-${cls.id}-3@programs.example.org`);
  assert.equal(third.sequence, 2);
  assert.equal(third.location, 'Council Chambers');
});

test("a semester's calendar", async () => {
  const sem = makeSemester();
  const r = await srv.client().get(`/tap/semesters/${sem.id}.ics`);
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.equal(r.headers.get('content-type'), 'text/calendar; charset=utf-8');
  assert.equal(r.headers.get('content-disposition'),
    `attachment; filename="teens-and-policing-spring-${sem.year}.ics"`);
  assertWellFolded(r.text);
  const cal = parse('ics', r.text);
  assert.equal(cal.props['X-WR-CALNAME'], `Teens and Policing Spring ${sem.year}`);
  assert.equal(cal.events.length, 12);
  cal.events.forEach((e, i) => {
    assert.equal(e.uid, `session-${sem.id}-${i + 1}@programs.example.org`);
    assert.equal(e.summary, `Teens and Policing Spring ${sem.year}, session ${i + 1}`);
    assert.deepEqual(e.dtstart, { tzid: TZ, local: `${isoDay(sem.first, i)}T15:30`, offset: e.dtstart.offset });
    assert.equal(e.dtend.local, `${isoDay(sem.first, i)}T17:00`);
    assert.match(e.dtstart.offset, /^-0[78]00$/);
    assert.equal(e.location, 'Training Room');
  });
});

test('404 for an unknown id, the other program, a missing or wrong suffix', async () => {
  const cls = makeClass();
  const sem = makeSemester();
  const c = srv.client();
  for (const p of ['/pip/classes/999999.ics', `/pip/classes/${sem.id}.ics`, `/tap/semesters/${cls.id}.ics`,
    `/pip/classes/${cls.id}`, `/tap/semesters/${sem.id}`, `/pip/classes/${cls.id}.ical`,
    `/pip/classes/${cls.id}.ics.ics`, '/pip/classes/.ics', '/pip/classes/abc.ics',
    '/pip/classes/-1.ics', '/pip/classes/0.ics', `/pip/classes/${cls.id}.ics/x`,
    '/pip/classes/99999999999999999999999.ics']) {
    const r = await c.get(p);
    assert.equal(r.status, 404, `${p}: ${r.status}`);
    assert.match(r.headers.get('content-type'), /^text\/html/, p);
  }
  const post = await c.post(`/pip/classes/${cls.id}.ics`, {});
  assert.equal(post.status, 405);
  assert.match(post.headers.get('allow'), /GET/);
});

test('the acceptance e-mail: the text, then the calendar of the sessions', async () => {
  const cls = makeClass();
  const email = 'accepted.one@example.com';
  const ref = await apply(cls.id, email);
  const [received] = await delivered(email, 1);
  const r0 = parse('mail', received);
  assert.equal(r0.type, 'text/plain', 'the receipt is plain text');
  const receipt = r0.parts[0].content.replace(/\s+/g, ' ');
  assert.ok(receipt.includes(`The class has 10 sessions, not all at the same time and place. The first is from 6:30 to 8:45 PM at ${PLACE}.`), receipt);

  await move(ref, 'accepted');
  const { raw, m } = await acceptance(email, 2);
  assert.deepEqual(m.defects, []);
  assert.equal(m.type, 'multipart/mixed');
  assert.equal(m.parts.length, 2);
  const [text, ics] = m.parts;
  assert.equal(text.type, 'text/plain');
  assert.equal(text.params.charset, 'utf-8');
  assert.equal(text.disposition, null);
  const flat = text.content.replace(/\s+/g, ' ');
  assert.ok(flat.includes(`${ref} for Partners In Policing, Class ${cls.number}, is now: Accepted.`), flat);
  assert.ok(flat.includes(`You have a place. The first session is Thursday, January 14, 2027, 6:30 to 8:45 PM, at ${PLACE}.`), flat);
  assert.ok(flat.includes(`attached calendar file, class-${cls.number}.ics`), flat);
  assert.ok(flat.includes('We will email you a reminder a week before the first session and the day before each session.'), flat);
  assert.ok(!/\{\{|6 to 8 PM/.test(flat), flat);

  assert.equal(ics.type, 'text/calendar');
  assert.equal(ics.params.charset, 'utf-8');
  assert.equal(ics.params.method, 'PUBLISH');
  assert.equal(ics.disposition, 'attachment');
  assert.equal(ics.filename, `class-${cls.number}.ics`);
  assert.equal(ics.encoding, 'base64');
  assert.deepEqual(ics.defects, []);
  assertWellFolded(ics.content);
  assertClassEvents(ics.calendar, cls);
  // The same file as the public address gives, apart from its stamps.
  const pub = (await srv.client().get(`/pip/classes/${cls.id}.ics`)).text;
  const unstamped = (s) => s.replace(/DTSTAMP:\d{8}T\d{6}Z/g, 'DTSTAMP');
  assert.equal(unstamped(ics.content), unstamped(pub));
  // The text part comes first in the raw message too, and the headers stay ASCII.
  const rawText = raw.toString('utf8');
  assert.ok(rawText.indexOf('text/plain') < rawText.indexOf('text/calendar'));
  assert.ok(!/[^\x20-\x7e\r\n\t]/.test(rawText.slice(0, rawText.indexOf('\r\n\r\n'))));
});

test('no reminder is promised for a class without them; a withdrawal says only what is true', async () => {
  const cls = makeClass({ reminders: 0 });
  const email = 'no.reminders@example.com';
  const ref = await apply(cls.id, email);
  await move(ref, 'accepted');
  const { m } = await acceptance(email, 2);
  const flat = m.parts[0].content.replace(/\s+/g, ' ');
  assert.ok(flat.includes('The first session is Thursday, January 14, 2027'), flat);
  assert.ok(!/remind/i.test(flat), flat);
  assert.equal(m.parts[1].type, 'text/calendar');

  // Nobody is waiting: the message must not say the place went to someone.
  const c = srv.client();
  await c.get('/status');
  assert.equal((await c.post('/status/withdraw', { ref, email, confirm: 'yes' })).status, 303);
  const all = (await delivered(email, 3)).map((raw) => parse('mail', raw));
  const withdrawn = all.find((x) => x.parts[0].content.includes('Withdrawn'));
  assert.ok(withdrawn, 'the withdrawal message');
  assert.equal(withdrawn.type, 'text/plain');
  const w = withdrawn.parts[0].content.replace(/\s+/g, ' ');
  assert.ok(w.includes('Your application has been withdrawn. Nothing more is needed.'), w);
  assert.ok(!/next person|given to/.test(w), w);
});

test("a TAP acceptance tells the semester's real time and place, with its calendar", async () => {
  const sem = makeSemester();
  const counselor = await signIn(COUNSELOR);
  await counselor.get('/tap/nominate');
  const guardian = 'guardian.calendar@example.com';
  const r = await counselor.post('/tap/nominate', {
    semester: String(sem.id), student_first_name: 'Kai', student_last_name: 'Nakamura',
    student_id: `${sem.year}01`, grade: '11', dob: '2011-03-01', student_email: '',
    student_phone: '', guardian_name: 'Ren Nakamura', guardian_phone: '(310) 555-0100',
    guardian_email: guardian, guardian_consent: 'yes', counselor_note: '',
  });
  assert.equal(r.status, 303, r.text.slice(0, 400));
  const ref = (r.headers.get('location') || '').match(/(T-[0-9A-Z]{4}-[0-9A-Z]{4})/)[1];
  const [received] = await delivered(guardian, 1);
  const receipt = parse('mail', received).parts[0].content.replace(/\s+/g, ' ');
  assert.ok(receipt.includes('The semester has 12 sessions, one a week, from 3:30 to 5:00 PM at Training Room.'), receipt);
  assert.ok(!receipt.includes('6 to 8 PM'), receipt);

  await move(ref, 'accepted');
  for (const to of [guardian, COUNSELOR]) {
    const { m } = await acceptance(to, 2);
    assert.equal(m.type, 'multipart/mixed');
    const flat = m.parts[0].content.replace(/\s+/g, ' ');
    assert.ok(flat.includes('Kai has a place. The first session is'), flat);
    assert.ok(flat.includes('3:30 to 5:00 PM, at Training Room.'), flat);
    assert.ok(flat.includes('We will email the family a reminder a week before the first session and the day before each session.'), flat);
    assert.equal(m.parts[1].filename, `teens-and-policing-spring-${sem.year}.ics`);
    assert.equal(m.parts[1].calendar.events.length, 12);
    assert.equal(m.parts[1].calendar.events[0].dtstart.local, `${sem.first}T15:30`);
  }
});
