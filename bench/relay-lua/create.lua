-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- CreateMailbox with a 1 KiB body, all by one claim.
--   TIGRESS_BENCH_OUT         thread N writes the ids it made to OUT.N and,
--                             after TIGRESS_BENCH_COUNT of them, creates
--                             OUT.done.N and stops
--   TIGRESS_BENCH_EXPIRATION  when they expire (RFC 3339), or
--   TIGRESS_BENCH_EXPIRES_IN  seconds after each create
--   TIGRESS_BENCH_DELAY_MS    a pause before each request (a paced load)
dofile(os.getenv("TIGRESS_BENCH_LUA") .. "/common.lua")

local out = nil
local limit = nil
local answered = 0
local claim
local expires_in
local pause_ms
local cached_second = nil
local cached_request = nil

local function body_expiring(expiration)
  local config = ""
  if expiration ~= nil then
    config = ',"mailboxConfiguration":{"expiration":"' .. expiration .. '"}'
  end
  return '{"payload":' .. bench.payload_json(650) ..
         ',"displayInformation":{"title":"Front door","description":' ..
         '"A key shared for the benchmark"}' .. config .. '}'
end

local function headers()
  return { ["Mailbox-Device-Claim"] = claim, ["Content-Type"] = "application/json" }
end

function init(args)
  claim = bench.setting("CLAIM", nil)
  expires_in = tonumber(bench.setting("EXPIRES_IN", nil))
  pause_ms = tonumber(bench.setting("DELAY_MS", nil))
  wrk.method = "POST"
  wrk.path = "/v1/m"
  -- Added to wrk's own headers, which already name the Host.
  for name, value in pairs(headers()) do
    wrk.headers[name] = value
  end
  wrk.body = body_expiring(bench.setting("EXPIRATION", nil))
  local out_path = bench.setting("OUT", nil)
  if out_path ~= nil then
    out = io.open(out_path .. "." .. thread_index, "w")
    limit = tonumber(bench.setting("COUNT", "0"))
  end
end

-- With a relative expiry the body changes once a second.
if os.getenv("TIGRESS_BENCH_EXPIRES_IN") ~= nil then
  function request()
    local now = os.time()
    if now ~= cached_second then
      local expiration = os.date("!%Y-%m-%dT%H:%M:%SZ", now + expires_in)
      cached_request = wrk.format("POST", "/v1/m", headers(), body_expiring(expiration))
      cached_second = now
    end
    return cached_request
  end
end

if os.getenv("TIGRESS_BENCH_DELAY_MS") ~= nil then
  function delay()
    return pause_ms
  end
end

-- Only when ids are wanted: wrk reads every answer's body once a script
-- has a response function.
if os.getenv("TIGRESS_BENCH_OUT") ~= nil then
  function response(status, headers, body)
    if out == nil then
      return
    end
    local id = status == 200 and body:match("/v1/m/([0-9a-f%-]+)")
    if id then
      out:write(id, "\n")
      answered = answered + 1
    end
    if limit > 0 and answered >= limit then
      out:close()
      out = nil
      -- wrk runs for its whole -d even when every thread stopped: the
      -- marker tells the caller it may stop wrk now.
      io.open(bench.setting("OUT", nil) .. ".done." .. thread_index, "w"):close()
      wrk.thread:stop()
    end
  end
end
