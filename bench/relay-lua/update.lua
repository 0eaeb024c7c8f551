-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- UpdateMailbox by the sender of mailboxes made beforehand, a 1 KiB body.
dofile(os.getenv("TIGRESS_BENCH_LUA") .. "/common.lua")

local next_request

function init(args)
  math.randomseed(os.time() + thread_index)
  local claim = bench.setting("CLAIM", nil)
  local body = '{"payload":' .. bench.payload_json(700) .. '}'
  local requests = {}
  for _, id in ipairs(bench.read_ids()) do
    requests[#requests + 1] = wrk.format("PUT", "/v1/m/" .. id,
                                         { ["Mailbox-Device-Claim"] = claim,
                                           ["Content-Type"] = "application/json" },
                                         body)
  end
  next_request = bench.cycle(requests)
end

function request()
  return next_request()
end
