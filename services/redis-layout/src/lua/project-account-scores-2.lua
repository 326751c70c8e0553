--[[
  Projects a chunk of account-score-changed events into the account leaderboard, each at most
  once: an event whose sequence is not above the last one projected for its account (a
  redelivery, a duplicate, an older copy a zombie produces late) changes nothing. The board and
  the sequences share one hash tag, so one script writes both atomically, on a cluster too: no
  crash between two writes to heal, and no older score can overwrite a newer one.

  KEYS[1]  the account leaderboard   <prefix>:{account-leaderboard}:scores     sorted set accountId → score
  KEYS[2]  the projected sequences   <prefix>:{account-leaderboard}:sequences  hash accountId → last sequence
  ARGV     triples: accountId, sequence, score (1 to n of them)
  Returns  how many triples were projected (the others were not above their account's last sequence)
]]
local projected = 0
for i = 1, #ARGV, 3 do
  local account = ARGV[i]
  local sequence = tonumber(ARGV[i + 1])
  local last = tonumber(redis.call('HGET', KEYS[2], account) or '0')
  if sequence > last then
    redis.call('HSET', KEYS[2], account, ARGV[i + 1])
    redis.call('ZADD', KEYS[1], ARGV[i + 2], account)
    projected = projected + 1
  end
end
return projected
