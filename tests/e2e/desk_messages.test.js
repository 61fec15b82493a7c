// desk_messages.test.js: messages to a class (preview, once-only sending, audiences, the
// record of what was sent) and the administrators' account actions with their audit rows.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start, farDate } = require('./lib');

const PW = 'a long enough password';
let srv;
const clients = {};

before(async () => {
  srv = await start();
  srv.addUser('admin', 'admin@example.org', 'Ada Admin', PW);
  srv.addUser('staff', 'staff@example.org', 'Sam Staff', PW);
  for (const who of ['admin', 'staff']) clients[who] = await srv.signedIn(`${who}@example.org`, PW);
});
after(async () => { await srv.stop(); });

const START = farDate();
function makeClass(number, capacity, open = false) {
  if (open) srv.sql('UPDATE cohorts SET registration_open = 0 WHERE program = \'pip\'');
  return srv.sql(`INSERT INTO cohorts (program, number, start_date, capacity, registration_open,
    created_at) VALUES ('pip', ${number}, '${START}', ${capacity}, ${open ? 1 : 0}, 0) RETURNING id`)[0].id;
}

let serial = 0;
async function apply(classId) {
  serial += 1;
  const c = srv.client();
  await c.get('/pip/apply');
  const r = await c.post('/pip/apply', {
    class: String(classId), first_name: `Ana${serial}`, last_name: 'Reyes', dob: '1975-02-11',
    email: `ana${serial}@example.com`, phone: '310-555-0101', street: '10 Oak St', city: 'Torrance',
    zip: '90501', affiliation: 'resident', emergency_name: 'Luis Reyes', emergency_phone: '310-555-0102',
    ack_background: 'yes',
  });
  assert.equal(r.status, 303, r.text.slice(0, 300));
  const ref = r.headers.get('location').split('/').pop();
  return srv.sql(`SELECT id, first_name FROM applications WHERE ref = '${ref}'`)[0];
}

const outboxCount = (sql = '1') => srv.sql(`SELECT count(*) AS n FROM outbox WHERE ${sql}`)[0].n;
const sendIdOf = (html) => html.match(/name="send_id" value="([^"]+)"/)[1];

let classId;
let people;
test('a message to 30 accepted participants: preview queues nothing, sending twice queues 30 once', async () => {
  classId = makeClass(70, 40, true);
  people = [];
  for (let i = 0; i < 32; i++) people.push(await apply(classId));
  const ids = people.slice(0, 30).map((p) => p.id).join(',');
  srv.sql(`UPDATE applications SET status = 'accepted' WHERE id IN (${ids})`);
  srv.sql(`UPDATE applications SET status = 'waitlisted', waitlist_position = 1 WHERE id = ${people[30].id}`);
  const c = clients.staff;
  const url = `/admin/pip/classes/${classId}/message`;
  assert.equal((await c.get(url)).status, 200);
  const before = outboxCount();
  const form = { audience: 'accepted', subject: 'Tuesday moves to the range', body: 'Meet at the range at 6 PM.\nBring ID.' };
  const p = await c.post(url, form);
  assert.equal(p.status, 200, p.text.slice(0, 500));
  assert.match(p.text, /Send to 30 people/);
  assert.match(p.text, /30 people/);
  assert.match(p.text, new RegExp(`Hello ${people[0].first_name},`));
  assert.match(p.text, /Meet at the range at 6 PM\./);
  assert.match(p.text, /name="confirm" value="yes"/);
  assert.equal(outboxCount(), before, 'the preview queues nothing');
  const sendId = sendIdOf(p.text);
  const s1 = await c.post(url, { ...form, confirm: 'yes', send_id: sendId });
  assert.equal(s1.status, 303, s1.text.slice(0, 300));
  const s2 = await c.post(url, { ...form, confirm: 'yes', send_id: sendId });
  assert.equal(s2.status, 303);
  assert.equal(s2.headers.get('location'), s1.headers.get('location'));
  assert.equal(outboxCount() - before, 30, 'thirty e-mails, once');
  const mails = srv.sql(`SELECT recipient, body, application_id FROM outbox WHERE subject = '${form.subject}' ORDER BY id`);
  assert.equal(mails.length, 30);
  assert.equal(new Set(mails.map((m) => m.recipient)).size, 30);
  assert.ok(mails.every((m) => m.application_id > 0), 'each carries its application');
  assert.match(mails[0].body, /Hello Ana/);
  const rec = srv.sql(`SELECT audience, recipients, actor FROM messages WHERE cohort_id = ${classId}`);
  assert.deepEqual(rec, [{ audience: 'accepted', recipients: 30, actor: 'Sam Staff' }]);
  const page = await c.get(s1.headers.get('location'));
  assert.match(page.text, /Message sent/);
  assert.match(page.text, /Tuesday moves to the range/);
  assert.match((await c.get(`/admin/pip/classes/${classId}`)).text, new RegExp(`${url}"`));
});

