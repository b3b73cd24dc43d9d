import { POLICY, PUBLIC } from '../policy';
import { openApiDocument, permissionOf } from './document';
import { apiPath, OPERATIONS, samplePath } from './ops';

const doc = openApiDocument() as { paths: Record<string, Record<string, { operationId: string }>> };

test('every line of the permission table has a route in the contract', () => {
  const undescribed = POLICY.filter(
    ([method, re]) => !OPERATIONS.some((o) => o.method.toUpperCase() === method && re.test(apiPath(o.path) ?? '')),
  );
  expect(undescribed.map(([m, re]) => `${m} ${re.source}`)).toEqual([]);
});

test('a route is public in the contract exactly when the public table says so', () => {
  const isPublic = (o: (typeof OPERATIONS)[number]) =>
    PUBLIC.some(([m, re]) => m === o.method.toUpperCase() && re.test(samplePath(o.path)));
  expect(OPERATIONS.filter((o) => isPublic(o) !== Boolean(o.public)).map((o) => o.id)).toEqual([]);
  expect(OPERATIONS.filter((o) => !o.public).map(permissionOf)).not.toContain('public');
});

test('each route is in the document once, under its own operationId', () => {
  const ids = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
  expect(ids.sort()).toEqual(OPERATIONS.map((o) => o.id).sort());
  expect(new Set(ids).size).toBe(ids.length);
});
