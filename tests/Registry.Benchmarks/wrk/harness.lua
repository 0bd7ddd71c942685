-- wrk script of the performance harness (tests/Registry.Benchmarks). Arguments after `--`:
--   paths=FILE    one request path per line; each connection cycles through them from its own starting line
--   body=FILE     the request body (sent with every request)
--   method=POST   the method (default GET)
--   type=TEXT     the body's Content-Type
-- Headers common to every request (the API key) come from wrk's -H. done() prints one line starting with
-- "HARNESS " and holding JSON: counts, the duration, and latency percentiles in microseconds, which the harness parses.

local paths = {}
local next_path = 0
local threads = 0

function setup(thread)
   thread:set("id", threads)
   threads = threads + 1
end

function init(args)
   for _, arg in ipairs(args) do
      local key, value = arg:match("^(%w+)=(.*)$")
      if key == "paths" then
         for line in io.lines(value) do
            if #line > 0 then paths[#paths + 1] = line end
         end
      elseif key == "body" then
         local file = assert(io.open(value, "rb"))
         wrk.body = file:read("*a")
         file:close()
      elseif key == "method" then
         wrk.method = value
      elseif key == "type" then
         wrk.headers["Content-Type"] = value
      else
         error("unknown argument " .. arg)
      end
   end
   -- Threads start at different lines, so concurrent connections do not ask for the same thing in lockstep.
   if #paths > 0 then next_path = (id * 7919) % #paths end
end

function request()
   if #paths == 0 then return wrk.request() end
   next_path = next_path % #paths + 1
   return wrk.format(nil, paths[next_path])
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'HARNESS {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,' ..
      '"status_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
      summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
