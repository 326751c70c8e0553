--[[
  Seals a merged-away contact: its state value becomes `M|<its last state>`, so every later
  compare-and-set on it fails and its writers re-read it, see it sealed and send its events to
  its root instead (docs/identity.md "The streaming merge"). Sealing a sealed contact changes
  nothing, so the absorb that follows may be retried any number of times and always unions the
  same last state. The outbox is returned with the state: the absorbing writer produces what the
  contact still owed (same ids) and clears it.

  KEYS[1]  the contact's state key   <prefix>:c:{contactId}
  KEYS[2]  the contact's outbox key  <prefix>:o:{contactId}  (same hash slot)
  Returns  {sealed value, outbox ('' when none)}
]]
local current = redis.call('GET', KEYS[1])
if current == false then current = '' end
local sealed = current
if string.sub(current, 1, 2) ~= 'M|' then
  sealed = 'M|' .. current
  redis.call('SET', KEYS[1], sealed)
end
local outbox = redis.call('GET', KEYS[2])
if outbox == false then outbox = '' end
return {sealed, outbox}
