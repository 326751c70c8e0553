--[[
  Applies one MQL threshold crossing to a contact's lifecycle stage, atomically and at most
  once per crossing id. An up-crossing moves the contact to the target stage unless it is
  already there or beyond; a down-crossing never demotes. Every crossing is recorded in the
  history; a crossing id already in the history is a redelivery and changes nothing.

  KEYS[1]  the contact's stage hash       <prefix>:stage:{contactId}
           fields stage, changedAt, changeId, causeId, reason
  KEYS[2]  the contact's history list     <prefix>:stage-history:{contactId} (newest first, JSON)
  ARGV[1]  crossing id (threshold-crossed `id`)
  ARGV[2]  direction: UP or DOWN
  ARGV[3]  target stage, e.g. MARKETING_QUALIFIED
  ARGV[4]  the stage order, comma-separated, lowest first
  ARGV[5]  change id (deterministic, derived from the crossing id)
  ARGV[6]  now, epoch ms (changedAt / recordedAt)
  ARGV[7]  threshold name
  ARGV[8]  score after the crossing
  ARGV[9]  history length kept (entries)
  ARGV[10] reason text of a move
  Returns  {status, entry JSON}: status 1 moved, 0 recorded without a move, 2 redelivery (the
           entry recorded the first time, so a move it made can be emitted again)
]]
local history = redis.call('LRANGE', KEYS[2], 0, -1)
for _, raw in ipairs(history) do
  if cjson.decode(raw).crossingId == ARGV[1] then
    return {2, raw}
  end
end

local rank = {}
local i = 0
for stage in string.gmatch(ARGV[4], '[^,]+') do
  rank[stage] = i
  i = i + 1
end

local current = redis.call('HGET', KEYS[1], 'stage')
local currentRank = -1
if current then currentRank = rank[current] or -1 end

local entry = {
  crossingId = ARGV[1],
  threshold = ARGV[7],
  direction = ARGV[2],
  score = tonumber(ARGV[8]),
  recordedAt = tonumber(ARGV[6]),
  from = current or cjson.null,
}
local status = 0
if ARGV[2] == 'UP' and currentRank < rank[ARGV[3]] then
  redis.call('HSET', KEYS[1], 'stage', ARGV[3], 'changedAt', ARGV[6], 'changeId', ARGV[5], 'causeId', ARGV[1], 'reason', ARGV[10])
  entry.to = ARGV[3]
  entry.outcome = 'moved'
  entry.changeId = ARGV[5]
  entry.reason = ARGV[10]
  status = 1
elseif ARGV[2] == 'UP' then
  entry.outcome = 'already-at-or-beyond'
else
  entry.outcome = 'not-demoted'
end
local raw = cjson.encode(entry)
redis.call('LPUSH', KEYS[2], raw)
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[9]) - 1)
return {status, raw}
