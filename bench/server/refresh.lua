-- POST /v1/auth/refresh with rotating tokens.  BENCH_TOKENS holds one
-- refresh token per session; thread k takes the sessions k, k + T, ...
-- Each request takes a token from the thread's queue and each 200 puts
-- back the refresh token of its answer, so every refresh token is used
-- exactly once and a session is only ever in one request at a time
-- (the queue must hold at least as many sessions as the thread has
-- connections).  A failed refresh loses its session; later requests
-- then go out with no token and count as non-2xx.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")

local queue, head, tail = {}, 1, 0
local headers = { ["Content-Type"] = "application/json" }

setup = common.setup

function init(args)
   local n = common.nthreads()
   for k, t in ipairs(common.read_lines(os.getenv("BENCH_TOKENS"))) do
      if (k - 1) % n == (id or 0) then
         tail = tail + 1
         queue[tail] = t
      end
   end
end

function request()
   local t = "none"
   if head <= tail then
      t = queue[head]
      queue[head] = nil
      head = head + 1
   end
   return wrk.format("POST", "/v1/auth/refresh", headers,
                     '{"refresh_token":"' .. t .. '"}')
end

function response(status, hdrs, body)
   if status == 200 then
      local rt = body:match('"refresh_token"%s*:%s*"([^"]+)"')
      if rt then
         tail = tail + 1
         queue[tail] = rt
      end
   end
end

done = common.done
