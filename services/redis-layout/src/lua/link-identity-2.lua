--[[
  Links two identity trees for a contact_merged (docs/identity.md "The streaming merge"): the
  one atomic decision of a merge. Both ids are resolved to their roots first; when they differ,
  the source's root becomes a child of the target's root, and every id of the source's tree
  whose state is not yet absorbed (the source root itself, and what was pending at it) is now
  pending at the target's root. Merges of one tree therefore never form a cycle, and a repeated
  or redelivered merge links nothing ('same'): its caller still finishes the absorb of what is
  pending, which is how a merge interrupted by a crash completes.

  KEYS[1]  <prefix>:{identity}:parent   hash: merged-away id → the root it was merged into
  KEYS[2]  <prefix>:{identity}:pending  hash: root → JSON array of the members not yet absorbed,
                                       each {"id", "cause": the merge's eventId, "at": its occurredAt}
  ARGV[1]  the merge's mergedFrom
  ARGV[2]  the merge's contactId
  ARGV[3]  the merge's eventId (the cause of the outputs of the absorb)
  ARGV[4]  the merge's occurredAt (epoch ms, as text)
  Returns  {sourceRoot, targetRoot, 1 linked | 0 already one tree}
]]
local function root(id)
  for _ = 1, 1000 do
    local parent = redis.call('HGET', KEYS[1], id)
    if not parent then return id end
    id = parent
  end
  error('identity chain longer than 1000 merges')
end

local source = root(ARGV[1])
local target = root(ARGV[2])
if source == target then return {source, target, 0} end
redis.call('HSET', KEYS[1], source, target)
local list = {}
local held = redis.call('HGET', KEYS[2], target)
if held then list = cjson.decode(held) end
local moved = redis.call('HGET', KEYS[2], source)
if moved then
  for _, id in ipairs(cjson.decode(moved)) do list[#list + 1] = id end
  redis.call('HDEL', KEYS[2], source)
end
list[#list + 1] = {id = source, cause = ARGV[3], at = ARGV[4]}
redis.call('HSET', KEYS[2], target, cjson.encode(list))
return {source, target, 1}
