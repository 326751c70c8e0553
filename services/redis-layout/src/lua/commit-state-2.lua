--[[
  Commits a contact's new state together with the outputs it owes (its outbox), only if the
  state is still what the writer read (optimistic concurrency: two scorers during a rebalance, or
  a scorer and the decay sweeper, may briefly work on the same contact). The state carries a
  sequence number, so a value never returns to an earlier one (no ABA).

  Outputs are produced to Kafka after this commit and the outbox is cleared after that; a writer
  that dies in between leaves the outbox for the next reader of this contact to produce.

  KEYS[1]  the contact's state key   <prefix>:c:{contactId}
  KEYS[2]  the contact's outbox key  <prefix>:o:{contactId}  (same hash slot)
  ARGV[1]  the state value the writer read ('' when the key did not exist)
  ARGV[2]  the new state value
  ARGV[3]  the outbox: encoded outputs, '' when the change emits nothing
  Returns  1 when committed, 0 when the state changed meanwhile (re-read and recompute)
]]
local current = redis.call('GET', KEYS[1])
if current == false then current = '' end
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then
  redis.call('SET', KEYS[2], ARGV[3])
end
return 1
