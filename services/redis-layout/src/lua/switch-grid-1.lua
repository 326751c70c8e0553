--[[
  Records the grid the scorer runs, and says whether every contact needs a grid-change
  re-evaluation. Atomic, so when several scorers start together with a new grid exactly one of
  them sees the switch; a switch whose queueing never finished (queued = 0) is reported again.

  Every switch increments the record's generation. Scorers stamp each state they commit with the
  generation of the grid that computed it; a scorer that reads a state stamped with a later
  generation than its own stops and catches up first, so a contact never goes back to an older
  grid once a newer one wrote it (docs/streaming.md "Grid changes at run time").

  KEYS[1]  the grid record, a hash: fingerprint, name, version, definition (JSON),
           previousDefinition (JSON, '' before the first switch), switchedAt, queued (0|1),
           generation (absent on records written before generations: 0)
  ARGV[1]  the running grid's fingerprint
  ARGV[2]  its name
  ARGV[3]  its version
  ARGV[4]  its definition (JSON)
  ARGV[5]  now (epoch ms)
  ARGV[6]  '1': adopt only (a scorer whose grid source cannot override the record: if the record
           holds another grid, change nothing and reply 'other'); '0': switch
  Returns  { status, previousDefinition, generation }: status 'same' (nothing to do), 'pending'
           (same grid, contacts not all queued yet), 'switched' (recorded now: queue every
           contact) or 'other' (adopt only, and the record holds another grid)
]]
local current = redis.call('HGET', KEYS[1], 'fingerprint')
local generation = tonumber(redis.call('HGET', KEYS[1], 'generation') or '0')
if current == ARGV[1] then
  local previous = redis.call('HGET', KEYS[1], 'previousDefinition') or ''
  if redis.call('HGET', KEYS[1], 'queued') == '1' then return { 'same', previous, generation } end
  return { 'pending', previous, generation }
end
if ARGV[6] == '1' and current then return { 'other', '', generation } end
local previous = ''
if current then previous = redis.call('HGET', KEYS[1], 'definition') or '' end
generation = generation + 1
redis.call('HSET', KEYS[1], 'fingerprint', ARGV[1], 'name', ARGV[2], 'version', ARGV[3],
  'definition', ARGV[4], 'previousDefinition', previous, 'switchedAt', ARGV[5], 'queued', '0',
  'generation', generation)
return { 'switched', previous, generation }
