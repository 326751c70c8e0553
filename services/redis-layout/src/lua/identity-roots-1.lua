--[[
  The roots of many ids in the identity forest, in one round trip (a scorer asks it for a chunk
  holding merges, to tell the contacts a merge of the chunk can touch from those it cannot; see
  docs/identity.md "The streaming merge"). Read only.

  KEYS[1]  <prefix>:{identity}:parent   hash: merged-away id → the root it was merged into
  ARGV     the ids
  Returns  their roots, in order (an id with no parent is its own root)
]]
local function root(id)
  for _ = 1, 1000 do
    local parent = redis.call('HGET', KEYS[1], id)
    if not parent then return id end
    id = parent
  end
  error('identity chain longer than 1000 merges')
end

local roots = {}
for i, id in ipairs(ARGV) do roots[i] = root(id) end
return roots
