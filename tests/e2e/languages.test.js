// languages.test.js: the public side in five languages (SPEC.md, "Languages"): choosing
// the language, every public page's words from the catalogs (through the pseudo-language
// en-XA, which accents every catalog message), the language kept with an application or
// nomination for its e-mails, program pages per language, the CSV's language column.
// Expected translations are read from po/LANG.po, so these tests hold before and after
// the translators fill the catalogs (an empty msgstr shows the English, as the portal does).
'use strict';
const { test: nodeTest, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { start, loggedTests, ROOT, farDate, addDays } = require('./lib');

const PW = 'a long enough password';
const ADMIN = 'chief@example.org';
const COUNSELOR = 'counselor.north@example.org';
const LANGS = ['en', 'es', 'ja', 'ko', 'zh-Hant'];

let srv;
before(async () => {
  srv = await start({ env: { PORTAL_PSEUDO_LANGUAGE: '1' } });
  srv.cli(['user', 'add', '--role', 'admin', '--email', ADMIN, '--name', 'Chief Admin'], `${PW}\n`);
  srv.cli(['user', 'add', '--role', 'counselor', '--email', COUNSELOR, '--name', 'Nora North',
    '--school', 'north'], `${PW}\n`);
});
const { test, stopAndReport } = loggedTests(nodeTest, assert);
after(async () => { await stopAndReport(srv); });

// ---- the catalogs, as a translator leaves them ----

// The entries of po/LANG.po: msgid (or msgid + "\u0004" + plural) -> [msgstr...].
const catalogs = {};
function catalog(lang) {
  if (catalogs[lang]) return catalogs[lang];
  const text = fs.readFileSync(path.join(ROOT, 'po', `${lang}.po`), 'utf8');
  const entries = new Map();
  for (const block of text.split(/\n\s*\n/)) {
    if (/^#, .*fuzzy/m.test(block)) continue;
    const fields = {};
    let key = null;
    for (const line of block.split('\n')) {
      if (line.startsWith('#')) continue;
      const m = line.match(/^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$/);
      const cont = line.match(/^"(.*)"$/);
      if (m) { key = m[1]; fields[key] = JSON.parse(`"${m[2]}"`); } else if (cont && key) fields[key] += JSON.parse(`"${cont[1]}"`);
    }
    if (fields.msgid === undefined || fields.msgctxt !== undefined) continue;
    const strs = Object.keys(fields).filter((k) => k.startsWith('msgstr')).sort().map((k) => fields[k]);
    entries.set(fields.msgid, strs);
  }
  catalogs[lang] = entries;
  return entries;
}

// The text the portal shows for msgid in lang: its translation, or the English while
// the translation is empty.  n chooses a plural form (Spanish: one and other).
function tr(lang, msgid, n) {
  if (lang === 'en') return msgid;
  const strs = catalog(lang).get(msgid);
  if (!strs || strs.some((s) => s === '')) return msgid;
  if (n === undefined || strs.length === 1) return strs[0];
  return n === 1 ? strs[0] : strs[1];
}

// Fills {{{x}}}, {{x}} and printf %s / %d from values, in order for printf.
function fill(text, values = {}, args = []) {
  let i = 0;
  return text.replace(/\{\{\{?(\w+)\}?\}\}/g, (_, k) => String(values[k]))
    .replace(/%(\.\d+)?[sd]/g, () => String(args[i++]));
}

// Compares texts without their white space: mail bodies are wrapped, CJK with no spaces.
const squash = (s) => s.replace(/\s+/g, '');
function assertHas(body, text, what) {
  assert.ok(squash(body).includes(squash(text)), `${what}: ${JSON.stringify(text)} not in\n${body}`);
}

// RFC 2047 encoded words decoded.
function decodeHeader(v) {
  return v.replace(/\r\n /g, '').replace(/=\?UTF-8\?B\?([^?]*)\?=\s*/g,
    (_, b) => Buffer.from(b, 'base64').toString('utf8'));
}
function header(msg, name) {
  const m = msg.headers.match(new RegExp(`^${name}: (.*(?:\\r\\n .*)*)`, 'm'));
  return m ? m[1] : null;
}

// ---- fixtures ----

const FIRST = farDate();
let number = 80;
function openClass({ sessions = 10, capacity = 25 } = {}) {
  number += 1;
  srv.sql("UPDATE cohorts SET registration_open = 0 WHERE program = 'pip'");
  const [{ id }] = srv.sql(`INSERT INTO cohorts (program, number, start_date, capacity,
    registration_open, created_at) VALUES ('pip', ${number}, '${FIRST}', ${capacity}, 1, 0)
    RETURNING id`);
  const rows = [];
  for (let n = 1; n <= sessions; n++) rows.push(`(${id}, ${n}, '${addDays(FIRST, (n - 1) * 7)}', 'Session ${n}')`);
  srv.sql(`INSERT INTO cohort_sessions (cohort_id, number, date, topic) VALUES ${rows.join(', ')}`);
  return { id, number };
}

let serial = 0;
function application(classId, overrides = {}) {
  serial += 1;
  const f = {
    class: String(classId), first_name: 'María', last_name: `López${serial}`, dob: '1980-05-17',
    email: `maria${serial}@example.com`, phone: '310-555-0123', street: '2417 Elm Avenue',
    city: 'Torrance', zip: '90503', affiliation: 'resident', emergency_name: 'José López',
    emergency_phone: '310-555-0199', accommodations: '', referral: '', ack_background: 'yes',
    ...overrides,
  };
  return Object.entries(f).filter(([, v]) => v !== undefined);
}

async function signIn(email) {
  const c = srv.client();
  const r = await c.login(email, PW);
  assert.equal(r.status, 303, `sign-in of ${email}: ${r.status}`);
  return c;
}

// ---- choosing the language ----

test('?lang= chooses the language, sets the cookie for a year, and pages say which', async () => {
  openClass();
  const c = srv.client();
  const r = await c.get('/pip/apply?lang=ja');
  assert.equal(r.status, 200);
  assert.match(r.text, /^<!DOCTYPE html>\n<html lang="ja">/);
  assert.equal(r.headers.get('content-language'), 'ja');
  assert.equal(r.headers.get('vary'), 'Accept-Language, Cookie');
  const cookie = r.headers.getSetCookie().find((s) => s.startsWith('lang='));
  assert.match(cookie, /^lang=ja; Path=\/; Max-Age=31536000; SameSite=Lax/);
  // The cookie then wins over the browser's languages.
  const again = await c.get('/status', { headers: { 'accept-language': 'es' } });
  assert.equal(again.headers.get('content-language'), 'ja');
  assert.ok(!again.headers.getSetCookie().some((s) => s.startsWith('lang=')));
  assert.match(again.text, new RegExp(`<h1>${esc(tr('ja', 'Check an application'))}</h1>`));
});

test('Accept-Language with q-values picks the best of the five; English is last', async () => {
  const cases = [
    ['es-MX,es;q=0.9,en;q=0.5', 'es'], ['zh-TW', 'zh-Hant'], ['zh-Hant-TW', 'zh-Hant'],
    ['zh-CN,zh;q=0.9', 'en'], ['zh-CN, ko;q=0.4', 'ko'], ['fr, ja;q=0.2, es;q=0.1', 'ja'],
    ['de', 'en'], ['ko;q=0, es', 'es'],
  ];
  for (const [header, want] of cases) {
    const r = await srv.client().get('/', { headers: { 'accept-language': header } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-language'), want, header);
    assert.match(r.text, new RegExp(`<html lang="${want}">`), header);
  }
});

test('junk in ?lang=, the cookie or Accept-Language is ignored, never a 400', async () => {
  const junk = [
    { url: '/?lang=xx' }, { url: '/?lang=%E6%97%A5' }, { url: '/?lang=' },
    { url: '/', headers: { cookie: 'lang=<script>' } },
    { url: '/', headers: { cookie: 'lang=es; lang=zz' } },
    { url: '/', headers: { 'accept-language': 'x'.repeat(6000) } },
    { url: '/', headers: { 'accept-language': Array(500).fill('es;q=0.5').join(',') } },
    { url: '/', headers: { 'accept-language': ';;;q==,,,' } },
  ];
  for (const { url, headers } of junk) {
    const r = await srv.client().get(url, { headers });
    assert.equal(r.status, 200, JSON.stringify({ url, headers }).slice(0, 200));
    assert.ok(LANGS.includes(r.headers.get('content-language')));
  }
  // Bytes over 127 in the header: fetch cannot send them, curl can.
  const { execFileSync } = require('node:child_process');
  const out = execFileSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H',
    'Accept-Language: \xe9s-\xff, ko', `${srv.base}/`], { encoding: 'latin1' });
  assert.equal(out, '200');
  // en-XA exists only where the test setting made it: here it does.
  const x = await srv.client().get('/?lang=en-XA');
  assert.equal(x.headers.get('content-language'), 'en-XA');
});

test('staff and counselor pages stay in English whatever the reader chose', async () => {
  const c = await signIn(ADMIN);
  const r = await c.get('/admin?lang=ja', { headers: { 'accept-language': 'ja' } });
  assert.equal(r.status, 200);
  assert.match(r.text, /<html lang="en">/);
  assert.equal(r.headers.get('content-language'), null);
  assert.ok(!r.headers.getSetCookie().some((s) => s.startsWith('lang=')));
  const login = await srv.client().get('/login', { headers: { 'accept-language': 'ko' } });
  assert.match(login.text, /<html lang="en">/);
});

test('every public page links to itself in the other languages, each named in its own', async () => {
  const names = { en: 'English', es: 'Español', ja: '日本語', ko: '한국어', 'zh-Hant': '繁體中文' };
  for (const lang of LANGS) {
    const r = await srv.client().get(`/status?lang=${lang}&ref=P-AAAA-BBBB`);
    for (const other of LANGS) {
      const link = `<a href="/status?ref=P-AAAA-BBBB&amp;lang=${other}" lang="${other}" hreflang="${other}">${names[other]}</a>`;
      if (other === lang) assert.ok(!r.text.includes(link), `${lang} links to itself`);
      else assert.ok(r.text.includes(link), `${lang}: no link to ${other}`);
    }
    // The help line, in every language, on every page, with the department's telephone.
    for (const other of LANGS) {
      assert.ok(r.text.includes(`<li lang="${other}">${esc(tr(other, 'For help in English, call'))} <a href="tel:+13106185555">310-618-5555</a></li>`),
        `${lang}: no help line in ${other}`);
    }
  }
});

// ---- no text outside the catalogs: en-XA ----

// The words of a page a reader sees (text and aria-labels), without what another
// language's element holds (the language links, help lines, an untranslated page).
function visibleText(html) {
  let s = html.replace(/<(script|style)[\s\S]*?<\/\1>/g, '');
  // Elements marked with another language, innermost first, until none is left.
  for (let before = ''; before !== s;) {
    before = s;
    s = s.replace(/<(\w+)([^>]*\slang="(?!en-XA")[^"]*"[^>]*)>((?:(?!<\1[\s>])[\s\S])*?)<\/\1>/g, ' ');
  }
  s = s.replace(/<html lang="en-XA">/, '');
  const labels = [...s.matchAll(/aria-label="([^"]*)"/g)].map((m) => m[1]).join(' ');
  const text = s.replace(/<head>[\s\S]*?<\/head>/, (h) => (h.match(/<title>([\s\S]*?)<\/title>/) || ['', ''])[1])
    .replace(/<[^>]*>/g, ' ');
  return `${text} ${labels}`.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

// What may stay English in en-XA: names, data and what ICU writes (dates in en-XA are
// English), never a sentence of the portal's own.
const PROPER = [
  'Torrance Police Department Community Programs', 'Partners In Policing', 'Teens and Policing',
  'Community Affairs Unit, Torrance Police Department, 3300 Civic Center Drive, Torrance, CA 90503',
  'Torrance Police Department', 'programs@torranceca.gov', 'Community Room',
  /\d+ Civic Center Drive, Torrance, CA \d{5}/g, /[\w.+-]+@example\.(com|org)/g,
  /\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b/g,
  /\b(January|February|March|April|May|June|July|August|September|October|November|December)\b/g,
  /\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b/g, /\b(AM|PM|to)\b/g,
  /\bSession \d+\b/g, /\b[PT]-[0-9A-Z]{4}-[0-9A-Z]{4}\b/g, /\bMar[ií]a\b|\bL[oó]pez\d*\b|\bJos[eé]\b/g,
];
function englishLeft(html) {
  let t = visibleText(html);
  for (const p of PROPER) t = typeof p === 'string' ? t.split(p).join(' ') : t.replace(p, ' ');
  return [...t.matchAll(/[A-Za-z]{2,}/g)].map((m) => m[0]);
}

function assertAllPseudo(r, what) {
  assert.match(r.text, /<html lang="en-XA">/, `${what} is not in en-XA`);
  const left = englishLeft(r.text);
  assert.deepEqual(left, [], `${what}: English outside the catalogs: ${left.join(' ')}`);
}

test('en-XA: every public page carries no English outside the catalogs', async () => {
  const cls = openClass({ capacity: 2 });
  const c = srv.client();
  await c.get('/?lang=en-XA');
  const pages = ['/', '/pip', '/tap', '/pip/apply', '/status', '/status/resend', '/status/update',
    '/nowhere', '/status/result?view=expired'];
  for (const p of pages) assertAllPseudo(await c.get(p), p);
  // The form refused, with its error summary and field errors.
  const bad = await c.post('/pip/apply', application(cls.id, { first_name: '', email: 'nope',
    zip: '10001', dob: '2020-01-01', ack_background: undefined, phone: '12' }));
  assert.equal(bad.status, 422);
  assertAllPseudo(bad, 'the refused application');
  // An application, its confirmation, its status, the withdrawal question.
  await c.get('/pip/apply');
  const ok = await c.post('/pip/apply', application(cls.id, { email: 'pseudo@example.com' }));
  assert.equal(ok.status, 303);
  const ref = ok.headers.get('location').split('/').pop();
  assertAllPseudo(await c.get(`/confirmation/${ref}`), 'the confirmation');
  await c.get('/status');
  const st = await c.post('/status', { ref, email: 'pseudo@example.com' });
  assert.equal(st.status, 303);
  assertAllPseudo(await c.get(st.headers.get('location')), 'the status');
  const wrong = await c.post('/status', { ref, email: 'other@example.com' });
  assert.equal(wrong.status, 404);
  assertAllPseudo(wrong, 'the status not found');
  await c.get('/status');
  const ask = await c.post('/status/withdraw', { ref, email: 'pseudo@example.com' });
  assert.equal(ask.status, 200);
  assertAllPseudo(ask, 'the withdrawal question');
  // A full class, and a closed registration with the interest list.
  await c.get('/pip/apply');
  await c.post('/pip/apply', application(cls.id));
  assertAllPseudo(await c.get('/pip/apply'), 'the full class');
  srv.sql('UPDATE cohorts SET registration_open = 0');
  assertAllPseudo(await c.get('/pip/apply'), 'the stay-tuned page');
  const closed = await c.post('/pip/apply', application(cls.id));
  assert.equal(closed.status, 409);
  assertAllPseudo(closed, 'the 409 of a closed class');
  await c.get('/pip/apply');
  const joined = await c.post('/pip/interest', { email: 'later@example.com', name: '' });
  assert.equal(joined.status, 303);
  assertAllPseudo(await c.get(joined.headers.get('location')), 'the interest list joined');
  assert.equal(srv.sql("SELECT language FROM interest WHERE email = 'later@example.com'")[0].language, 'en');
});

// ---- e-mails in the application's language ----

test('an application made in Spanish gets its e-mails in Spanish, the subject encoded', async () => {
  const cls = openClass();
  const c = srv.client();
  await c.get('/pip/apply?lang=es');
  const email = 'sofia@example.com';
  const r = await c.post('/pip/apply', application(cls.id, { email, first_name: 'Sofía' }));
  assert.equal(r.status, 303, r.text.slice(0, 400));
  const ref = r.headers.get('location').split('/').pop();
  const [row] = srv.sql(`SELECT id, language FROM applications WHERE ref = '${ref}'`);
  assert.equal(row.language, 'es');
  const spanishMonth = new Intl.DateTimeFormat('es', { month: 'long', timeZone: 'UTC' })
    .format(Date.parse(`${FIRST}T00:00:00Z`));

  const [got] = await srv.delivered(email);
  const subject = header(got, 'Subject');
  assert.match(subject, /^=\?UTF-8\?B\?/, 'the subject is RFC 2047-encoded');
  assert.equal(decodeHeader(subject),
    fill(tr('es', 'Partners In Policing application received \u2013 %s'), {}, [ref]));
  assertHas(got.body, fill(tr('es', 'Hello {{{greet}}},'), { greet: 'Sofía' }), 'greeting');
  assertHas(got.body, fill(tr('es', 'Questions? Contact {{{contact}}}'), {
    contact: fill(tr('es', '%s. Telephone %s, email %s.'), {}, [
      'Community Affairs Unit, Torrance Police Department, 3300 Civic Center Drive, Torrance, CA 90503',
      '310-618-5555', 'programs@torranceca.gov']),
  }), 'contact line');
  assert.ok(got.body.includes(spanishMonth), `the date in Spanish (${spanishMonth})`);

  // A status change, decided by staff on an English page, still speaks Spanish.
  const admin = await signIn(ADMIN);
  await admin.get(`/admin/applications/${row.id}`);
  const acc = await admin.post(`/admin/applications/${row.id}/status`, { status: 'accepted', note: '' });
  assert.equal(acc.status, 303);
  const mails = await srv.delivered(email, 2);
  const accepted = mails[1];
  assert.equal(decodeHeader(header(accepted, 'Subject')),
    fill(tr('es', 'Your application %s \u2013 %s'), {}, [ref, tr('es', 'Accepted')]));
  assertHas(accepted.body, tr('es', 'You have a place.'), 'acceptance');
  assert.ok(accepted.body.includes(spanishMonth));

  // The reminder of the first session, in Spanish too.
  const tomorrow = addDays(new Date().toISOString().slice(0, 10), 2);
  srv.sql(`UPDATE cohort_sessions SET date = '${tomorrow}' WHERE cohort_id = ${cls.id} AND number = 1`);
  srv.sql(`UPDATE cohorts SET start_date = '${tomorrow}', reminders = 1 WHERE id = ${cls.id}`);
  srv.portal.kill('SIGTERM');
  await srv.portalExit;
  await srv.startPortal(); // the reminders job runs at start
  const withReminder = await srv.delivered(email, 3);
  const reminder = withReminder[2];
  const subj = decodeHeader(header(reminder, 'Subject'));
  const week = fill(tr('es', 'Reminder: %s %s begins on %s'), {}, ['Partners In Policing',
    fill(tr('es', 'Class %d'), {}, [cls.number]), '']);
  const day = fill(tr('es', 'Reminder: %s %s, session %d on %s'), {}, ['Partners In Policing',
    fill(tr('es', 'Class %d'), {}, [cls.number]), 1, '']);
  assert.ok(subj.startsWith(week) || subj.startsWith(day), `reminder subject ${subj}`);
  assertHas(reminder.body, fill(tr('es', 'Reference: {{{ref}}}'), { ref }), 'reminder reference');
});

test('a nomination with language=ko e-mails the guardian in Korean, the counselor in English', async () => {
  const year = Number(FIRST.slice(0, 4)) + 1;
  srv.sql("UPDATE cohorts SET registration_open = 0 WHERE program = 'tap'");
  const [{ id }] = srv.sql(`INSERT INTO cohorts (program, term, year, start_date, capacity,
    registration_open, created_at) VALUES ('tap', 'spring', ${year}, '${year}-01-20', 25, 1, 0)
    RETURNING id`);
  const counselor = await signIn(COUNSELOR);
  const form = await counselor.get('/tap/nominate');
  assert.match(form.text, /<select class="select" id="language" name="language"/);
  assert.match(form.text, /<option value="ko" lang="ko">한국어<\/option>/);
  const guardian = 'parent.kim@example.com';
  const r = await counselor.post('/tap/nominate', {
    semester: String(id), student_first_name: 'Minji', student_last_name: 'Kim',
    student_id: 'K778899', grade: '11', dob: `${year - 16}-03-01`, student_email: '',
    student_phone: '', guardian_name: 'Soo-jin Kim', guardian_phone: '310-555-0100',
    guardian_email: guardian, guardian_consent: 'yes', counselor_note: '', language: 'ko',
  });
  assert.equal(r.status, 303, r.text.slice(0, 500));
  const ref = r.headers.get('location').split('=').pop();
  assert.equal(srv.sql(`SELECT language FROM applications WHERE ref = '${ref}'`)[0].language, 'ko');
  const [toGuardian] = await srv.delivered(guardian);
  assert.equal(decodeHeader(header(toGuardian, 'Subject')),
    fill(tr('ko', '%s %s is nominated for Teens and Policing \u2013 %s'), {}, ['Minji', 'Kim', ref]));
  assertHas(toGuardian.body, fill(tr('ko', 'Hello {{{greet}}},'), { greet: 'Soo-jin Kim' }), 'greeting');
  assert.ok(toGuardian.body.includes(`${year}년 1월 20일`), 'the date in Korean');
  const [toCounselor] = await srv.delivered(COUNSELOR);
  assert.equal(decodeHeader(header(toCounselor, 'Subject')), `Teens and Policing nomination received \u2013 ${ref}`);
  assert.match(toCounselor.body, /^Hello Nora North,/);
  // A language that is none of the five is refused; the form keeps the choice.
  await counselor.get('/tap/nominate');
  const bad = await counselor.post('/tap/nominate', { semester: String(id), language: 'fr' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /Choose the family&#39;s language from the list/);
});

test('the CSV names each application\'s language, and staff see it on its page', async () => {
  const cls = openClass();
  for (const lang of ['ja', 'zh-Hant']) {
    const c = srv.client();
    await c.get(`/pip/apply?lang=${lang}`);
    const r = await c.post('/pip/apply', application(cls.id, { email: `${lang}@example.com` }));
    assert.equal(r.status, 303);
  }
  const admin = await signIn(ADMIN);
  const csv = await admin.get(`/admin/pip/classes/${cls.id}/applicants.csv`);
  assert.equal(csv.status, 200);
  const lines = csv.text.trim().split(/\r?\n/);
  const head = lines[0].split(',');
  const col = head.indexOf('language');
  assert.ok(col >= 0, lines[0]);
  const langs = lines.slice(1).map((l) => l.split(',')[col]).sort();
  assert.deepEqual(langs, ['ja', 'zh-Hant']);
  const [{ id }] = srv.sql("SELECT id FROM applications WHERE email = 'ja@example.com'");
  const page = await admin.get(`/admin/applications/${id}`);
  assert.match(page.text, /<dt>Language<\/dt><dd>Japanese<\/dd>/);
});

// ---- program pages per language ----

test('a program page shows its version in the reader\'s language, else English with a note', async () => {
  const admin = await signIn(ADMIN);
  const edit = await admin.get('/admin/pages/pip?lang=es');
  assert.equal(edit.status, 200);
  assert.match(edit.text, /Edit the Partners In Policing page in Spanish/);
  assert.match(edit.text, /<input type="hidden" name="lang" value="es">/);
  const saved = await admin.post('/admin/pages/pip', { lang: 'es', markdown: '## Una academia\n\nGratis.', action: 'save' });
  assert.equal(saved.status, 303);
  assert.equal(saved.headers.get('location'), '/admin/pages/pip?lang=es&saved=1');
  const rows = srv.sql("SELECT language, html FROM pages WHERE slug = 'pip' ORDER BY language");
  assert.deepEqual(rows.map((x) => x.language), ['en', 'es']);
  assert.match(rows[1].html, /<h2>Una academia<\/h2>/);

  const es = await srv.client().get('/pip?lang=es');
  assert.match(es.text, /<h2>Una academia<\/h2>/);
  assert.ok(!es.text.includes(esc(tr('es', 'This page has not been translated yet. Here it is in English.'))));
  const ja = await srv.client().get('/pip?lang=ja');
  assert.match(ja.text, /<div class="prose" lang="en">/);
  assert.match(ja.text, /A citizen police academy/);
  assert.ok(ja.text.includes(`<p class="notice">${esc(tr('ja', 'This page has not been translated yet. Here it is in English.'))}</p>`));
  const en = await srv.client().get('/pip?lang=en');
  assert.ok(!en.text.includes('This page has not been translated yet'));
  // A language that is not one of the five: 404, nothing stored.
  assert.equal((await admin.get('/admin/pages/pip?lang=fr')).status, 404);
  assert.equal((await admin.post('/admin/pages/pip', { lang: 'fr', markdown: 'x', action: 'save' })).status, 404);
  assert.equal(srv.sql("SELECT count(*) AS n FROM pages WHERE slug = 'pip'")[0].n, 2);
});

function esc(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
