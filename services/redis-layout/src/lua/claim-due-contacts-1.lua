--[[
  Claims contacts whose windowed counts expire by now, for the decay sweeper. Claimed members
  get a lease (their score moves to now + lease), so another sweeper instance does not take them
  at the same time, and a sweeper that dies mid-work leaves them to be claimed again later.

  KEYS[1]  the decay index: a sorted set, member = contactId, score = next expiry (epoch ms)
  ARGV[1]  now (epoch ms)
  ARGV[2]  how many to claim at most
  ARGV[3]  lease (ms)
  Returns  the claimed contactIds
]]
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local leaseUntil = tonumber(ARGV[1]) + tonumber(ARGV[3])
for _, contact in ipairs(due) do
  redis.call('ZADD', KEYS[1], leaseUntil, contact)
end
return due
