import { Meilisearch } from 'meilisearch';
test('loads', () => { expect(typeof Meilisearch).toBe('function'); });
