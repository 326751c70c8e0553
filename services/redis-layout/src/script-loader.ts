import { ErrorCode } from '@leadscore/errors';
import { ServiceError } from '@leadscore/service-kit';
import type { RedisScript, ScriptArg } from './redis-script.js';

/** What the loader needs of a Redis client (ioredis `Redis` and `Cluster` both are one). */
export interface ScriptHost {
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
}

/** A loaded script (`ScriptCall<typeof COMMIT_STATE>`): its KEYS, then its ARGV; resolves to its parsed reply. */
export type ScriptCall<Script extends { readonly call: unknown }> = Script['call'];

/**
 * Registers `script` on `redis` with `defineCommand` (once per client: a second load reuses the
 * command) and returns a typed call. ioredis sends the script by its SHA (EVALSHA) and loads it
 * on NOSCRIPT, in pipelines too, so a call costs one command.
 * @throws ServiceError REDIS_SCRIPT_UNDEFINED when the client did not take the definition
 */
export function loadScript<Keys extends readonly string[], Args extends readonly ScriptArg[], Reply>(
  redis: ScriptHost,
  script: RedisScript<Keys, Args, Reply>,
): ScriptCall<RedisScript<Keys, Args, Reply>> {
  const { commandName, numberOfKeys, lua } = script;
  if (!(commandName in redis)) redis.defineCommand(commandName, { numberOfKeys, lua });
  const command: unknown = Reflect.get(redis, commandName);
  if (typeof command !== 'function') {
    throw new ServiceError(ErrorCode.RedisScriptUndefined, `the Redis client did not define the command ${commandName}`);
  }
  return (keys, ...args) => {
    // A call with the wrong key count would hand an ARGV to the script as a key: refuse it here.
    if (keys.length !== numberOfKeys) {
      return Promise.reject(new TypeError(`${script.name} takes ${numberOfKeys} key(s), got ${keys.length}`));
    }
    return (command.call(redis, ...keys, ...args) as Promise<unknown>).then(script.parseReply);
  };
}
