/**
 * A binary min-heap of (priority, index) with first-in-first-out order among equal priorities —
 * the order skimage's watershed uses, which makes plateaus flood evenly from every marker.
 */
export class MinHeap {
  private prio: Float64Array;
  private age: Float64Array;
  private item: Int32Array;
  private n = 0;
  private counter = 0;

  constructor(capacity = 1024) {
    this.prio = new Float64Array(capacity);
    this.age = new Float64Array(capacity);
    this.item = new Int32Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  private less(a: number, b: number): boolean {
    const pa = this.prio[a]!;
    const pb = this.prio[b]!;
    return pa < pb || (pa === pb && this.age[a]! < this.age[b]!);
  }

  private swap(a: number, b: number): void {
    const p = this.prio[a]!;
    this.prio[a] = this.prio[b]!;
    this.prio[b] = p;
    const g = this.age[a]!;
    this.age[a] = this.age[b]!;
    this.age[b] = g;
    const t = this.item[a]!;
    this.item[a] = this.item[b]!;
    this.item[b] = t;
  }

  push(priority: number, item: number): void {
    if (this.n === this.prio.length) {
      const cap = this.prio.length * 2;
      const grow = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
        const b = make(cap);
        b.set(a);
        return b;
      };
      this.prio = grow(this.prio, (c) => new Float64Array(c));
      this.age = grow(this.age, (c) => new Float64Array(c));
      this.item = grow(this.item, (c) => new Int32Array(c));
    }
    let i = this.n++;
    this.prio[i] = priority;
    this.age[i] = this.counter++;
    this.item[i] = item;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes and returns the item with the smallest priority (undefined when empty). */
  pop(): number | undefined {
    if (this.n === 0) return undefined;
    const top = this.item[0]!;
    this.n--;
    if (this.n > 0) {
      this.swap(0, this.n);
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.n && this.less(l, m)) m = l;
        if (r < this.n && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}
