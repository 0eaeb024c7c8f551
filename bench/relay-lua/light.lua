-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- A light, steady load: each connection sends a request every
-- TIGRESS_BENCH_DELAY_MS, four reads for every update, on mailboxes made
-- beforehand (bench/relay runs it during the sweep, bench/soak all along).
dofile(os.getenv("TIGRESS_BENCH_LUA") .. "/common.lua")

local next_request
local pause_ms

function init(args)
  math.randomseed(os.time() + thread_index)
  pause_ms = tonumber(bench.setting("DELAY_MS", "10"))
  local claim = bench.setting("CLAIM", nil)
  local update = '{"payload":' .. bench.payload_json(700) .. '}'
  local requests = {}
  for i, id in ipairs(bench.read_ids()) do
    local headers = { ["Mailbox-Device-Claim"] = claim }
    if i % 5 == 0 then
      headers["Content-Type"] = "application/json"
      requests[#requests + 1] = wrk.format("PUT", "/v1/m/" .. id, headers, update)
    else
      requests[#requests + 1] = wrk.format("POST", "/v1/m/" .. id, headers, "")
    end
  end
  next_request = bench.cycle(requests)
end

function request()
  return next_request()
end

function delay()
  return pause_ms
end
