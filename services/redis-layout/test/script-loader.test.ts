import { describe, expect, it } from 'vitest';
import { commandNameFor, RedisScript } from '../src/redis-script.js';
import { loadScript, type ScriptHost } from '../src/script-loader.js';
import { ALL_SCRIPTS } from '../src/scripts.js';
import { integerReply } from '../src/script-replies.js';

/** A client that records definitions and answers each call with what `reply` says. */
class FakeHost implements ScriptHost {
  readonly defined: { name: string; lua: string; numberOfKeys?: number }[] = [];
  readonly calls: { name: string; args: unknown[] }[] = [];
  [command: string]: unknown;

  constructor(private readonly reply: (args: unknown[]) => unknown = () => 1) {}

  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void {
    this.defined.push({ name, ...definition });
    this[name] = (...args: unknown[]) => {
      this.calls.push({ name, args });
      return Promise.resolve(this.reply(args));
    };
  }
}

const textA = "return redis.call('GET', KEYS[1])";
const textB = "return redis.call('GET', KEYS[1]) -- changed";

describe('script command names', () => {
  it('are the same for the same text and differ for different texts', () => {
    expect(commandNameFor('readIt', textA)).toBe(commandNameFor('readIt', textA));
    expect(commandNameFor('readIt', textA)).not.toBe(commandNameFor('readIt', textB));
    expect(commandNameFor('readIt', textA)).toMatch(/^leadscore_readIt_[0-9a-f]{12}$/);
  });

  it('are unique across the project, with the key count the header lists', () => {
    expect(new Set(ALL_SCRIPTS.map((s) => s.commandName)).size).toBe(ALL_SCRIPTS.length);
    for (const script of ALL_SCRIPTS) {
      const header = script.lua.slice(0, script.lua.indexOf(']]'));
      const listed = Math.max(...[...header.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])));
      expect(script.numberOfKeys, script.file).toBe(listed);
      expect(script.lua).not.toMatch(/SCRIPT_VERSION|_v1/);
    }
  });
});

describe('loadScript', () => {
  it('defines a script once per client under its content-hashed name, and a changed script as a new command', async () => {
    const host = new FakeHost();
    const a = new RedisScript<[key: string], [], number>('readIt', 'read-it-1.lua', textA, integerReply);
    const b = new RedisScript<[key: string], [], number>('readIt', 'read-it-1.lua', textB, integerReply);
    loadScript(host, a);
    loadScript(host, a);
    const callB = loadScript(host, b);
    expect(host.defined).toEqual([
      { name: a.commandName, lua: textA, numberOfKeys: 1 },
      { name: b.commandName, lua: textB, numberOfKeys: 1 },
    ]);
    await callB(['k']);
    expect(host.calls).toEqual([{ name: b.commandName, args: ['k'] }]);
  });

  it('passes KEYS then ARGV, parses the reply, and refuses a call with the wrong key count', async () => {
    const host = new FakeHost((args) => args.length);
    const script = new RedisScript<[state: string, outbox: string], [value: string, at: number], number>(
      'writeIt',
      'write-it-2.lua',
      textA,
      integerReply,
    );
    const call = loadScript(host, script);
    expect(await call(['k1', 'k2'], 'v', 7)).toBe(4);
    expect(host.calls[0]?.args).toEqual(['k1', 'k2', 'v', 7]);
    // @ts-expect-error one key where the script takes two
    await expect(call(['k1'], 'v', 7)).rejects.toThrow(/takes 2 key\(s\), got 1/);
    expect(host.calls).toHaveLength(1);
  });

  it('rejects a reply of another shape than the script promises', async () => {
    const call = loadScript(
      new FakeHost(() => 'OK'),
      new RedisScript<[key: string], [], number>('readIt', 'read-it-1.lua', textA, integerReply),
    );
    await expect(call(['k'])).rejects.toMatchObject({ code: 'REDIS_REPLY_UNEXPECTED' });
  });

  it('takes the key count from the file name', () => {
    expect(() => new RedisScript('readIt', 'read-it.lua', textA, integerReply)).toThrow(/<name>-<numberOfKeys>\.lua/);
  });
});
