-- wrk script for bench/loadgen.py --client wrk: sends pre-built raw HTTP/1.1 requests
-- (the file named by WRK_REQUESTS, separated by NUL bytes), picked at random, counts the
-- responses by status and prints one JSON line when done.
local requests = {}
counts = {}  -- a global: done() reads it from each thread (thread:get)
local threads = {}

local function load()
  local fh = assert(io.open(os.getenv("WRK_REQUESTS"), "rb"))
  local data = fh:read("*a")
  fh:close()
  for item in string.gmatch(data, "([^%z]+)") do
    requests[#requests + 1] = item
  end
  assert(#requests > 0, "no requests in WRK_REQUESTS")
end

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  load()
  math.randomseed(tonumber(os.getenv("WRK_SEED") or "1"))
end

function request()
  return requests[math.random(#requests)]
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, _requests)
  local statuses = {}
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for status, n in pairs(c) do
      statuses[tostring(status)] = (statuses[tostring(status)] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(statuses) do
    parts[#parts + 1] = string.format('"%s": %d', status, n)
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "statuses": {%s}, "errors": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, table.concat(parts, ", "),
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
