--[[
  Takes ids off a root's pending list once their states are absorbed (committed into the root's
  state, which marks each of them). Idempotent; ids pending elsewhere, or a root with no list
  any more (it was merged into another tree, its list moved with it), are left as they are.

  KEYS[1]  <prefix>:{identity}:pending
  ARGV[1]  the root
  ARGV[2..] the ids absorbed (each entry of the list is {"id", "cause", "at"})
  Returns  how many ids are still pending at the root
]]
local held = redis.call('HGET', KEYS[1], ARGV[1])
if not held then return 0 end
local done = {}
for i = 2, #ARGV do done[ARGV[i]] = true end
local kept = {}
for _, member in ipairs(cjson.decode(held)) do
  if not done[member.id] then kept[#kept + 1] = member end
end
if #kept == 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(kept))
end
return #kept
