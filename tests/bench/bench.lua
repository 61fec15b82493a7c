-- bench.lua: the wrk script of tests/bench/bench.sh.
-- BENCH_COOKIE: a Cookie header to send (a staff session, or the form's csrf cookie).
-- BENCH_AS_STAFF=1: send BENCH_STAFF_COOKIE instead (a staff session).
-- BENCH_LANG: an Accept-Language header to send (a page in another language).
-- BENCH_POST=apply: POST /pip/apply applications to class BENCH_CLASS with token
-- BENCH_CSRF, each with its own e-mail and name (duplicates are refused);
-- BENCH_POST=bare: POST the same bodies to the bare insert responder.
-- BENCH_POST=login: POST /login as bench1@example.org .. bench16@example.org in turn,
-- with password BENCH_PASSWORD and token BENCH_CSRF (BENCH_COOKIE its csrf cookie);
-- after a 503 or 429 the client waits out its Retry-After (at most 5 s) first.
-- BENCH_MIX=1: a mix of the pages people ask for most, one application in ten
-- (BENCH_STAFF_COOKIE signs the staff pages in).
-- BENCH_STOP_AFTER=N: each thread stops after its share of N answers (wrk then
-- ends before its duration).
-- Prints one line "BENCH requests/s p50_ms p99_ms http_errors socket_errors requests".
local cookie = os.getenv("BENCH_COOKIE")
local lang = os.getenv("BENCH_LANG")
local post = os.getenv("BENCH_POST")
local mix = os.getenv("BENCH_MIX")
local staff_cookie = os.getenv("BENCH_STAFF_COOKIE")
local class = os.getenv("BENCH_CLASS") or "1"
local csrf = os.getenv("BENCH_CSRF") or ""
local run = os.getenv("BENCH_RUN") or tostring(os.time())
local stop_after = tonumber(os.getenv("BENCH_STOP_AFTER") or "")
local password = os.getenv("BENCH_PASSWORD") or ""

local nthreads = 0
local threads = {}
function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
  table.insert(threads, thread)
end

local counter = 0
local get_headers = {}
if os.getenv("BENCH_AS_STAFF") then cookie = staff_cookie end
if cookie and cookie ~= "" then get_headers["Cookie"] = cookie end
if lang and lang ~= "" then get_headers["Accept-Language"] = lang end

-- One application, to path (nil: the URL given to wrk).
local function application(path)
  counter = counter + 1
  local n = run .. "x" .. tostring(tid) .. "x" .. counter
  local body = "class=" .. class .. "&first_name=Bench&last_name=Load" .. n ..
    "&dob=1980-05-17&email=b" .. n .. "%40example.com&phone=310-555-0123" ..
    "&street=2417+Elm+Avenue&city=Torrance&zip=90503&affiliation=resident" ..
    "&affiliation=work&work_detail=Torrance+Memorial&emergency_name=Jose+Lopez" ..
    "&emergency_phone=310-555-0199&referral=&ack_background=yes&csrf=" .. csrf
  local h = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  if cookie and cookie ~= "" then h["Cookie"] = cookie end
  return wrk.format("POST", path, h, body)
end

-- Percent-encodes a form value.
local function enc(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- One sign-in, by the next of the sixteen accounts (threads start at different ones).
local function signin()
  counter = counter + 1
  local who = (tid * 7 + counter) % 16 + 1
  local body = "email=bench" .. who .. "%40example.org&password=" .. enc(password) ..
    "&csrf=" .. enc(csrf)
  local h = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  if cookie and cookie ~= "" then h["Cookie"] = cookie end
  return wrk.format("POST", "/login", h, body)
end

-- The mix, one entry per request in turn: ten in all.
local mixed = {
  function() return wrk.format("GET", "/pip/apply") end,
  function() return wrk.format("GET", "/") end,
  function() return wrk.format("GET", "/pip/apply", { ["Accept-Language"] = "ja" }) end,
  function() return wrk.format("GET", "/pip/apply") end,
  function() return wrk.format("GET", "/status") end,
  function() return wrk.format("GET", "/pip") end,
  function() return wrk.format("GET", "/admin", { Cookie = staff_cookie }) end,
  function() return wrk.format("GET", "/pip/apply") end,
  function() return wrk.format("GET", "/login") end,
  function() return application("/pip/apply") end,
}
local turn = 0

function request()
  if mix then
    turn = turn % #mixed + 1
    return mixed[turn]()
  end
  if not post then
    return wrk.format("GET", nil, get_headers)
  end
  if post == "login" then return signin() end
  -- The bare responder gets the same body and stores it as one row.
  return application(nil)
end

-- A sign-in client does as a browser's user would: after a refusal it waits the
-- Retry-After seconds before trying again (run one connection a thread, so that the
-- wait is that client's own).
if post == "login" then
  local wait = 0
  function response(status, headers, body)
    wait = 0
    if status == 503 or status == 429 then
      local after = tonumber(headers["Retry-After"] or headers["retry-after"] or "") or 1
      wait = math.min(math.max(after, 1), 5) * 1000
    end
  end
  function delay()
    return wait
  end
end

local answered = 0
if stop_after then
  function response(status, headers, body)
    answered = answered + 1
    if answered >= stop_after / nthreads_total then wrk.thread:stop() end
  end
end

function init(args)
  nthreads_total = tonumber(os.getenv("BENCH_WRK_THREADS") or "1")
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %.1f %.2f %.2f %d %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout, summary.requests))
end
