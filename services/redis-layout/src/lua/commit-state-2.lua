--[[
  Commits a contact's new state together with the outputs it owes (its outbox), only if the
  state is still what the writer read (optimistic concurrency: two scorers during a rebalance, or
  a scorer and the decay sweeper, may briefly work on the same contact). The state carries a
  sequence number and the input offsets applied, so a value never returns to an earlier one (no ABA).

  The outbox is replaced: the writer read the one committed with the state it expects (or knows
  it was produced), and carries over what is still owed; '' deletes it. So, while a state is
  unchanged, its outbox is the one committed with it, or already cleared.

  Outputs are produced to Kafka after this commit and the outbox is cleared after that; a writer
  that dies in between leaves the outbox for the next reader of this contact to produce.

  KEYS[1]  the contact's state key   <prefix>:c:{contactId}
  KEYS[2]  the contact's outbox key  <prefix>:o:{contactId}  (same hash slot)
  ARGV[1]  the state value the writer read ('' when the key did not exist)
  ARGV[2]  the new state value
  ARGV[3]  the outbox: encoded outputs still owed with this state, '' when none
  Returns  1 when committed, 0 when the state changed meanwhile (re-read and recompute)
]]
local current = redis.call('GET', KEYS[1])
if current == false then current = '' end
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[3] == '' then
  redis.call('DEL', KEYS[2])
else
  redis.call('SET', KEYS[2], ARGV[3])
end
return 1
