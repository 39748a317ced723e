-- wrk script for bench/page_throughput.py: GETs of one path by first-time visitors
-- (no cookies), each from its own address behind the load balancer.
--
--   wrk -s bench/wrk/get.lua URL -- PATH
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local report = require("report")

statuses, sent, answered, thanked = {}, 0, 0, 0
thread_number = 0

setup = report.setup
client_address = report.client_address

function init(args)
  path = args[1]
end

function request()
  sent = sent + 1
  return wrk.format("GET", path, {
    ["X-Forwarded-Proto"] = "https",
    ["X-Forwarded-For"] = client_address(),
  })
end

function response(status, headers, body)
  report.count(status)
end

done = report.done
