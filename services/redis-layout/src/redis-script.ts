import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** What a script takes in KEYS and ARGV. */
export type ScriptArg = string | number;

/**
 * One Lua script of `src/lua`, with the name its command is registered under. The name carries
 * the first 12 hex digits of the script's SHA-1, so a changed script is a new command: during a
 * rolling deploy two versions of the code never run each other's scripts, and no version is
 * bumped by hand. The number of keys comes from the file name (`commit-state-2.lua`: 2), as
 * in BullMQ.
 *
 * @typeParam Keys  the KEYS the script takes, in order (a labelled tuple)
 * @typeParam Args  the ARGV it takes, in order
 * @typeParam Reply what its reply is turned into by `parseReply`
 */
export class RedisScript<Keys extends readonly string[], Args extends readonly ScriptArg[], Reply> {
  readonly numberOfKeys: number;
  readonly commandName: string;
  /** The type of the loaded call (`ScriptCall`); no value at run time. */
  declare readonly call: (keys: Keys, ...args: Args) => Promise<Reply>;

  constructor(
    /** camelCase, e.g. `commitState` */
    readonly name: string,
    readonly file: string,
    readonly lua: string,
    readonly parseReply: (reply: unknown) => Reply,
  ) {
    this.numberOfKeys = keyCountOf(file);
    this.commandName = commandNameFor(name, lua);
  }

  /** The script `src/lua/<file>` of this package. */
  static fromFile<Keys extends readonly string[], Args extends readonly ScriptArg[], Reply>(
    name: string,
    file: string,
    parseReply: (reply: unknown) => Reply,
  ): RedisScript<Keys, Args, Reply> {
    const lua = readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
    return new RedisScript<Keys, Args, Reply>(name, file, lua, parseReply);
  }
}

/** `leadscore_<name>_<first 12 hex digits of sha1(lua)>`: the same text always gets the same name. */
export function commandNameFor(name: string, lua: string): string {
  return `leadscore_${name}_${createHash('sha1').update(lua).digest('hex').slice(0, 12)}`;
}

function keyCountOf(file: string): number {
  const match = /-(\d+)\.lua$/.exec(file);
  if (!match) throw new TypeError(`a script file is named <name>-<numberOfKeys>.lua, got ${file}`);
  return Number(match[1]);
}
