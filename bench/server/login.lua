-- POST /v1/auth/login: one user (BENCH_USER), the right password
-- (BENCH_PASSWORD), on every request.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")

wrk.method = "POST"
wrk.path = "/v1/auth/login"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"username":"%s","password":"%s"}',
                         assert(os.getenv("BENCH_USER")),
                         assert(os.getenv("BENCH_PASSWORD")))

done = common.done
