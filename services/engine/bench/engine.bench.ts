/**
 * Micro-benchmarks of the engine (not part of the test suite):
 *   node --import tsx services/engine/bench/engine.bench.ts [--events 1000000] [--contacts 100000] [--grid <file>]
 * (the grid: deploy/grids/starter.yaml by default; deploy/grids/b2b.yaml for several scores and a matrix)
 * 1. JSON.parse alone over generated NDJSON streamed from a temp file (what bounds replay), then
 *    replay (replayEvents, the reference model) over the same file: events/s, the replay /
 *    JSON.parse ratio and the process's peak RSS;
 * 2. applyEvent on one core, states kept as objects (up to 500 000 events in memory);
 * 3. the same with a state decode/encode round trip per event (what the scorer does with Redis);
 * 4. applyInPlace on caller-owned working states (working-state.ts), the allocation-free path,
 *    with each contact looked up by id per event, and alone (states looked up beforehand).
 */
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import {
  WorkingState,
  applyEvent,
  applyInPlace,
  compileGrid,
  decodeState,
  emptyState,
  encodeState,
  loadGrid,
  replayEvents,
  type ContactState,
  type LeadEvent,
} from '../src/index.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    contacts: { type: 'string', default: '100000' },
    grid: { type: 'string', default: fileURLToPath(new URL('../../../deploy/grids/starter.yaml', import.meta.url)) },
  },
});
const EVENTS = Number(values.events);
const CONTACTS = Number(values.contacts);
const NOW = Date.parse('2026-03-10T00:00:00Z');
const grid = compileGrid(loadGrid(readFileSync(values.grid, 'utf8'), values.grid));

/** A deterministic generator (mulberry32) so runs are comparable. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SHAPES: [number, string, () => LeadEvent['properties']][] = [
  [30, 'page_viewed', () => ({ path: ['/pricing', '/solutions', '/blog/a', '/'][Math.floor(rnd() * 4)] as string })],
  [25, 'email_sent', () => ({})],
  [15, 'email_opened', () => ({})],
  [8, 'asset_downloaded', () => ({ velocity: rnd() < 0.7 ? 'low' : 'high', assetId: 'a' })],
  [5, 'webinar_registered', () => ({})],
  [4, 'webinar_attended', () => ({})],
  [3, 'form_submitted', () => ({ formType: rnd() < 0.5 ? 'contact' : 'newsletter' })],
  [2, 'demo_requested', () => ({})],
  [1, 'email_unsubscribed', () => ({})],
  [7, 'contact_updated', () => ({ phone: rnd() < 0.8 ? '+33 1 23 45 67 89' : null, persona: 'buyer' })],
];
const TOTAL_WEIGHT = SHAPES.reduce((s, [w]) => s + w, 0);
let rnd = random(42);

function generate(i: number): LeadEvent {
  let pick = rnd() * TOTAL_WEIGHT;
  let shape = SHAPES[0] as (typeof SHAPES)[number];
  for (const s of SHAPES) {
    pick -= s[0];
    if (pick < 0) {
      shape = s;
      break;
    }
  }
  return {
    eventId: `evt-${i.toString(36)}-${Math.floor(rnd() * 1e9).toString(36)}`,
    contactId: `contact-${Math.floor(rnd() * CONTACTS)}`,
    type: shape[1],
    occurredAt: NOW - Math.floor(rnd() * 200 * 86_400_000),
    properties: shape[2](),
  };
}

function report(name: string, events: number, ms: number, extra = ''): void {
  const perSecond = Math.round((events / ms) * 1000);
  console.log(
    `${name.padEnd(42)} ${String(events).padStart(9)} events  ${(ms / 1000).toFixed(2).padStart(7)} s  ${perSecond.toLocaleString('en-US').padStart(11)} events/s${extra}`,
  );
}

function benchApply(events: readonly LeadEvent[], roundTrip: boolean): void {
  const objects = new Map<string, ContactState>();
  const encoded = new Map<string, string>();
  let bytes = 0;
  const start = performance.now();
  for (const event of events) {
    if (roundTrip) {
      const text = encoded.get(event.contactId);
      const state = text === undefined ? emptyState() : decodeState(text);
      const evaluation = applyEvent(grid, state, event, NOW);
      if (evaluation.stateChanged) encoded.set(event.contactId, encodeState(evaluation.state));
    } else {
      const evaluation = applyEvent(grid, objects.get(event.contactId) ?? emptyState(), event, NOW);
      if (evaluation.stateChanged) objects.set(event.contactId, evaluation.state);
    }
  }
  const ms = performance.now() - start;
  if (roundTrip) {
    for (const text of encoded.values()) bytes += Buffer.byteLength(text);
    const avg = Math.round(bytes / Math.max(1, encoded.size));
    report('applyEvent + decode/encode per event', events.length, ms, `  (avg state ${avg} B over ${encoded.size} contacts)`);
  } else {
    report('applyEvent (states as objects)', events.length, ms);
  }
}

/**
 * applyInPlace over `events` (timed), after `warm` (untimed): with `warm` given, most contacts
 * are already in memory, so the figure leaves out each contact's first-touch allocation.
 */
