--[[
  Projects one score-changed event into a contact's recent changes, once: an event whose
  sequence is not above the last projected one (a redelivery, or an older copy) changes nothing.
  A contact has one sequence for all its scores (docs/scoring-decisions.md "Several scores"), so
  one `sequence` field guards them all, and each score keeps its latest value in its own field.

  KEYS[1]  the contact's recent changes list <prefix>:recent:{contactId} (newest first, JSON)
  KEYS[2]  the contact's projection hash     <prefix>:proj:{contactId}   fields sequence, and
           per score its field (`score` for the score `score`, `score:<id>` for the others)
  ARGV[1]  sequence of the score change
  ARGV[2]  score after the change
  ARGV[3]  the list entry (JSON)
  ARGV[4]  entries kept
  ARGV[5]  the field of the change's score
  Returns  {1, score, sequence} when projected, {0, score, sequence} when ignored: the score's
           latest projected value and the contact's last projected sequence either way ({0}
           when the score has none), which the caller lists with project-leaderboard-2.lua on
           the score's board (in another slot). The pair is read in one script, so a later
           sequence always comes with a value at least as recent.
]]
local latest = redis.call('HMGET', KEYS[2], 'sequence', ARGV[5])
if tonumber(ARGV[1]) > tonumber(latest[1] or '0') then
  redis.call('LPUSH', KEYS[1], ARGV[3])
  redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[4]) - 1)
  redis.call('HSET', KEYS[2], 'sequence', ARGV[1], ARGV[5], ARGV[2])
  return {1, ARGV[2], ARGV[1]}
end
if not latest[2] then return {0} end
return {0, latest[2], latest[1]}
