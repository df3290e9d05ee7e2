-- wrk script: GET BENCH_PATH over and over with the headers in BENCH_HEADERS (a flat JSON
-- object of strings). done() prints one line "WRK_JSON {...}" that bench/wrk.py parses.

local path = os.getenv("BENCH_PATH") or "/"
local headers = { ["Accept"] = "application/json" }
for name, value in string.gmatch(os.getenv("BENCH_HEADERS") or "", '"([^"]+)"%s*:%s*"([^"]*)"') do
  headers[name] = value
end

function request()
  return wrk.format("GET", path, headers)
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
