/**
 * Differences between points known from interval sums. A band [a, b) with count v says
 * P(b) − P(a) = v, where P is the cumulative count; P(y) − P(x) is known exactly when x and y
 * are joined by such facts (a weighted union-find). Facts that contradict each other (two
 * tables of different populations or measures) make the whole set unusable.
 */
export class Potentials {
  private readonly ids = new Map<number, number>();
  private readonly parent: number[] = [];
  /** P(point) − P(parent). */
  private readonly offset: number[] = [];
  private contradicted = false;

  get consistent(): boolean {
    return !this.contradicted;
  }

  /** Records P(b) − P(a) = value. */
  add(a: number, b: number, value: number): void {
    const ia = this.id(a);
    const ib = this.id(b);
    const ra = this.find(ia);
    const rb = this.find(ib);
    const va = this.offset[ia];
    const vb = this.offset[ib];
    if (ra === rb) {
      if (vb - va !== value) this.contradicted = true;
      return;
    }
    this.parent[rb] = ra;
    this.offset[rb] = va + value - vb;
  }

  /** P(b) − P(a) when the facts determine it, else null. */
  difference(a: number, b: number): number | null {
    if (!this.ids.has(a) || !this.ids.has(b)) return null;
    const ia = this.id(a);
    const ib = this.id(b);
    if (this.find(ia) !== this.find(ib)) return null;
    return this.offset[ib] - this.offset[ia];
  }

  /** The points, grouped by what is known between them, each group sorted. */
  groups(): number[][] {
    const byRoot = new Map<number, number[]>();
    for (const [point, id] of this.ids) {
      const root = this.find(id);
      const group = byRoot.get(root) ?? [];
      group.push(point);
      byRoot.set(root, group);
    }
    return [...byRoot.values()].map((g) => g.sort((x, y) => x - y));
  }

  private id(point: number): number {
    let id = this.ids.get(point);
    if (id === undefined) {
      id = this.parent.length;
      this.ids.set(point, id);
      this.parent.push(id);
      this.offset.push(0);
    }
    return id;
  }

  /** The root of `id`, compressing the path; afterwards offset[id] is P(id) − P(root). */
  private find(id: number): number {
    let root = id;
    let total = 0;
    while (this.parent[root] !== root) {
      total += this.offset[root];
      root = this.parent[root];
    }
    // Second pass: point every node on the path at the root, with its offset to the root.
    for (let node = id; this.parent[node] !== node;) {
      const next = this.parent[node];
      const own = this.offset[node];
      this.offset[node] = total;
      this.parent[node] = root;
      total -= own;
      node = next;
    }
    return root;
  }
}
