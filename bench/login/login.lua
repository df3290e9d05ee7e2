-- wrk script: POST /auth/login through the gateway, cycling over the accounts in the file
-- named by ACCOUNTS ("<email> <password>" per line). done() prints "WRK_JSON {...}".

local accounts = {}
local counter = 0

function init(args)
  for line in io.lines(os.getenv("ACCOUNTS")) do
    local email, password = line:match("^(%S+) (%S+)$")
    if email then
      table.insert(accounts, string.format('{"email":"%s","password":"%s"}', email, password))
    end
  end
end

function request()
  counter = counter + 1
  local body = accounts[counter % #accounts + 1]
  return wrk.format("POST", "/auth/login", { ["Content-Type"] = "application/json" }, body)
end

function done(summary, latency, requests)
  local out = string.format(
    '{"requests":%d,"duration_us":%d,"non_2xx":%d,"socket_errors":%d,' ..
    '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f}',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000)
  io.write("WRK_JSON " .. out .. "\n")
end
