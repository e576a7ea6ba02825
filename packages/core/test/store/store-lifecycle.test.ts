import { describe, expect, it } from 'vitest';
import { definePlugin, MemoryStore, type TaskQuery, type TaskRecord } from '../../src/index.js';
import { testHost } from '../support/host-fixtures.js';
import { rejectionOf } from '../support/thrown.js';

/** A memory store that records its open and close calls, and can fail opening or reading tasks. */
class RecordingStore extends MemoryStore {
  readonly calls: string[] = [];
  constructor(private readonly failure: 'open' | 'query' | undefined) {
    super();
  }
  override async open(): Promise<void> {
    this.calls.push('open');
    if (this.failure === 'open') throw new Error('disk not mounted');
  }
  override async close(): Promise<void> {
    this.calls.push('close');
  }
  override async queryTasks(query: TaskQuery): Promise<TaskRecord[]> {
    if (this.failure === 'query') throw new Error('tasks table unreadable');
    return super.queryTasks(query);
  }
}

const plugin = definePlugin({ name: 'p', version: '1.0.0', setup: () => undefined });

describe('the host and its store', () => {
  it('opens the store before the plugins start and closes it once they stopped', async () => {
    const store = new RecordingStore(undefined);
    const { host } = testHost({ plugins: [plugin], store });
    await host.start();
    expect(store.calls).toEqual(['open']);
    await host.stop();
    await host.stop();
    expect(store.calls).toEqual(['open', 'close']);
  });

  it('fails the start with E_STORE_FAILED when the store cannot open, starting no plugin', async () => {
    const store = new RecordingStore('open');
    const { host } = testHost({ plugins: [plugin], store });
    const error = await rejectionOf(host.start());
    expect(error.code).toBe('E_STORE_FAILED');
    expect(error.message).toContain('disk not mounted');
    expect(host.state).toBe('stopped');
    expect(host.plugins()[0]?.state).toBe('registered');
    expect(store.calls).toEqual(['open']);
  });

  it('closes the store again when its tasks cannot be read', async () => {
    const store = new RecordingStore('query');
    const { host } = testHost({ plugins: [plugin], store });
    expect((await rejectionOf(host.start())).code).toBe('E_STORE_FAILED');
    expect(store.calls).toEqual(['open', 'close']);
  });
});
