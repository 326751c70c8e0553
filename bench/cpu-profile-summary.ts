/**
 * Summarises a V8 `.cpuprofile` (node --cpu-prof): the functions with the most self time, and
 * self time grouped by where the code lives (our workspaces, each dependency, node internals,
 * GC, idle). Usable alone: `node --import tsx bench/cpu-profile-summary.ts <file.cpuprofile>`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly topFunctions: { name: string; where: string; selfMs: number; share: number }[];
  readonly byArea: { area: string; selfMs: number; share: number }[];
}

function area(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'V8/native (program)';
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1]!.startsWith('@leadscore/') ? dep[1]! : dep[1]!;
  const ours = /services\/([^/]+)\//.exec(url);
  if (ours) return `@leadscore/${ours[1]}`;
  if (url.startsWith('node:') || url === '') return 'node internals';
  return url;
}

function shortUrl(url: string, line: number): string {
  const cut = url.replace(/^file:\/\//, '').replace(/^.*?\/(node_modules|services)\//, '$1/');
  return cut === '' ? '' : `${cut}:${line + 1}`;
}

export function summariseProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    totalUs += dt;
  });
  const functions = new Map<string, { name: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const name = functionName || '(anonymous)';
    const where = shortUrl(url, lineNumber);
    const key = `${name}@${where}`;
    const entry = functions.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    const a = area(url, functionName);
    areas.set(a, (areas.get(a) ?? 0) + us);
  }
  const busyUs = totalUs - (areas.get('idle') ?? 0);
  const share = (us: number) => Math.round((us / Math.max(1, busyUs)) * 1000) / 10;
  return {
    totalMs: Math.round(totalUs / 1000),
    topFunctions: [...functions.values()]
      .filter((f) => f.name !== '(idle)')
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, selfMs: Math.round(f.us / 1000), share: share(f.us) })),
    byArea: [...areas]
      .filter(([a]) => a !== 'idle')
      .sort((a, b) => b[1] - a[1])
      .map(([a, us]) => ({ area: a, selfMs: Math.round(us / 1000), share: share(us) })),
  };
}

export function profileMarkdown(file: string, summary: ProfileSummary): string {
  const lines = [
    `Profile \`${file}\` (${summary.totalMs} ms sampled; shares are of non-idle time)`,
    '',
    '| area | self ms | share |',
    '|---|---:|---:|',
  ];
  for (const a of summary.byArea.slice(0, 12)) lines.push(`| ${a.area} | ${a.selfMs} | ${a.share} % |`);
  lines.push('', '| function | where | self ms | share |', '|---|---|---:|---:|');
  for (const f of summary.topFunctions) lines.push(`| \`${f.name}\` | ${f.where} | ${f.selfMs} | ${f.share} % |`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const file of process.argv.slice(2)) console.log(`${profileMarkdown(file, summariseProfile(file, 25))}\n`);
}
