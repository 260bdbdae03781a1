/** Remembers deliveries already taken, so a redelivered webhook is dropped. */
export interface DeliveryGuard {
  /** True the first time a delivery id is seen within the retention window, false after. */
  claim(deliveryId: string): Promise<boolean>;
  /**
   * Forgets a claimed delivery whose handling failed, so that its redelivery is handled rather than dropped.
   * Optional: without it a failed delivery stays claimed, and the sweep or the next event completes its work.
   */
  release?(deliveryId: string): Promise<void>;
  /**
   * Records that a claimed delivery was handled, so that it is remembered for the whole retention window. Optional:
   * a shared guard holds a claim only briefly until then, so that a delivery whose replica died while handling it is
   * handled again when it is redelivered.
   */
  complete?(deliveryId: string): Promise<void>;
}

/**
 * The dependency-free default: a bounded in-memory set with a time to live. State of record stays in the
 * tracker; this only saves work on redeliveries, so losing it on a restart is harmless.
 */
export class MemoryDeliveryGuard implements DeliveryGuard {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs = 60 * 60 * 1000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(deliveryId: string): Promise<boolean> {
    if (!deliveryId) return true;
    const at = this.now();
    const seenAt = this.seen.get(deliveryId);
    if (seenAt !== undefined && at - seenAt < this.ttlMs) return false;
    this.seen.set(deliveryId, at);
    // Maps iterate in insertion order: the first entries are the oldest.
    while (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
    return true;
  }

  async release(deliveryId: string): Promise<void> {
    this.seen.delete(deliveryId);
  }
}
