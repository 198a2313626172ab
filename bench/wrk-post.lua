-- wrk script for bench/run: POSTs one JSON body with extra headers.
--   wrk ... -s bench/wrk-post.lua URL -- BODY_FILE ["Name: value"]...
-- Prints one JSON line at the end: answers (complete responses, any status),
-- non-2xx/3xx count, socket errors, duration and rate.
init = function(args)
  local f = assert(io.open(args[1], "rb"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/json"
  for i = 2, #args do
    local name, value = args[i]:match("^([^:]+):%s*(.*)$")
    if name then wrk.headers[name] = value end
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"answers":%d,"status_errors":%d,"socket_errors":%d,"timeouts":%d,"seconds":%.3f,"rps":%.1f,"p50_us":%.1f,"p99_us":%.1f}\n',
    summary.requests, e.status, e.connect + e.read + e.write, e.timeout,
    summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99)))
end
