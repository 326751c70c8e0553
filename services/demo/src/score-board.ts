import type { ScoreChangedValue, ThresholdCrossedValue } from '@leadscore/contracts';

export interface ContactStanding {
  readonly contactId: string;
  readonly score: number;
  readonly sequence: number;
  /** What moved the score last, short: "+1000 high-velocity-asset", "time decay". */
  readonly lastChange: string;
}

export interface CrossingSeen {
  readonly contactId: string;
  readonly threshold: string;
  readonly direction: 'UP' | 'DOWN';
  readonly score: number;
  /** The contact's output sequence number: the same as its score change's. */
  readonly sequence: number;
  /** When the scorer evaluated it (epoch ms). */
  readonly at: number;
  readonly cause: string;
}

/**
 * What the live view knows, built from the scorer's outputs: totals, each contact's latest score
 * and a short list of the latest threshold crossings. Pure (no I/O); outputs of one contact
 * arrive in order (they are keyed by contactId), and an older sequence is ignored anyway.
 */
export class ScoreBoard {
  scoreChanges = 0;
  upCrossings = 0;
  downCrossings = 0;
  /** Up crossings made by an identity merge: known contacts qualified by their anonymous visits. */
  mergeUpCrossings = 0;
  private readonly contacts = new Map<string, ContactStanding>();
  private readonly crossings: CrossingSeen[] = [];

  constructor(private readonly keepCrossings = 6) {}

  applyScoreChanged(value: ScoreChangedValue): void {
    this.scoreChanges += 1;
    const previous = this.contacts.get(value.contactId);
    const lastChange = describeChange(value);
    // A crossing may arrive before its score change (two topics): name its rules now.
    const index = this.crossings.findIndex((c) => c.contactId === value.contactId && c.sequence === value.sequence);
    if (index >= 0) this.crossings[index] = { ...this.crossings[index]!, cause: lastChange };
    if (previous && previous.sequence >= value.sequence) return;
    this.contacts.set(value.contactId, { contactId: value.contactId, score: value.score, sequence: value.sequence, lastChange });
  }

  applyThresholdCrossed(value: ThresholdCrossedValue): void {
    if (value.direction === 'UP') this.upCrossings += 1;
    else this.downCrossings += 1;
    if (value.direction === 'UP' && value.cause.kind === 'MERGE') this.mergeUpCrossings += 1;
    // The crossing and its score change travel on two topics: name the rules if the change is already here.
    const standing = this.contacts.get(value.contactId);
    const cause = standing?.sequence === value.sequence ? standing.lastChange : describeCause(value.cause);
    this.crossings.unshift({
      contactId: value.contactId,
      threshold: value.threshold,
      direction: value.direction,
      score: value.score,
      sequence: value.sequence,
      at: value.evaluatedAt,
      cause,
    });
    this.crossings.length = Math.min(this.crossings.length, this.keepCrossings);
  }

  get contactsScored(): number {
    return this.contacts.size;
  }

  /** Highest scores first; ties by contactId, so the list does not flicker. */
  top(n: number): ContactStanding[] {
    return [...this.contacts.values()].sort((a, b) => b.score - a.score || (a.contactId < b.contactId ? -1 : 1)).slice(0, n);
  }

  latestCrossings(): readonly CrossingSeen[] {
    return this.crossings;
  }
}

/** "+500 key-pages", "-500 opt-out, +10 emails-opened", or the cause when no rule is listed. */
export function describeChange(value: ScoreChangedValue): string {
  const rules = value.changedContributions.map((c) => `${signed(c.points - c.previousPoints)} ${c.ruleId}`);
  if (value.cause.kind !== 'EVENT') rules.unshift(describeCause(value.cause));
  return rules.length > 0 ? rules.join(', ') : `${signed(value.delta)} ${describeCause(value.cause)}`;
}

function describeCause(cause: ScoreChangedValue['cause']): string {
  if (cause.kind === 'DECAY') return 'time decay';
  if (cause.kind === 'GRID_CHANGE') return 'grid change';
  if (cause.kind === 'MERGE') return 'identity merge';
  return 'event';
}

export function signed(n: number): string {
  return n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '±0';
}
