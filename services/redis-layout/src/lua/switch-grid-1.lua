--[[
  Records the grid the scorer runs, and says whether every contact needs a grid-change
  re-evaluation. Atomic, so when several scorers start together with a new grid exactly one of
  them sees the switch; a switch whose queueing never finished (queued = 0) is reported again.

  KEYS[1]  the grid record, a hash: fingerprint, name, version, definition (JSON),
           previousDefinition (JSON, '' before the first switch), switchedAt, queued (0|1)
  ARGV[1]  the running grid's fingerprint
  ARGV[2]  its name
  ARGV[3]  its version
  ARGV[4]  its definition (JSON)
  ARGV[5]  now (epoch ms)
  Returns  { status, previousDefinition }: status 'same' (nothing to do), 'pending' (same grid,
           contacts not all queued yet) or 'switched' (recorded now: queue every contact)
]]
local current = redis.call('HGET', KEYS[1], 'fingerprint')
if current == ARGV[1] then
  local previous = redis.call('HGET', KEYS[1], 'previousDefinition') or ''
  if redis.call('HGET', KEYS[1], 'queued') == '1' then return { 'same', previous } end
  return { 'pending', previous }
end
local previous = ''
if current then previous = redis.call('HGET', KEYS[1], 'definition') or '' end
redis.call('HSET', KEYS[1], 'fingerprint', ARGV[1], 'name', ARGV[2], 'version', ARGV[3],
  'definition', ARGV[4], 'previousDefinition', previous, 'switchedAt', ARGV[5], 'queued', '0')
return { 'switched', previous }
