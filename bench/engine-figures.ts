/**
 * The figures of the engine micro-benchmark's output (services/engine/bench/engine.bench.ts) that
 * the targets table reads: `applyEvent` events/s, replay events/s and `JSON.parse` alone over the
 * same file. The output stays the engine bench's own: these are read from its result lines
 * (`<name> <n> events <s> s <rate> events/s ...`; of several lines of one name, as a warm-up before the
 * measured run, the one over the most events), and a figure it does not print is undefined.
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

const RESULT_LINE = /^(.+?)\s+(\d+)\s+events\s+[\d.]+\s+s\s+([\d,]+)\s+events\/s/;
/** A share printed by the engine bench itself, e.g. `replay … 62 % of JSON.parse`. */
const SHARE_OF_PARSE = /([\d.]+)\s*%\s+of\s+JSON\.parse/i;

type Measured = { events: number; perSecond: number } | undefined;
const larger = (kept: Measured, line: { events: number; perSecond: number }) =>
  kept === undefined || line.events >= kept.events ? line : kept;

export function parseEngineFigures(output: string): EngineFigures {
  let apply: Measured;
  let replay: Measured;
  let parse: Measured;
  let printedShare: number | undefined;
  for (const line of output.split('\n').map((l) => l.trim())) {
    const share = SHARE_OF_PARSE.exec(line);
    if (share && /^replay\b/i.test(line)) printedShare = Number(share[1]) / 100;
    const match = RESULT_LINE.exec(line);
    if (!match) continue;
    const name = match[1]!;
    const measured = { events: Number(match[2]), perSecond: Number(match[3]!.replaceAll(',', '')) };
    if (/^JSON\.parse\b/i.test(name)) parse = larger(parse, measured);
    else if (/^replay\b/i.test(name)) replay = larger(replay, measured);
    // the plain applyEvent line, not the one with a state decode/encode round trip
    else if (/^applyEvent\b/.test(name) && !/decode|encode|codec/i.test(name)) apply = larger(apply, measured);
  }
  const applyEventPerSecond = apply?.perSecond;
  const replayPerSecond = replay?.perSecond;
  const jsonParsePerSecond = parse?.perSecond;
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
