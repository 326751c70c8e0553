import BTreeModule from 'sorted-btree';
import type { CompiledAggregate } from './compile-accounts.js';

// sorted-btree is CommonJS: Node hands an ES module its exports object (the class is its
// `default`), while vitest's interop hands over the class itself. Accept both.
const BTree = ('default' in BTreeModule ? BTreeModule.default : BTreeModule) as typeof BTreeModule.default;
type BTree<K, V> = InstanceType<typeof BTreeModule.default<K, V>>;

/** A member as the ranked sets order it. */
interface Ranked {
  readonly score: number;
  readonly contactId: string;
}

/** Highest score first; ties by contactId (code-unit order), so the top members are deterministic. */
function rank(a: Ranked, b: Ranked): number {
  return b.score - a.score || (a.contactId < b.contactId ? -1 : a.contactId > b.contactId ? 1 : 0);
}

export interface MemberScore {
  readonly contactId: string;
  readonly score: number;
}

/**
 * The member scores of one account and their aggregate (docs/accounts.md), kept so that one
 * member's change costs O(log members), never O(members):
 * - `sum: all`: a running sum of every member's score, O(1).
 * - `top: N` / `max` (the top 1): members with a score above 0 in two sorted sets, `top` (the
 *   N highest, with their running sum) and `rest`. A change removes the member from its set
 *   (promoting the highest of `rest` when it left `top`) and inserts it again (demoting the
 *   lowest of `top` when it ranks above it): a constant number of O(log n) tree operations.
 *
 * The sets are B+ trees from `sorted-btree` (a typed, dependency-free, well-tested sorted map
 * with O(log n) insert, delete, min and max): a balanced tree is what the cost bound needs, and
 * a library's is safer than one written here. Members with a score of 0 or below are in no set:
 * they count only for `sum: all`.
 */
export class AccountMembers {
  private readonly scores = new Map<string, number>();
  private readonly n: number;
  private readonly top: BTree<Ranked, undefined>;
  private readonly rest: BTree<Ranked, undefined>;
  private topSum = 0;
  private sumAll = 0;

  constructor(aggregate: CompiledAggregate) {
    this.n = aggregate.kind === 'sum' ? 0 : aggregate.n;
    this.top = new BTree<Ranked, undefined>(undefined, rank);
    this.rest = new BTree<Ranked, undefined>(undefined, rank);
  }

  /** How many contacts belong to the account (whatever their score). */
  get size(): number {
    return this.scores.size;
  }

  /** The member's score as the account holds it; undefined when it is not a member. */
  scoreOf(contactId: string): number | undefined {
    return this.scores.get(contactId);
  }

  /** The aggregate of the member scores: the sum of all, of the top N above 0, or the highest above 0 (0 when none). */
  get aggregate(): number {
    return this.n === 0 ? this.sumAll : this.topSum;
  }

  /** Adds the contact or changes its score. */
  set(contactId: string, score: number): void {
    const previous = this.scores.get(contactId);
    if (previous === score) return;
    if (previous !== undefined) this.unrank(previous, contactId);
    this.scores.set(contactId, score);
    this.sumAll += score - (previous ?? 0);
    if (this.n > 0 && score > 0) this.rankIn({ score, contactId });
  }

  /** Removes the contact; false when it was not a member. */
  remove(contactId: string): boolean {
    const previous = this.scores.get(contactId);
    if (previous === undefined) return false;
    this.unrank(previous, contactId);
    this.scores.delete(contactId);
    this.sumAll -= previous;
    return true;
  }

  /**
   * The members the aggregate counts, highest first, at most `limit` (for `top`/`max` the top
   * set; for `sum: all` none, since every member counts).
   */
  topMembers(limit = this.n): MemberScore[] {
    const out: MemberScore[] = [];
    if (limit <= 0) return out;
    for (const [member] of this.top.entries()) {
      out.push({ contactId: member.contactId, score: member.score });
      if (out.length >= limit) break;
    }
    return out;
  }

  private unrank(score: number, contactId: string): void {
    if (this.n === 0 || score <= 0) return;
    const key = { score, contactId };
    if (!this.top.delete(key)) {
      this.rest.delete(key);
      return;
    }
    this.topSum -= score;
    const promoted = this.rest.minKey();
    if (promoted === undefined) return;
    this.rest.delete(promoted);
    this.top.set(promoted, undefined);
    this.topSum += promoted.score;
  }

  private rankIn(key: Ranked): void {
    if (this.top.size < this.n) {
      this.top.set(key, undefined);
      this.topSum += key.score;
      return;
    }
    const lowest = this.top.maxKey() as Ranked;
    if (rank(key, lowest) < 0) {
      this.top.delete(lowest);
      this.topSum -= lowest.score;
      this.rest.set(lowest, undefined);
      this.top.set(key, undefined);
      this.topSum += key.score;
    } else this.rest.set(key, undefined);
  }
}
