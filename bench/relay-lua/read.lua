-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- ReadSecureContent on mailboxes made beforehand, as their sender.
dofile(os.getenv("TIGRESS_BENCH_LUA") .. "/common.lua")

local next_request

function init(args)
  math.randomseed(os.time() + thread_index)
  local claim = bench.setting("CLAIM", nil)
  local requests = {}
  for _, id in ipairs(bench.read_ids()) do
    requests[#requests + 1] = wrk.format("POST", "/v1/m/" .. id,
                                         { ["Mailbox-Device-Claim"] = claim }, "")
  end
  next_request = bench.cycle(requests)
end

function request()
  return next_request()
end
