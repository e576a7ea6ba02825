/**
 * Kahn's order and both traversals repeatedly take "the earliest ready node". A heap over node
 * indices (or ranks) answers that in logarithmic time, where re-sorting the ready list would cost a
 * sort per step; typed storage keeps it free of per-push allocations.
 */

/** Binary min-heap of small non-negative integers; orders ready nodes without sorting on every step. */
export class IntegerMinHeap {
  readonly #items: Int32Array;
  #size = 0;

  /** Creates an empty heap that holds at most `capacity` values; pushing more is not checked. */
  constructor(capacity: number) {
    this.#items = new Int32Array(Math.max(capacity, 1));
  }

  /** How many values the heap holds. */
  get size(): number {
    return this.#size;
  }

  /** Adds `value`; the caller keeps the total within the capacity given to the constructor. */
  push(value: number): void {
    const items = this.#items;
    let position = this.#size++;
    while (position > 0) {
      const parent = (position - 1) >> 1;
      const parentValue = items[parent]!;
      if (parentValue <= value) break;
      items[position] = parentValue;
      position = parent;
    }
    items[position] = value;
  }

  /** Removes and returns the smallest value; only call it when {@link IntegerMinHeap.size} is above 0. */
  pop(): number {
    const items = this.#items;
    const top = items[0]!;
    const last = items[--this.#size]!;
    const size = this.#size;
    let position = 0;
    for (;;) {
      let child = 2 * position + 1;
      if (child >= size) break;
      if (child + 1 < size && items[child + 1]! < items[child]!) child++;
      if (items[child]! >= last) break;
      items[position] = items[child]!;
      position = child;
    }
    if (size > 0) items[position] = last;
    return top;
  }
}
