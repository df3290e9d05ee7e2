-- wrk script: POST /orders through the gateway as many shoppers, each request with a fresh
-- Idempotency-Key, the full flow (users, products, payment, stock commit).
-- Shoppers and products come from the file named by the SHOPPERS env var, one line each:
--   <accessToken> <shippingAddressId>      and lines "product <id>".

local shoppers, products = {}, {}
-- thread_id is a global on purpose: setup() sets it per thread with thread:set.
local counter = 0
thread_id = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("SHOPPERS")) do
    local a, b = line:match("^(%S+) (%S+)$")
    if a == "product" then
      table.insert(products, b)
    elseif a then
      table.insert(shoppers, { token = a, address = b })
    end
  end
  run_id = os.time()
  math.randomseed(os.time() * 100 + thread_id)
end

function request()
  counter = counter + 1
  local s = shoppers[(counter + thread_id) % #shoppers + 1]
  local p = products[math.random(#products)]
  local body = string.format(
    '{"items":[{"productId":"%s","quantity":1}],"shippingAddressId":"%s",' ..
    '"payment":{"method":"card","token":"tok_ok"}}', p, s.address)
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. s.token,
    ["Idempotency-Key"] = string.format("bench-%d-%d-%d-%d", run_id, thread_id, counter,
                                         math.random(1e9)),
  }
  return wrk.format("POST", "/orders", headers, body)
end

-- Per thread; done() sums them over the threads (each thread is its own Lua state).
created, conflicts = 0, 0
function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status == 409 then
    conflicts = conflicts + 1
  end
end

function done(summary, latency, requests)
  local made, refused = 0, 0
  for _, t in ipairs(threads) do
    made = made + t:get("created")
    refused = refused + t:get("conflicts")
  end
  local out = string.format(
    '{"created":%d,"conflicts":%d,' ..
    '"requests":%d,"duration_us":%d,"non_2xx":%d,"socket_errors":%d,' ..
    '"p50_ms":%.2f,"p90_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f,"mean_ms":%.2f}',
    made, refused, summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000)
  io.write("WRK_JSON " .. out .. "\n")
end
