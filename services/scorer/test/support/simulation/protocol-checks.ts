import {
  applyEvent,
  decodeState,
  emptyState,
  parseEvent,
  replayEvents,
  type CompiledGrid,
  type ContactState,
} from '@leadscore/engine';
import { isSealedState } from '@leadscore/redis-layout';
import { decodeOutbox } from '../../../src/outbox-codec.js';
import { decodeOutput, type EncodedScoreChange } from '../json-output-encoder.js';
import type { SentOutput } from '../recording-producer.js';
import { NOW, TOPICS } from '../test-grid.js';
import type { EventLog } from './event-log.js';

/** What a run left: the stored states and outboxes, every outbox committed, everything produced, in order. */
export interface RunOutcome {
  readonly states: ReadonlyMap<string, string>;
  readonly outboxes: ReadonlyMap<string, string>;
  readonly committedOutboxes: readonly string[];
  readonly sent: readonly SentOutput[];
  /** The root each contact id resolves to in the identity forest at the end. */
  readonly rootOf: (contactId: string) => string;
  /** Roots with members still pending (not absorbed) at the end. */
  readonly pendingLeft: number;
}

type OutputIds = { readonly scoreChanges: Set<string>; readonly crossings: Set<string> };

/** The outputs the engine emits for the log, applying each contact's events once, in log order. */
function replayedOutputIds(log: EventLog, grid: CompiledGrid): OutputIds {
  const states = new Map<string, ContactState>();
  const ids: OutputIds = { scoreChanges: new Set(), crossings: new Set() };
  for (const line of log.lines) {
    const parsed = parseEvent(JSON.parse(line), NOW);
    if (!parsed.ok) continue;
    const { event } = parsed;
    const evaluation = applyEvent(grid, states.get(event.contactId) ?? emptyState(), event, NOW);
    states.set(event.contactId, evaluation.state);
    if (!evaluation.output) continue;
    ids.scoreChanges.add(evaluation.output.id);
    for (const c of evaluation.output.thresholdCrossings) ids.crossings.add(c.id);
  }
  return ids;
}

/** The outputs of the commits that won their compare-and-set. */
function committedOutputIds(outboxes: readonly string[]): OutputIds {
  const ids: OutputIds = { scoreChanges: new Set(), crossings: new Set() };
  for (const owed of outboxes.flatMap(decodeOutbox)) {
    const id = String(owed.message.headers?.['x-id']);
    if (owed.topic === TOPICS.scoreChanged) ids.scoreChanges.add(id);
    if (owed.topic === TOPICS.thresholdCrossed) ids.crossings.add(id);
  }
  return ids;
}

function compareIds(kind: string, expected: ReadonlySet<string>, sent: ReadonlySet<string>, violations: string[]): void {
  for (const id of expected) if (!sent.has(id)) violations.push(`${kind} ${id} missing`);
  for (const id of sent) if (!expected.has(id)) violations.push(`phantom ${kind} ${id}`);
}

/**
 * The protocol's promises, checked against the engine's replay of the same events: every
 * contact's final score is replay's; the outputs produced are exactly those of the winning
 * commits (none missing, no phantom), and — when each contact's events come in one order — exactly
 * those replay emits; one id is always one content; per contact, the first sightings of score
 * changes have increasing sequences; every invalid event was dead-lettered and no valid one; no
 * outbox is left owed. Returns the violations (none: the run was exact).
 */
export async function protocolViolations(log: EventLog, grid: CompiledGrid, outcome: RunOutcome): Promise<string[]> {
  const violations: string[] = [];
  const replay = await replayEvents(grid, log.lines, NOW);
  for (const contact of replay.contacts) {
    const raw = outcome.states.get(contact.contactId);
    const root = outcome.rootOf(contact.contactId);
    const mergedInto = root === contact.contactId ? undefined : root;
    if (mergedInto !== contact.mergedInto) {
      violations.push(`${contact.contactId}: merged into ${mergedInto ?? 'nothing'}, replay ${contact.mergedInto ?? 'nothing'}`);
    }
    const sealed = raw !== undefined && isSealedState(raw);
    if (sealed !== (contact.mergedInto !== undefined))
      violations.push(`${contact.contactId}: sealed ${sealed}, replay disagrees`);
    const score = raw === undefined || sealed ? 0 : decodeState(raw).score;
    if (score !== contact.score) violations.push(`${contact.contactId}: score ${score}, replay ${contact.score}`);
  }
  if (outcome.pendingLeft > 0) violations.push(`${outcome.pendingLeft} root(s) left with members not absorbed`);

  const byId = new Map<string, string>();
  const lastSequence = new Map<string, number>();
  const sent: OutputIds = { scoreChanges: new Set(), crossings: new Set() };
  const deadLettered = new Set<string>();
  for (const { topic, message } of outcome.sent) {
    const header = (name: string) => String(message.headers?.[name]);
    if (topic === TOPICS.deadLetters) {
      deadLettered.add(`${header('x-dlq-topic')}:${header('x-dlq-partition')}:${header('x-dlq-offset')}`);
      continue;
    }
    const id = header('x-id');
    const content = message.value.toString();
    const firstSighting = !byId.has(id);
    if (!firstSighting && byId.get(id) !== content) violations.push(`id ${id} produced with two contents`);
    byId.set(id, content);
    if (topic === TOPICS.thresholdCrossed) sent.crossings.add(id);
    if (topic !== TOPICS.scoreChanged) continue;
    sent.scoreChanges.add(id);
    const value = decodeOutput<EncodedScoreChange>(message);
    if (!firstSighting) continue;
    const last = lastSequence.get(value.contactId) ?? 0;
    if (value.sequence <= last) violations.push(`${value.contactId}: sequence ${value.sequence} first seen after ${last}`);
    lastSequence.set(value.contactId, value.sequence);
  }
  const committed = committedOutputIds(outcome.committedOutboxes);
  compareIds('committed score change', committed.scoreChanges, sent.scoreChanges, violations);
  compareIds('committed threshold crossing', committed.crossings, sent.crossings, violations);
  if (log.ordered) {
    const replayed = replayedOutputIds(log, grid);
    compareIds('replayed score change', replayed.scoreChanges, sent.scoreChanges, violations);
    compareIds('replayed threshold crossing', replayed.crossings, sent.crossings, violations);
  }
  for (const at of log.invalid) if (!deadLettered.has(at)) violations.push(`invalid event at ${at} not dead-lettered`);
  for (const at of deadLettered) if (!log.invalid.has(at)) violations.push(`valid event at ${at} dead-lettered`);
  // An outbox may outlive its produce when its writer died before the clear went out (clears
  // ride with the next round trip); what it holds must then have been produced.
  const sentIds = new Set([...sent.scoreChanges, ...sent.crossings]);
  for (const [contactId, outbox] of outcome.outboxes) {
    for (const owed of decodeOutbox(outbox)) {
      const id = String(owed.message.headers?.['x-id']);
      if (!sentIds.has(id)) violations.push(`${contactId}: outbox left owing ${id}, never produced`);
    }
  }
  return violations;
}
