-- wrk script for bench/sign_throughput.py: every request signs the petition as someone new.
--
--   wrk -s bench/wrk/sign.lua URL -- PATH CSRF_COOKIE CSRF_TOKEN POSTCODES ORIGIN RUN
--
-- Names are distinct (thread number and a counter), the postcodes valid ones from the
-- comma-separated list; the CSRF cookie and token come from one GET of the petition page.
-- Each request comes "through the load balancer" from its own address (X-Forwarded-For),
-- as a crowd of people signing would.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local report = require("report")

statuses, sent, answered, thanked = {}, 0, 0, 0
thread_number = 0

setup = report.setup
client_address = report.client_address

function init(args)
  path, cookie, token, origin, run = args[1], args[2], args[3], args[5], args[6]
  postcodes = {}
  for postcode in string.gmatch(args[4], "[^,]+") do
    table.insert(postcodes, (postcode:gsub(" ", "+")))
  end
end

function request()
  sent = sent + 1
  local body = "csrfmiddlewaretoken=" .. token
    .. "&name=Bench+Signer+" .. run .. "+" .. thread_number .. "-" .. sent
    .. "&address=&postcode=" .. postcodes[sent % #postcodes + 1]
    .. "&email="
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken=" .. cookie,
    ["Origin"] = origin,
    ["X-Forwarded-Proto"] = "https",
    ["X-Forwarded-For"] = client_address(),
  }, body)
end

function response(status, headers, body)
  report.count(status)
  local location = headers["Location"] or headers["location"] or ""
  if status >= 300 and status < 400 and location:find("/thank%-you/") then
    thanked = thanked + 1
  end
end

done = report.done
