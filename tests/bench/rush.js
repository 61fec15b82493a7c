// rush.js: a registration rush for tests/bench/bench.sh: N applications to one class,
// sent at an even pace over SECONDS from CONNS kept connections (through nginx, as
// people's browsers would), each with its own name and address.  Prints one JSON line:
// answers by status, p50 and p99 latency (ms, from sending to the whole answer), the
// seconds from the first send to the last answer, and socket errors.
// usage: node rush.js BASE CLASS CSRF COOKIE [N] [CONNS] [SECONDS]
'use strict';
const http = require('node:http');

const [base, classId, csrf, cookie] = process.argv.slice(2, 6);
const n = Number(process.argv[6] || 2000);
const conns = Number(process.argv[7] || 200);
const seconds = Number(process.argv[8] || 10);
const url = new URL('/pip/apply', base);
const agent = new http.Agent({ keepAlive: true, maxSockets: conns });
const run = Date.now().toString(36);

function body(k) {
  return new URLSearchParams([
    ['class', classId], ['first_name', 'Rush'], ['last_name', `Person${k}`],
    ['dob', '1980-05-17'], ['email', `rush${run}x${k}@example.com`], ['phone', '310-555-0123'],
    ['street', '2417 Elm Avenue'], ['city', 'Torrance'], ['zip', '90503'],
    ['affiliation', 'resident'], ['emergency_name', 'Jose Lopez'],
    ['emergency_phone', '310-555-0199'], ['referral', ''], ['ack_background', 'yes'],
    ['csrf', csrf],
  ]).toString();
}

const statuses = {};
const latencies = [];
let errors = 0;
let lastAnswer = 0;

function send(k) {
  return new Promise((resolve) => {
    const data = body(k);
    const t = performance.now();
    const req = http.request(url, {
      method: 'POST', agent,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(data), Cookie: cookie },
    }, (res) => {
      res.resume();
      res.on('end', () => {
        statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1;
        latencies.push(performance.now() - t);
        lastAnswer = performance.now();
        resolve();
      });
    });
    req.on('error', () => { errors += 1; resolve(); });
    req.end(data);
  });
}

async function main() {
  const t0 = performance.now();
  const gap = (seconds * 1000) / n;
  const all = [];
  for (let k = 0; k < n; k++) {
    const due = t0 + k * gap;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    all.push(send(k));
  }
  await Promise.all(all);
  latencies.sort((a, b) => a - b);
  const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] : 0);
  console.log(JSON.stringify({
    statuses, errors, p50: Number(pct(0.5).toFixed(2)), p99: Number(pct(0.99).toFixed(2)),
    seconds: Number(((lastAnswer - t0) / 1000).toFixed(2)),
  }));
  agent.destroy();
}
main();
