-- wrk script: POSTs a distinct call.hungup webhook per request (the
-- acknowledgement path: parse, authenticate, store, answer, then merge).
local counter = 0
local token = os.getenv("AG_BENCH_TOKEN") or "missing"
local base = tonumber(os.getenv("AG_BENCH_BASE") or "100000000")

request = function()
  counter = counter + 1
  local id = base + counter * 7 + math.random(0, 6)
  local body = string.format(
    '{"resource":"call","event":"call.hungup","timestamp":%d,"token":"%s",' ..
    '"data":{"id":%d,"direction":"inbound","status":"done","started_at":1700000000,' ..
    '"answered_at":null,"ended_at":1700000030,"duration":30,"raw_digits":"+34 666 44 45 55",' ..
    '"number":{"id":2001,"name":"Support line","digits":"+33 1 76 11 11 11"},"user":null,"contact":null}}',
    1700000000 + counter, token, id)
  return wrk.format("POST", "/webhooks/aircall", {["Content-Type"] = "application/json"}, body)
end
