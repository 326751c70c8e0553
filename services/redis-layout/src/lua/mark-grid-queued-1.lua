--[[
  Marks a grid switch as fully queued (every contact is in the re-evaluation index), unless
  another grid was recorded meanwhile (then that switch's own queueing is still owed).

  KEYS[1]  the grid record (see switch-grid-1.lua)
  ARGV[1]  the fingerprint whose contacts were queued
  Returns  1 when marked, 0 when the record holds another grid now
]]
if redis.call('HGET', KEYS[1], 'fingerprint') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'queued', '1')
return 1
