--[[
  Commits an account's change (the account service, docs/accounts.md): its new header, the
  member fields the change wrote, and the outputs it owes, only if the header is still what the
  writer read. The header carries a version that grows at every commit, so it never returns to
  an earlier value (no ABA), and every commit changes it: a member field is never written
  without the header moving too.

  Only the members that changed are written (one HSET field each): the cost of a commit does not
  grow with the account's size.

  The outbox is replaced, as in commit-state-2.lua: the writer carries over what is still owed;
  '' deletes it.

  KEYS[1]  the account's header key   <prefix>:account:{a:accountId}
  KEYS[2]  the account's members hash <prefix>:account-members:{a:accountId}  (same hash slot)
  KEYS[3]  the account's outbox key   <prefix>:account-o:{a:accountId}        (same hash slot)
  ARGV[1]  the header value the writer read ('' when the key did not exist)
  ARGV[2]  the new header value
  ARGV[3]  the outbox: encoded outputs still owed with this header, '' when none
  ARGV[4…] member fields to set, as contactId, value pairs
  Returns  1 when committed, 0 when the header changed meanwhile (re-read and recompute)
]]
local current = redis.call('GET', KEYS[1])
if current == false then current = '' end
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
-- one HSET per field: unpack() of a long ARGV would overflow Lua's stack
for i = 4, #ARGV - 1, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
if ARGV[3] == '' then
  redis.call('DEL', KEYS[3])
else
  redis.call('SET', KEYS[3], ARGV[3])
end
return 1
