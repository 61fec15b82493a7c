-- bench.lua: the wrk script of tests/bench/bench.sh.
-- BENCH_COOKIE: a Cookie header to send (a staff session, or the form's csrf cookie).
-- BENCH_POST=apply: POST /pip/apply applications to class BENCH_CLASS with token
-- BENCH_CSRF, each with its own e-mail and name (duplicates are refused);
-- BENCH_POST=bare: POST the same body to the bare responder.
-- BENCH_POST=login: POST /login as bench1@example.org .. bench16@example.org in turn,
-- with password BENCH_PASSWORD and token BENCH_CSRF (the Cookie its csrf cookie).
-- Prints one line "BENCH requests/s p50_ms p99_ms http_errors socket_errors".
local cookie = os.getenv("BENCH_COOKIE")
local post = os.getenv("BENCH_POST")
local class = os.getenv("BENCH_CLASS") or "1"
local csrf = os.getenv("BENCH_CSRF") or ""
local run = os.getenv("BENCH_RUN") or tostring(os.time())

local nthreads = 0
function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
end

local counter = 0
local get_headers = {}
if cookie and cookie ~= "" then get_headers["Cookie"] = cookie end

local password = os.getenv("BENCH_PASSWORD") or ""

-- Percent-encodes a form value.
local function enc(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function request()
  if not post then
    return wrk.format("GET", nil, get_headers)
  end
  counter = counter + 1
  if post == "login" then
    local who = (tid * 7 + counter) % 16 + 1
    local body = "email=bench" .. who .. "%40example.org&password=" .. enc(password) ..
      "&csrf=" .. csrf
    local h = { ["Content-Type"] = "application/x-www-form-urlencoded" }
    if cookie and cookie ~= "" then h["Cookie"] = cookie end
    return wrk.format("POST", "/login", h, body)
  end
  local n = run .. "x" .. tostring(tid) .. "x" .. counter
  local body = "class=" .. class .. "&first_name=Bench&last_name=Load" .. n ..
    "&dob=1980-05-17&email=b" .. n .. "%40example.com&phone=310-555-0123" ..
    "&street=2417+Elm+Avenue&city=Torrance&zip=90503&affiliation=resident" ..
    "&affiliation=work&work_detail=Torrance+Memorial&emergency_name=Jose+Lopez" ..
    "&emergency_phone=310-555-0199&referral=&ack_background=yes&csrf=" .. csrf
  local h = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  if cookie and cookie ~= "" then h["Cookie"] = cookie end
  return wrk.format("POST", nil, h, body)
end

-- A sign-in client does as a browser's user would: after a 503 or 429 it waits the
-- Retry-After second before trying again (run one connection a thread, so that the
-- wait is that client's own).
if post == "login" then
  local wait = 0
  function response(status, headers, body)
    wait = (status == 503 or status == 429) and 1000 or 0
  end
  function delay()
    return wait
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %.1f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
