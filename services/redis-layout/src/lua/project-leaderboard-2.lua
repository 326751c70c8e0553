--[[
  Writes a chunk of the contact leaderboard so that each entry only moves forward: a contact is
  listed only with a sequence above the one recorded for it, and a contact taken off as merged
  away is never listed again. The per-contact projection (project-score-change-2.lua) is in the
  contact's slot, so two projection instances handling changes of one contact (two read API
  replicas, a rebalance whose old owner is slow) can each read back a latest score and write it
  here in either order; this check is what keeps the older one from landing last. The sequences'
  hash tag is the leaderboard's own key, so both keys are in one slot, on a cluster too.

  Merged away is for good (the identity forest never gives an id its parent back), so the
  unlisting records `merged` instead of a sequence: a change of the contact that its projection
  saw before the forest was linked, and writes late, cannot bring it back.

  KEYS[1]  the leaderboard    <prefix>:leaderboard                                   sorted set contactId → score
  KEYS[2]  its sequences      <prefix>:leaderboard:sequences:{<prefix>:leaderboard}  hash contactId → sequence listed, or 'merged'
  ARGV     triples: contactId, sequence, score (1 to n of them); the sequence 'merged' takes the
           contact off for good (its score is not read)
  Returns  {listed, unlisted}: how many triples wrote their score, how many entries the merged-away
           contacts took off (a missing sequence counts as older than any: entries written before
           the sequences were recorded move on with the contact's next change)
]]
local listed, unlisted = 0, 0
for i = 1, #ARGV, 3 do
  local contact = ARGV[i]
  local last = redis.call('HGET', KEYS[2], contact)
  if ARGV[i + 1] == 'merged' then
    if last ~= 'merged' then redis.call('HSET', KEYS[2], contact, 'merged') end
    unlisted = unlisted + redis.call('ZREM', KEYS[1], contact)
  elseif last ~= 'merged' and tonumber(ARGV[i + 1]) > tonumber(last or '0') then
    redis.call('HSET', KEYS[2], contact, ARGV[i + 1])
    redis.call('ZADD', KEYS[1], ARGV[i + 2], contact)
    listed = listed + 1
  end
end
return {listed, unlisted}
