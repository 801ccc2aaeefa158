-- bench/server/common.lua - shared by the wrk scripts of the server
-- benchmark: reading token files, numbering threads, and one line of
-- JSON with the results, which bench_server.py reads.
--
-- Environment: BENCH_THREADS (wrk -t), BENCH_TOKENS (a file, one token
-- a line).
local M = {}

function M.read_lines(path)
   local lines = {}
   local f = assert(io.open(path, "r"))
   for line in f:lines() do
      if #line > 0 then lines[#lines + 1] = line end
   end
   f:close()
   assert(#lines > 0, path .. ": no tokens")
   return lines
end

-- setup() runs in the main state once per thread: give each an id.
local next_id = 0
function M.setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
end

function M.nthreads()
   return tonumber(os.getenv("BENCH_THREADS") or "2")
end

function M.done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
      '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, latency.mean))
end

return M
