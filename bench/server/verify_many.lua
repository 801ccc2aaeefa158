-- GET /v1/verify (or BENCH_PATH) through the tokens of BENCH_TOKENS in
-- turn, each thread starting at its own offset: with 10,000 tokens no
-- token comes back within a second, so every request costs a signature
-- check unless the server remembers more than that.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")

local path = os.getenv("BENCH_PATH") or "/v1/verify"
local reqs, i

setup = common.setup

function init(args)
   local tokens = common.read_lines(os.getenv("BENCH_TOKENS"))
   reqs = {}
   for k, t in ipairs(tokens) do
      reqs[k] = wrk.format("GET", path, { Authorization = "Bearer " .. t })
   end
   i = math.floor(#reqs * (id or 0) / common.nthreads())
end

function request()
   i = i % #reqs + 1
   return reqs[i]
end

done = common.done
