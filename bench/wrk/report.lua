-- Shared by the bench scripts: per-thread counts of responses by status, and one line of
-- JSON at the end that bench/*.py reads ("BENCH {...}").
local report = {}

local threads = {}

-- A distinct client address for each request of a thread (about 16 million before repeating).
function report.client_address()
  return string.format("%d.%d.%d.%d", 100 + thread_number % 100,
    math.floor(sent / 65536) % 256, math.floor(sent / 256) % 256, sent % 256)
end

-- Runs in wrk's main Lua state, once per thread, before the threads start.
function report.setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

-- Runs in a thread's state on every response.
function report.count(status)
  statuses[status] = (statuses[status] or 0) + 1
  answered = answered + 1
end

local function json_counts(counts)
  local parts = {}
  for status, count in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', status, count))
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

-- Runs in the main state after the run: sums the threads' counts.
function report.done(summary, latency)
  local totals, sent, answered_total, thanked_total = {}, 0, 0, 0
  for number, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
    sent = sent + thread:get("sent")
    answered_total = answered_total + thread:get("answered")
    thanked_total = thanked_total + thread:get("thanked")
    if number == 1 then
      -- wrk calls request() once in the first thread to check the script, without sending it.
      sent = sent - 1
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"duration_us": %d, "requests": %d, "sent": %d, "answered": %d, "thanked": %d, ' ..
    '"statuses": %s, "connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
    '"timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.duration, summary.requests, sent, answered_total, thanked_total, json_counts(totals),
    errors.connect, errors.read, errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end

return report