function benchInPlace(name: string, events: readonly LeadEvent[], warm: readonly LeadEvent[] = []): void {
  const states = new Map<string, WorkingState>();
  const apply = (event: LeadEvent): boolean => {
    let state = states.get(event.contactId);
    if (state === undefined) {
      state = new WorkingState(grid, NOW);
      states.set(event.contactId, state);
    }
    return applyInPlace(state, event).stateChanged;
  };
  for (const event of warm) apply(event);
  let changed = 0;
  const start = performance.now();
  for (const event of events) if (apply(event)) changed += 1;
  report(name, events.length, performance.now() - start, `  (${changed} state changes)`);
}

/**
 * applyInPlace alone: each event's working state looked up beforehand (untimed), so the figure
 * is the engine's per-event work without the caller's look-up of the contact by its id (a Map
 * of 100 000 string keys probed at random costs about as much as applyInPlace itself here).
 */
function benchInPlaceAlone(events: readonly LeadEvent[]): void {
  const states = new Map<string, WorkingState>();
  const stateOf = events.map((event) => {
    let state = states.get(event.contactId);
    if (state === undefined) {
      state = new WorkingState(grid, NOW);
      states.set(event.contactId, state);
    }
    return state;
  });
  let changed = 0;
  const start = performance.now();
  for (let i = 0; i < events.length; i += 1) {
    if (applyInPlace(stateOf[i] as WorkingState, events[i] as LeadEvent).stateChanged) changed += 1;
  }
  report(
    'applyInPlace alone (states looked up before)',
    events.length,
    performance.now() - start,
    `  (${changed} state changes)`,
  );
}

/** Reads the file's lines and JSON.parses each: the floor under replay's parsing. */
async function benchJsonParse(file: string): Promise<number> {
  let count = 0;
  const start = performance.now();
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) if (JSON.parse(line) !== null) count += 1;
  const ms = performance.now() - start;
  report('JSON.parse alone (streamed)', count, ms);
  return count / ms;
}

async function benchReplay(count: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'leadscore-bench-'));
  const file = join(dir, 'events.ndjson');
  try {
    rnd = random(7);
    const out = createWriteStream(file);
    const genStart = performance.now();
    for (let i = 0; i < count; i += 1) {
      const e = generate(i);
      const line = `${JSON.stringify({ ...e, occurredAt: new Date(e.occurredAt).toISOString() })}\n`;
      if (!out.write(line)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const size = statSync(file).size;
    console.log(
      `generated ${count} events (${(size / 1e6).toFixed(0)} MB) in ${((performance.now() - genStart) / 1000).toFixed(1)} s`,
    );
    const parseRate = await benchJsonParse(file);
    const start = performance.now();
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    const result = await replayEvents(grid, lines, NOW);
    const ms = performance.now() - start;
    const rssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    report(
      'replay (parse + validate + apply, streamed)',
      result.events,
      ms,
      `  ${result.contacts.length} contacts, peak RSS ${rssMb} MB`,
    );
    console.log(`replay / JSON.parse alone: ${((result.events / ms / parseRate) * 100).toFixed(0)} %`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(
  `node ${process.version}, grid ${grid.name} v${grid.version} (${grid.scores.length} score${grid.scores.length === 1 ? '' : 's'}${grid.matrix ? ', a grade matrix' : ''}), ${CONTACTS} contacts`,
);
// Replay first, so that its peak RSS is not inflated by the in-memory events of the others.
await benchReplay(EVENTS);
const applyCount = Math.min(EVENTS, 500_000);
rnd = random(42);
const events = Array.from({ length: applyCount }, (_, i) => generate(i));
benchApply(events.slice(0, 20_000), false); // warm-up
benchApply(events, false);
benchApply(events, true);
benchInPlace('applyInPlace (working states)', events.slice(0, 20_000)); // warm-up
benchInPlace('applyInPlace (working states)', events);
const half = Math.floor(events.length / 2);
benchInPlace('applyInPlace, contacts already in memory', events.slice(half), events.slice(0, half));
benchInPlaceAlone(events);
