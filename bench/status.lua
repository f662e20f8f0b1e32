-- wrk script for bench.run: counts responses whose status is not 200.
-- wrk's own "Non-2xx or 3xx responses" line does not count redirects, and a lost session gets a
-- 303 to the login page, so the bench checks this count too.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  not_200 = 0
end

function response(status, headers, body)
  if status ~= 200 then
    not_200 = not_200 + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("not_200") or 0)
  end
  io.write(string.format("brug-not-200: %d\n", total))
end
