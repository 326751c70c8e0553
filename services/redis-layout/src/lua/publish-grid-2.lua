--[[
  Publishes a grid from the console, only if the live version is still the one the editor's
  draft was made from: two editors publishing at once must not both become "version + 1".

  KEYS[1]  the console's published grid   <prefix>:{console}:grid   (JSON with a numeric `version`)
  KEYS[2]  the console's audit list        <prefix>:{console}:audit  (same hash slot)
  ARGV[1]  the version expected live now ('' when nothing was published yet)
  ARGV[2]  the grid to publish (JSON)
  ARGV[3]  the audit entry (JSON), pushed at the head
  Returns  1 published, 0 another publish came first (nothing written)
]]
local current = redis.call('GET', KEYS[1])
local live = ''
if current then live = tostring(cjson.decode(current).version) end
if live ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('LPUSH', KEYS[2], ARGV[3])
return 1
