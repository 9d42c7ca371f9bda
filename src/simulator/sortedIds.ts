/** A growable array of call ids kept sorted by a comparator (the listing order: DateCreated, Sid). */
export class SortedIds {
  ids = new Int32Array(256);
  len = 0;
  /** Bumped when ids are inserted before the end, which moves the ids behind them. */
  epoch = 0;

  constructor(private readonly cmp: (a: number, b: number) => number) {}

  /** Inserts ids already sorted among themselves: an append when they all sort last (the usual case). */
  insertSorted(batch: ArrayLike<number>): void {
    const m = batch.length;
    if (m === 0) return;
    this.reserve(this.len + m);
    const first = batch[0] as number;
    if (this.len === 0 || this.cmp(this.ids[this.len - 1] as number, first) < 0) {
      for (let i = 0; i < m; i++) this.ids[this.len + i] = batch[i] as number;
      this.len += m;
      return;
    }
    // Merge the batch with the tail that sorts after its first id; only that tail moves.
    this.epoch++;
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cmp(this.ids[mid] as number, first) < 0) lo = mid + 1;
      else hi = mid;
    }
    const tail = this.ids.slice(lo, this.len);
    let i = 0;
    let j = 0;
    let k = lo;
    while (i < tail.length && j < m) {
      const a = tail[i] as number;
      const b = batch[j] as number;
      if (this.cmp(a, b) <= 0) {
        this.ids[k++] = a;
        i++;
      } else {
        this.ids[k++] = b;
        j++;
      }
    }
    while (i < tail.length) this.ids[k++] = tail[i++] as number;
    while (j < m) this.ids[k++] = batch[j++] as number;
    this.len += m;
  }

  private reserve(n: number): void {
    if (n <= this.ids.length) return;
    let cap = this.ids.length;
    while (cap < n) cap *= 2;
    const next = new Int32Array(cap);
    next.set(this.ids.subarray(0, this.len));
    this.ids = next;
  }
}
