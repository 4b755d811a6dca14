-- wrk script: 1-item friend_add requests with a real admin UserSig. Every request has another
-- target than the one before, and no (From_Account, To_Account) pair repeats within a run:
-- senders user1..user1000 take turns, each with a new target on each of its turns; the targets
-- of the two wrk threads are in disjoint ranges (user10000.. and user60000..).
-- QUERY (with a real admin UserSig) and ACCOUNTS come from the environment.
local query = os.getenv("QUERY")
local accounts = tonumber(os.getenv("ACCOUNTS") or "100000")
local counter = 0
local thread_id = 0
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
end

function init(args)
  thread_id = tonumber(tid) or 0
  counter = 0
end

function request()
  counter = counter + 1
  local from = (counter % 1000) + 1
  local to = thread_id * 50000 - 40000 + ((counter % 1000) + math.floor(counter / 1000)) % 50000
  local body = '{"From_Account":"user' .. from .. '","AddFriendItem":[{"To_Account":"user' .. to ..
    '","AddSource":"AddSource_Type_Bench","Remark":"","GroupName":""}]}'
  return wrk.format("POST", "/v4/sns/friend_add?" .. query, {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, errors connect %d read %d write %d status %d timeout %d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
end
