/**
 * A quantile of the latest observations of a duration: a ring of the last `capacity` values,
 * sorted on demand (a few hundred values, a few times a minute). Null until `minSamples` came.
 */
export class RecentQuantiles {
  readonly #values: number[] = [];
  #next = 0;
  #sorted: number[] | null = null;

  constructor(
    readonly capacity = 500,
    readonly minSamples = 30,
  ) {}

  get count(): number {
    return this.#values.length;
  }

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    if (this.#values.length < this.capacity) this.#values.push(value);
    else this.#values[this.#next] = value;
    this.#next = (this.#next + 1) % this.capacity;
    this.#sorted = null;
  }

  /** The `q` quantile (0..1) of the values kept, or null while fewer than `minSamples`. */
  quantile(q: number): number | null {
    if (this.#values.length < this.minSamples) return null;
    this.#sorted ??= [...this.#values].sort((a, b) => a - b);
    const sorted = this.#sorted;
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  }
}
