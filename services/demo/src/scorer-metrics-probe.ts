/** How far the scorer got, from its Prometheus counters. */
export interface ScorerProgress {
  /** Valid events applied to a contact state (leadscore_events_scored_total). */
  readonly scored: number;
  /** Events ignored as already counted (leadscore_events_duplicate_total). */
  readonly duplicates: number;
  /** Messages behind the high watermarks, summed over partitions (leadscore_consumer_lag). */
  readonly lag: number;
}

/** Reads the scorer's GET /metrics; null when it does not answer (starting, stopping). */
export async function probeScorer(httpPort: number): Promise<ScorerProgress | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${httpPort}/metrics`, { signal: AbortSignal.timeout(800) });
    if (!response.ok) return null;
    return parseScorerMetrics(await response.text());
  } catch {
    return null;
  }
}

/** Sums each metric's samples (all label sets) in the Prometheus text format. */
export function parseScorerMetrics(text: string): ScorerProgress {
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(leadscore_[a-z_]+)(?:\{[^}]*\})? ([0-9.eE+-]+)$/.exec(line);
    if (match) sums.set(match[1]!, (sums.get(match[1]!) ?? 0) + Number(match[2]));
  }
  return {
    scored: sums.get('leadscore_events_scored_total') ?? 0,
    duplicates: sums.get('leadscore_events_duplicate_total') ?? 0,
    lag: sums.get('leadscore_consumer_lag') ?? 0,
  };
}
