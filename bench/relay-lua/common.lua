-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- Shared by the wrk scripts of bench/relay and bench/soak. Settings come
-- from the environment (TIGRESS_BENCH_*), set by those scripts.

bench = {}

function bench.setting(name, default)
  local value = os.getenv("TIGRESS_BENCH_" .. name)
  if value == nil or value == "" then
    return default
  end
  return value
end

-- The mailbox ids made beforehand, one per line.
function bench.read_ids()
  local ids = {}
  local path = bench.setting("IDS", nil)
  if path == nil then
    return ids
  end
  for line in io.lines(path) do
    if line ~= "" then
      ids[#ids + 1] = line
    end
  end
  return ids
end

-- A sealed payload of the given size in base64, the same bytes each time.
function bench.payload_json(bytes)
  local data = string.rep("QUJD", math.floor(bytes * 4 / 3 / 4))
  return '{"type":"AEAD_AES_256_GCM","data":"' .. data .. '"}'
end

-- Pre-formatted requests, one per mailbox, so that the hot path only picks
-- the next one; each thread starts at a different place.
function bench.cycle(requests)
  local next_index = math.random(#requests)
  return function()
    local request = requests[next_index]
    next_index = next_index % #requests + 1
    return request
  end
end

-- Numbering the threads lets each one write a file of its own.
local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_index", thread_count)
end

-- One line bench/relay reads: requests, rate, latency percentiles, errors.
function done(summary, latency, requests)
  local errors = summary.errors
  local failed = errors.connect + errors.read + errors.write + errors.status +
                 errors.timeout
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
    "errors=%d status_errors=%d\n",
    summary.requests, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, failed, errors.status))
end
