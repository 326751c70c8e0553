/** What a merge did to the forest of identities. */
export type RootMerge =
  { readonly merged: false; readonly root: string } | { readonly merged: true; readonly source: string; readonly target: string };

/**
 * Which contact each contact id stands for (docs/identity.md): a forest where every id
 * resolves to its root, itself until it is merged into another contact, then that contact's
 * root. A merge resolves both sides first, so it can never make a cycle, and a merge of two ids
 * of one tree (a redelivered or repeated merge) changes nothing.
 *
 * Mutable, owned by one caller (replay, a backtest's history); bounded by the merges, not the
 * events. Paths are compressed as they are resolved: the roots stay the same, only the walk
 * gets shorter.
 */
export class IdentityRoots {
  private readonly parent = new Map<string, string>();

  /** The root `id` resolves to: `id` itself unless it was merged away. */
  resolve(id: string): string {
    let root = id;
    for (let next = this.parent.get(root); next !== undefined; next = this.parent.get(root)) root = next;
    // compress: every id on the walk now points at the root
    for (let at = id, next = this.parent.get(at); next !== undefined && next !== root; next = this.parent.get(at)) {
      this.parent.set(at, root);
      at = next;
    }
    return root;
  }

  /** The root `id` was merged into, or undefined while `id` is a root. */
  mergedInto(id: string): string | undefined {
    const root = this.resolve(id);
    return root === id ? undefined : root;
  }

  /**
   * Merges `source` into `target`: root(target) becomes the root of root(source)'s whole tree.
   * Returns the two roots it joined, or `merged: false` when both already had one root.
   */
  merge(source: string, target: string): RootMerge {
    const s = this.resolve(source);
    const t = this.resolve(target);
    if (s === t) return { merged: false, root: t };
    this.parent.set(s, t);
    return { merged: true, source: s, target: t };
  }

  /** Every id merged away, with its root; in the order they were first merged. */
  aliases(): Map<string, string> {
    const out = new Map<string, string>();
    for (const id of this.parent.keys()) out.set(id, this.resolve(id));
    return out;
  }
}