test('audiences select the right people', async () => {
  const c = clients.staff;
  const url = `/admin/pip/classes/${classId}/message`;
  const count = async (audience) => {
    const r = await c.post(url, { audience, subject: 'S', body: 'B' });
    assert.equal(r.status, 200);
    const m = r.text.match(/Send to (\d+) (people|person)/);
    return m ? Number(m[1]) : 0;
  };
  assert.equal(await count('accepted'), 30);
  assert.equal(await count('waitlisted'), 1);
  assert.equal(await count('active'), 31); // 30 accepted, 1 received
  srv.sql(`UPDATE applications SET status = 'completed' WHERE id IN (${people[0].id}, ${people[1].id})`);
  assert.equal(await count('completed'), 2);
  assert.equal(await count('accepted'), 28);
  const before = outboxCount();
  const r = await c.post(url, { audience: 'waitlisted', subject: 'Still waiting', body: 'Hold on.' });
  await c.post(url, { audience: 'waitlisted', subject: 'Still waiting', body: 'Hold on.', confirm: 'yes', send_id: sendIdOf(r.text) });
  const sent = srv.sql('SELECT recipient FROM outbox WHERE subject = \'Still waiting\'');
  assert.deepEqual(sent.map((m) => m.recipient), ['ana31@example.com']);
  assert.equal(outboxCount() - before, 1);
});

test('a bad message is 422 and sends nothing', async () => {
  const c = clients.staff;
  const url = `/admin/pip/classes/${classId}/message`;
  const before = outboxCount();
  const bad = [
    { audience: 'everyone', subject: 'S', body: 'B' },
    { audience: 'accepted', subject: '', body: 'B' },
    { audience: 'accepted', subject: 'S', body: '   ' },
    { audience: 'accepted', subject: 'x'.repeat(201), body: 'B' },
    { audience: 'accepted', subject: 'S', body: 'x'.repeat(5001) },
  ];
  for (const f of bad) {
    const r = await c.post(url, { ...f, confirm: 'yes', send_id: 'A'.repeat(43) });
    assert.equal(r.status, 422, JSON.stringify(f).slice(0, 80));
  }
  assert.equal(outboxCount(), before);
  assert.equal((await clients.staff.post('/admin/pip/classes/99999/message', bad[1])).status, 404);
});

