/**
 * A log-bucketed latency histogram in µs (64 buckets per power of two, so
 * about 1.5% resolution), small enough to post between threads as a plain
 * array and to merge by adding counts. Exact below 128 µs.
 */
const LINEAR = 128;
const SUB = 64;
const POWERS = 40;
export const BUCKETS = LINEAR + POWERS * SUB;

function indexOf(us: number): number {
  if (us < LINEAR) return us < 0 ? 0 : Math.floor(us);
  const v = Math.floor(us);
  const e = 31 - Math.clz32(v) ; // floor(log2 v) >= 7
  if (e >= 31) return BUCKETS - 1;
  const sub = (v >>> (e - 6)) & (SUB - 1);
  return Math.min(BUCKETS - 1, LINEAR + (e - 7) * SUB + sub);
}

function valueOf(index: number): number {
  if (index < LINEAR) return index;
  const e = Math.floor((index - LINEAR) / SUB) + 7;
  const sub = (index - LINEAR) % SUB;
  const low = (SUB + sub) * 2 ** (e - 6);
  return low + 2 ** (e - 7); // the bucket's middle
}

export interface HistogramData {
  counts: number[];
  count: number;
  max: number;
  sum: number;
}

export class Histogram {
  counts = new Float64Array(BUCKETS);
  count = 0;
  max = 0;
  sum = 0;

  add(us: number): void {
    this.counts[indexOf(us)]!++;
    this.count++;
    this.sum += us;
    if (us > this.max) this.max = us;
  }

  merge(other: HistogramData): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i] ?? 0;
    this.count += other.count;
    this.sum += other.sum;
    if (other.max > this.max) this.max = other.max;
  }

  toJSON(): HistogramData {
    return { counts: Array.from(this.counts), count: this.count, max: this.max, sum: this.sum };
  }

  static from(data: HistogramData): Histogram {
    const h = new Histogram();
    h.merge(data);
    return h;
  }

  /** The value below which a fraction q of samples fall, in µs. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(valueOf(i), this.max);
    }
    return this.max;
  }
}
