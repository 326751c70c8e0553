/**
 * The figures of the engine micro-benchmark's output (services/engine/bench/engine.bench.ts) that
 * the targets table reads: `applyEvent` events/s, replay events/s and `JSON.parse` alone over the
 * same file. The output stays the engine bench's own: these are read from its result lines
 * (`<name> <n> events <s> s <rate> events/s ...`), and a figure it does not print is undefined.
 */
export interface EngineFigures {
  /** `applyEvent` with states kept as objects (no codec round trip). */
  readonly applyEventPerSecond?: number;
  readonly replayPerSecond?: number;
  /** `JSON.parse` of every line of the replay's file, nothing else. */
  readonly jsonParsePerSecond?: number;
  /** replay ÷ JSON.parse, as printed, or else from the two rates. */
  readonly replayOfJsonParse?: number;
}

const RESULT_LINE = /^(.+?)\s+\d+\s+events\s+[\d.]+\s+s\s+([\d,]+)\s+events\/s/;
/** A share printed by the engine bench itself, e.g. `replay … 62 % of JSON.parse`. */
const SHARE_OF_PARSE = /([\d.]+)\s*%\s+of\s+JSON\.parse/i;

export function parseEngineFigures(output: string): EngineFigures {
  let applyEventPerSecond: number | undefined;
  let replayPerSecond: number | undefined;
  let jsonParsePerSecond: number | undefined;
  let printedShare: number | undefined;
  for (const line of output.split('\n').map((l) => l.trim())) {
    const share = SHARE_OF_PARSE.exec(line);
    if (share && /^replay\b/i.test(line)) printedShare = Number(share[1]) / 100;
    const match = RESULT_LINE.exec(line);
    if (!match) continue;
    const name = match[1]!;
    const perSecond = Number(match[2]!.replaceAll(',', ''));
    if (/^JSON\.parse\b/i.test(name)) jsonParsePerSecond ??= perSecond;
    else if (/^replay\b/i.test(name)) replayPerSecond ??= perSecond;
    // the plain applyEvent line, not the one with a state decode/encode round trip
    else if (/^applyEvent\b/.test(name) && !/decode|encode|codec/i.test(name)) applyEventPerSecond ??= perSecond;
  }
  const replayOfJsonParse =
    printedShare ??
    (replayPerSecond !== undefined && jsonParsePerSecond !== undefined && jsonParsePerSecond > 0
      ? replayPerSecond / jsonParsePerSecond
      : undefined);
  return {
    ...(applyEventPerSecond !== undefined && { applyEventPerSecond }),
    ...(replayPerSecond !== undefined && { replayPerSecond }),
    ...(jsonParsePerSecond !== undefined && { jsonParsePerSecond }),
    ...(replayOfJsonParse !== undefined && { replayOfJsonParse }),
  };
}
