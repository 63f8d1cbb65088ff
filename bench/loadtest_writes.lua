-- wrk script of the load test's secretariat writes (bench/loadtest.py): the HTMX minutes save,
-- as bench/htmx.py makes it. Run with one connection per thread (-tN -cN), so each thread's
-- requests and responses strictly alternate: the thread owns its items ($LOAD_ITEMS, one per
-- line: path, version, two bodies with __VERSION__ in them, tab-separated; item k belongs to
-- thread k mod N), saves them in turn with the version it last saw, and reads the new version
-- from each answer (the status region carries it, as the page's autosave reads it). A 409
-- (someone else saved) would be a bug here, since no two threads share an item; its answer
-- carries the current version, so the thread goes on. Every status but 200 is counted; at the
-- end one JSON object is written to $BENCH_OUT.

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  local writers = tonumber(os.getenv("LOAD_WRITERS"))
  items = {}
  local k = 0
  for line in io.lines(os.getenv("LOAD_ITEMS")) do
    if #line > 0 then
      if k % writers == id - 1 then
        local path, version, a, b = line:match("^([^\t]+)\t(%d+)\t([^\t]*)\t([^\t]*)$")
        table.insert(items, {path = path, version = version, bodies = {a, b}, saves = 0})
      end
      k = k + 1
    end
  end
  current = 0
  saved = 0
  non2xx = 0
  statuses = {}
end

function request()
  current = (current % #items) + 1
  local item = items[current]
  item.saves = item.saves + 1
  local body = item.bodies[item.saves % 2 + 1]:gsub("__VERSION__", item.version)
  return wrk.format("POST", item.path, nil, body)
end

function response(status, headers, body)
  local item = items[current]
  local version = body:match('name="version" value="(%d+)"')
  if version then item.version = version end
  if status == 200 then
    saved = saved + 1
  else
    non2xx = non2xx + 1
    local key = "s" .. status
    statuses[key] = (statuses[key] or 0) + 1
  end
end

function done(summary, latency, requests)
  local non2xx_total, saved_total, by_status = 0, 0, {}
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + thread:get("non2xx")
    saved_total = saved_total + thread:get("saved")
    for key, n in pairs(thread:get("statuses")) do
      by_status[key] = (by_status[key] or 0) + n
    end
  end
  local parts = {}
  for key, n in pairs(by_status) do
    table.insert(parts, string.format('"%s": %d', string.sub(key, 2), n))
  end
  local e = summary.errors
  local out = assert(io.open(os.getenv("BENCH_OUT"), "w"))
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "saved": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "non2xx": %d}, ' ..
    '"statuses": {%s}, ' ..
    '"latency_us": {"min": %d, "mean": %.1f, "max": %d, "p50": %d, "p90": %d, "p95": %d, "p99": %d}}\n',
    summary.requests, summary.duration, summary.bytes, saved_total,
    e.connect, e.read, e.write, e.timeout, non2xx_total,
    table.concat(parts, ", "),
    latency.min, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99)))
  out:close()
end
