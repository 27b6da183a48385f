const initialSlots = 1024;

/**
 * Entries that have a deadline, as a dense array of (entry address, deadline ms), which the active
 * cycle sweeps in order from a cursor: cheaper and surer than Redis's random sampling, since every
 * deadline is examined within expireFullSweepCycles cycles (limits.ts). Slots are 1-based (0 = "no deadline" in the entry header);
 * removal moves the last slot into the hole, and the caller re-points that entry.
 */
export class ExpiryIndex {
  addresses = new Uint32Array(initialSlots);
  deadlines = new Float64Array(initialSlots);
  count = 0;
  /** Where the active cycle's sweep goes on. */
  cursor = 0;

  constructor(private readonly mayReserve: (bytes: number) => boolean) {}

  get bytesReserved(): number {
    return this.addresses.byteLength + this.deadlines.byteLength;
  }

  /** Room for one more slot; false when growing would pass the memory limit. */
  reserveOne(): boolean {
    if (this.count < this.addresses.length) return true;
    const slots = this.addresses.length * 2;
    if (!this.mayReserve(slots * 12 - this.bytesReserved)) return false;
    const addresses = new Uint32Array(slots);
    addresses.set(this.addresses);
    const deadlines = new Float64Array(slots);
    deadlines.set(this.deadlines);
    this.addresses = addresses;
    this.deadlines = deadlines;
    return true;
  }

  /** Adds an entry (after reserveOne); returns its 1-based slot. */
  add(address: number, deadlineMs: number): number {
    this.addresses[this.count] = address;
    this.deadlines[this.count] = deadlineMs;
    return ++this.count;
  }

  deadline(slot: number): number {
    return this.deadlines[slot - 1];
  }

  setDeadline(slot: number, deadlineMs: number): void {
    this.deadlines[slot - 1] = deadlineMs;
  }

  setAddress(slot: number, address: number): void {
    this.addresses[slot - 1] = address;
  }

  /** Empties a slot; returns the address of the entry moved into it (now at `slot`), or 0. */
  remove(slot: number): number {
    const last = --this.count;
    if (slot - 1 === last) return 0;
    this.addresses[slot - 1] = this.addresses[last];
    this.deadlines[slot - 1] = this.deadlines[last];
    return this.addresses[slot - 1];
  }
}
