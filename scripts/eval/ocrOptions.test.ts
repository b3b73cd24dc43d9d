import os from 'node:os';
import path from 'node:path';
import { evalCacheDir } from './ocrOptions';

test("each checkout's evaluations keep their model copies in a folder of their own", () => {
  const a = evalCacheDir('/work/main');
  expect(path.dirname(a)).toBe(os.tmpdir());
  expect(evalCacheDir('/work/main/')).toBe(a);
  expect(evalCacheDir('/tmp/a-clone')).not.toBe(a);
  // This checkout's own folder, by default.
  expect(evalCacheDir()).toBe(evalCacheDir(path.resolve(__dirname, '..', '..')));
});
