import { MemoryStore } from '@trellis/core';
import { describeStoreConformance } from './store-conformance.js';

describeStoreConformance('MemoryStore', async () => ({ store: new MemoryStore(), cleanup: async () => {} }));
