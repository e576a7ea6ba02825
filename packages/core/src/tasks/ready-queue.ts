import type { TaskRecord } from '../store/store.js';

interface QueuedJob {
  readonly record: TaskRecord;
  readonly sequence: number;
}

/**
 * The due jobs of one task name, best first: higher priority, then earlier due time, then earlier
 * arrival. A binary heap, so a queue of thousands of jobs costs O(log n) per job.
 */
export class ReadyQueue {
  readonly #heap: QueuedJob[] = [];
  #sequence = 0;

  get size(): number {
    return this.#heap.length;
  }

  push(record: TaskRecord): void {
    this.#heap.push({ record, sequence: this.#sequence++ });
    this.#siftUp(this.#heap.length - 1);
  }

  /** Removes and returns the best job, or undefined when empty. */
  shift(): TaskRecord | undefined {
    return this.#removeAt(0);
  }

  /** Removes the job with `id`; returns whether it was queued. */
  remove(id: string): boolean {
    const index = this.#heap.findIndex((entry) => entry.record.id === id);
    return index >= 0 && this.#removeAt(index) !== undefined;
  }

  /** Empties the queue, returning its jobs. */
  drain(): TaskRecord[] {
    return this.#heap.splice(0).map((entry) => entry.record);
  }

  #removeAt(index: number): TaskRecord | undefined {
    const heap = this.#heap;
    const removed = heap[index];
    const last = heap.pop();
    if (removed === undefined || last === undefined) return undefined;
    if (index < heap.length) {
      heap[index] = last;
      this.#siftUp(index);
      this.#siftDown(index);
    }
    return removed.record;
  }

  #siftUp(start: number): void {
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.#before(index, parent)) return;
      this.#swap(index, parent);
      index = parent;
    }
  }

  #siftDown(start: number): void {
    const size = this.#heap.length;
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      let best = index;
      if (left < size && this.#before(left, best)) best = left;
      if (left + 1 < size && this.#before(left + 1, best)) best = left + 1;
      if (best === index) return;
      this.#swap(index, best);
      index = best;
    }
  }

  #before(left: number, right: number): boolean {
    const a = this.#heap[left] as QueuedJob;
    const b = this.#heap[right] as QueuedJob;
    if (a.record.priority !== b.record.priority) return a.record.priority > b.record.priority;
    if (a.record.runAt !== b.record.runAt) return a.record.runAt < b.record.runAt;
    return a.sequence < b.sequence;
  }

  #swap(left: number, right: number): void {
    const heap = this.#heap;
    [heap[left], heap[right]] = [heap[right] as QueuedJob, heap[left] as QueuedJob];
  }
}
