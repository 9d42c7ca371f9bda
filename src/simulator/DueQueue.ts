/** A binary min-heap of items by due time, ties in the order they were pushed (so runs repeat exactly). */
export class DueQueue<T> {
  readonly #items: Array<{ at: number; seq: number; item: T }> = [];
  #seq = 0;

  get size(): number {
    return this.#items.length;
  }

  push(at: number, item: T): void {
    const heap = this.#items;
    heap.push({ at, seq: this.#seq++, item });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  /** The earliest item due at or before `now`, removed; undefined when none is. */
  popDue(now: number): T | undefined {
    const heap = this.#items;
    if (heap.length === 0 || heap[0]!.at > now) return undefined;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.#less(l, m)) m = l;
        if (r < heap.length && this.#less(r, m)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top.item;
  }

  #less(a: number, b: number): boolean {
    const x = this.#items[a]!;
    const y = this.#items[b]!;
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }
}