test('account actions: disable asks first, enable, new link, change role; each audited; staff get 403', async () => {
  const a = clients.admin;
  srv.cli(['user', 'add', '--role', 'staff', '--email', 'pat@example.org', '--name', 'Pat Person'], `${PW}\n`);
  const id = srv.sql('SELECT id FROM users WHERE email = \'pat@example.org\'')[0].id;
  const self = srv.sql('SELECT id FROM users WHERE email = \'admin@example.org\'')[0].id;
  const audit = () => srv.sql(`SELECT action, detail, actor FROM account_audit WHERE account_id = ${id} ORDER BY id`);
  for (const p of [`/admin/users/${id}/disable`, `/admin/users/${id}/enable`, `/admin/users/${id}/invite`, `/admin/users/${id}`]) {
    const r = await clients.staff.post(p, { confirm: 'yes', role: 'admin' });
    assert.equal(r.status, 403, `staff POST ${p}`);
  }
  assert.deepEqual(audit(), []);
  let r = await a.post(`/admin/users/${id}/disable`, {});
  assert.equal(r.status, 200);
  assert.match(r.text, /Are you sure/);
  assert.equal(srv.sql(`SELECT disabled_at FROM users WHERE id = ${id}`)[0].disabled_at, null);
  r = await a.post(`/admin/users/${id}/disable`, { confirm: 'yes' });
  assert.equal(r.status, 303);
  assert.notEqual(srv.sql(`SELECT disabled_at FROM users WHERE id = ${id}`)[0].disabled_at, null);
  assert.equal((await a.post(`/admin/users/${id}/invite`, {})).status, 409);
  r = await a.post(`/admin/users/${id}/enable`, {});
  assert.equal(r.status, 303);
  assert.equal(srv.sql(`SELECT disabled_at FROM users WHERE id = ${id}`)[0].disabled_at, null);
  const pat = srv.client();
  assert.equal((await pat.login('pat@example.org', PW)).status, 303, 'enabled: signs in again');
  const mails = () => srv.sql('SELECT count(*) AS n FROM outbox WHERE recipient = \'pat@example.org\'')[0].n;
  const m0 = mails();
  r = await a.post(`/admin/users/${id}/invite`, {});
  assert.equal(r.status, 303);
  r = await a.post(`/admin/users/${id}/invite`, {});
  assert.equal(r.status, 303);
  assert.equal(mails() - m0, 2);
  const live = srv.sql(`SELECT count(*) AS n FROM password_tokens WHERE user_id = ${id} AND used_at IS NULL`)[0].n;
  assert.equal(live, 1, 'the older link stops working');
  const ttl = srv.sql(`SELECT expires_at - (SELECT max(created_at) FROM outbox) AS t FROM password_tokens WHERE user_id = ${id} AND used_at IS NULL`)[0].t;
  assert.ok(Math.abs(ttl - 72 * 3600) < 60, `72 hours (${ttl})`);
  assert.equal((await a.post(`/admin/users/${id}`, { role: 'counselor', school: '' })).status, 422, 'a counselor needs a school');
  assert.equal((await a.post(`/admin/users/${id}`, { role: 'pilot' })).status, 422);
  r = await a.post(`/admin/users/${id}`, { role: 'counselor', school: 'north' });
  assert.equal(r.status, 303);
  assert.deepEqual(srv.sql(`SELECT role, school FROM users WHERE id = ${id}`), [{ role: 'counselor', school: 'north' }]);
  r = await a.post(`/admin/users/${id}`, { role: 'staff', school: 'north' });
  assert.deepEqual(srv.sql(`SELECT role, school FROM users WHERE id = ${id}`), [{ role: 'staff', school: null }]);
  assert.equal((await a.post(`/admin/users/${self}`, { role: 'staff' })).status, 409, 'own admin role stays');
  assert.equal(srv.sql(`SELECT role FROM users WHERE id = ${self}`)[0].role, 'admin');
  assert.deepEqual(audit().map((x) => x.action), ['disabled', 'enabled', 'invited', 'invited', 'changed', 'changed']);
  assert.ok(audit().every((x) => x.actor === 'Ada Admin'));
  assert.match(audit()[4].detail, /Staff to Counselor/);
  const page = await a.get('/admin/users');
  assert.match(page.text, /Recent account changes/);
  assert.match(page.text, /Pat Person<\/td><td>invited/);
});

test('bootstrap names the first admin, whose printed password must be changed first', async () => {
  const s2 = await start();
  try {
    const out = s2.cli(['bootstrap', '--admin-name', 'Chief Rivera', '--admin-email', 'rivera@example.org']);
    const pw = String(out).match(/password: (\S+)/)[1];
    assert.deepEqual(s2.sql('SELECT name, role, must_change_password AS m FROM users'), [{ name: 'Chief Rivera', role: 'admin', m: 1 }]);
    const c = s2.client();
    assert.equal((await c.login('rivera@example.org', pw)).status, 303);
    for (const p of ['/admin', '/admin/users']) {
      const r = await c.get(p);
      assert.equal(r.status, 303, p);
      assert.equal(r.headers.get('location'), '/account/password', p);
    }
    await c.get('/account/password');
    const r = await c.post('/account/password', { password: 'my own long password', password_confirm: 'my own long password' });
    assert.equal(r.status, 303, r.text.slice(0, 300));
    assert.equal(s2.sql('SELECT must_change_password AS m FROM users')[0].m, 0);
    assert.equal((await c.get('/admin')).status, 200);
  } finally { await s2.stop(); }
});
