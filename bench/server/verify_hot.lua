-- GET /v1/verify with one token (BENCH_TOKEN) on every request: the
-- token a busy client presents again and again.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")

wrk.method = "GET"
wrk.path = "/v1/verify"
wrk.headers["Authorization"] = "Bearer " .. assert(os.getenv("BENCH_TOKEN"))

done = common.done
