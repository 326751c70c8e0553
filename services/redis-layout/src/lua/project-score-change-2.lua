--[[
  Projects one score-changed event into a contact's recent changes, once: an event whose
  sequence is not above the last projected one (a redelivery, or an older copy) changes nothing.

  KEYS[1]  the contact's recent changes list <prefix>:recent:{contactId} (newest first, JSON)
  KEYS[2]  the contact's projection hash     <prefix>:proj:{contactId}   fields sequence, score
  ARGV[1]  sequence of the score change
  ARGV[2]  score after the change
  ARGV[3]  the list entry (JSON)
  ARGV[4]  entries kept
  Returns  {1, score, sequence} when projected, {0, score, sequence} when ignored: the contact's
           latest projected score and its sequence either way (nil, nil when none), which the
           caller lists with project-leaderboard-2.lua (the leaderboard is in another slot)
]]
local latest = redis.call('HMGET', KEYS[2], 'sequence', 'score')
if tonumber(ARGV[1]) > tonumber(latest[1] or '0') then
  redis.call('LPUSH', KEYS[1], ARGV[3])
  redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[4]) - 1)
  redis.call('HSET', KEYS[2], 'sequence', ARGV[1], 'score', ARGV[2])
  return {1, ARGV[2], ARGV[1]}
end
return {0, latest[2], latest[1]}
