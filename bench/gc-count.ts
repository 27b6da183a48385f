// Counts garbage collections inside measured intervals, for the benches that check that a hot path
// allocates nothing.
import { PerformanceObserver } from 'node:perf_hooks';

export class GcCounter {
  /** Start times (performance.now() scale) of every garbage collection seen. */
  private readonly starts: number[] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) this.starts.push(entry.startTime);
  });

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Collections that started within [from, to]; await settle() first so every entry is seen. */
  between(from: number, to: number): number {
    return this.starts.filter((t) => t >= from && t <= to).length;
  }

  /** Lets the observer receive the entries of collections that just ran. */
  settle(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 10));
  }

  stop(): void {
    this.observer.disconnect();
  }
}
