import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TopicKind } from './topics.js';

/** Where the .avsc files live: `schemas/avro/` at the repository root. */
export const AVRO_SCHEMA_DIR = fileURLToPath(new URL('../../../schemas/avro/', import.meta.url));

const FILES: Record<TopicKind, string> = {
  behaviouralEvents: 'behavioural-event.avsc',
  contactUpdates: 'contact-updated.avsc',
  scoreChanged: 'score-changed.avsc',
  thresholdCrossed: 'threshold-crossed.avsc',
  gradeChanged: 'grade-changed.avsc',
  contactMerged: 'contact-merged.avsc',
  lifecycleStageChanged: 'lifecycle-stage-changed.avsc',
  deadLetters: 'dead-letter.avsc',
  accountUpdates: 'account-updated.avsc',
  accountScoreChanged: 'account-score-changed.avsc',
  accountThresholdCrossed: 'account-threshold-crossed.avsc',
  accountMembers: 'account-member-change.avsc',
};

const cache = new Map<TopicKind, string>();

/** The Avro schema text (JSON) of a topic's values, read once from schemas/avro. */
export function avroSchemaText(kind: TopicKind): string {
  let text = cache.get(kind);
  if (text === undefined) {
    text = readFileSync(new URL(FILES[kind], `file://${AVRO_SCHEMA_DIR}`), 'utf8');
    cache.set(kind, text);
  }
  return text;
}
