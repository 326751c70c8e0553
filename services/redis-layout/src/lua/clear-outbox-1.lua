--[[
  Clears a contact's outbox once its outputs were produced, unless another writer has since
  replaced it with outputs of its own (those are still owed).

  KEYS[1]  the contact's outbox key <prefix>:o:{contactId}
  ARGV[1]  the outbox value that was produced
  Returns  1 when cleared, 0 when the outbox holds something else (or nothing)
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
