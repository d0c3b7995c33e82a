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
    const ra = this.find(this.id(a));
    const rb = this.find(this.id(b));
    const va = this.offset[this.id(a)];
    const vb = this.offset[this.id(b)];
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
    const path: number[] = [];
    let root = id;
    while (this.parent[root] !== root) {
      path.push(root);
      root = this.parent[root];
    }
    // From the node nearest the root outwards, so each parent's offset is already to the root.
    for (let i = path.length - 1; i >= 0; i--) {
      const node = path[i];
      const parent = this.parent[node];
      if (parent !== root) this.offset[node] += this.offset[parent];
      this.parent[node] = root;
    }
    return root;
  }
}
