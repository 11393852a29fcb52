/**
 * Running totals a hub can expose (the Node entry serves them at /metrics).
 * Topics add to a shared instance, so totals outlive idle topics.
 */
export class Counters {
  /** Streams open right now. */
  streams = 0;
  published = 0;
  delivered = 0;
  replayed = 0;
  dropped = 0;
}
