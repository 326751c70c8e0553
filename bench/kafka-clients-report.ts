/** The client comparison as markdown (kafka-clients.md beside the run's report) and JSON. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientRun, KafkaClientsResult } from './kafka-clients.js';

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const MODE_LABEL = { relay: 'consume + produce', consume: 'consume only' } as const;

function runRow(run: ClientRun): string {
  const head = `| ${run.round} | ${run.client} | ${MODE_LABEL[run.mode]} |`;
  if (!run.result) return `${head} failed: ${run.error} | | | | | | ${run.loadAverage} |`;
  const r = run.result;
  return `${head} ${n((r.events / r.ms) * 1000)} | ${(r.cpuMicros / r.events).toFixed(1)} | ${n(r.peakRssBytes / 2 ** 20)} | ${(r.ms / 1000).toFixed(1)} | ${n(r.outputs)} | ${run.landed === undefined ? '' : n(run.landed)} | ${run.loadAverage} |`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median over the rounds, per client and mode: events/s, µs CPU per event, peak RSS. */
function medianRows(result: KafkaClientsResult): string[] {
  const rows: string[] = [];
  for (const mode of ['relay', 'consume'] as const) {
    for (const client of Object.keys(result.versions)) {
      const ok = result.runs.filter((r) => r.client === client && r.mode === mode && r.result).map((r) => r.result!);
      if (ok.length === 0) continue;
      rows.push(
        `| ${client} | ${MODE_LABEL[mode]} | ${n(median(ok.map((r) => (r.events / r.ms) * 1000)))} | ${median(ok.map((r) => r.cpuMicros / r.events)).toFixed(1)} | ${n(median(ok.map((r) => r.peakRssBytes / 2 ** 20)))} | ${ok.length} |`,
      );
    }
  }
  return rows;
}

export function clientsMarkdown(result: KafkaClientsResult): string {
  const missing = Object.entries(result.missing).map(([client, why]) => `- ${client}: ${why}`);
  const meanBytes = result.runs.find((r) => r.result)?.result?.meanValueBytes ?? 0;
  return `## 7. Kafka clients

${n(result.events)} input messages (mean value ${meanBytes} B), ${result.rounds} rounds, each client in its own process, chunks of ${result.chunkSize}.
Versions: ${Object.entries(result.versions)
    .map(([c, v]) => `${c} ${v}`)
    .join(', ')}.
${missing.length > 0 ? `\nLeft out:\n${missing.join('\n')}\n` : ''}
Median of the rounds:

| client | mode | events/s | µs CPU/event | peak RSS MiB | runs |
|---|---|---:|---:|---:|---:|
${medianRows(result).join('\n')}

Every run, in the order run (load = 1-minute load average at the end of the run):

| round | client | mode | events/s | µs CPU/event | peak RSS MiB | s | outputs acked | outputs in topic | load |
|---:|---|---|---:|---:|---:|---:|---:|---:|---:|
${result.runs.map(runRow).join('\n')}

What else was running, at the start of the phase:

\`\`\`
${result.machineAtStart}
\`\`\`

and at its end:

\`\`\`
${result.machineAtEnd}
\`\`\`
`;
}

export function writeClientsReport(outDir: string, result: KafkaClientsResult): void {
  writeFileSync(join(outDir, 'kafka-clients.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(outDir, 'kafka-clients.md'), `# Kafka client comparison\n\n${clientsMarkdown(result)}`);
}
