import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { BAGIT_TXT, BagWriter, FingerprintMismatch, bagInfoTxt, bagSize, dublinCoreXml, isBagPath, manifestTxt } from './bagit';

const sha = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');
/** A temporary folder of this test, removed when the file's tests end. */
const made: string[] = [];
const tmp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bagit-'));
  made.push(dir);
  return dir;
};
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('tag files', () => {
  it('bagit.txt is the version 1.0 declaration in UTF-8', () => {
    expect(BAGIT_TXT).toBe('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
  });

  it('bag-info.txt keeps the order and folds a value onto one line', () => {
    expect(
      bagInfoTxt([
        ['Source-Organization', 'وزارة العمل'],
        ['External-Description', 'two\nlines '],
      ]),
    ).toBe('Source-Organization: وزارة العمل\nExternal-Description: two lines\n');
  });

  it('a manifest is sorted by path, two spaces between hash and path', () => {
    expect(
      manifestTxt([
        { path: 'data/b', sha256: 'bb' },
        { path: 'data/a', sha256: 'aa' },
      ]),
    ).toBe('aa  data/a\nbb  data/b\n');
  });

  it('payload paths are plain ASCII under data/', () => {
    expect(isBagPath('data/incoming/2026/000001/original.jpg')).toBe(true);
    for (const bad of ['data/../x', 'data/a b', 'x/a', 'data', 'data/وارد', 'data//a', 'data/a\nb', '/data/a'])
      expect(isBagPath(bad)).toBe(false);
  });

  it('Bag-Size reads as people write it', () => {
    expect(bagSize(512)).toBe('512 B');
    expect(bagSize(1536)).toBe('1.5 KB');
    expect(bagSize(3 * 1024 * 1024)).toBe('3.0 MB');
  });

  it('Dublin Core escapes text and leaves out what is absent', () => {
    const x = dublinCoreXml({
      title: 'طلب <عاجل> & "مهم"',
      identifier: '2026/000001',
      date: '2026-03-01',
      creator: null,
      publisher: 'وزارة',
      type: null,
      formats: ['application/pdf', 'application/pdf', 'text/plain'],
      rights: 'internal',
    });
    expect(x).toContain('<dc:title>طلب &lt;عاجل&gt; &amp; &quot;مهم&quot;</dc:title>');
    expect(x).toContain('<dc:identifier>2026/000001</dc:identifier>');
    expect(x).not.toContain('dc:creator');
    expect(x.match(/<dc:format>/g)).toHaveLength(2);
    expect(x).toContain('<dc:rights>internal</dc:rights>');
  });
});

describe('BagWriter', () => {
  it('writes a whole bag whose manifests and Payload-Oxum agree with its files', async () => {
    const parent = tmp();
    const bag = new BagWriter(parent, 'bag-1');
    const a = Buffer.from('first file\n');
    const b = crypto.randomBytes(70_000);
    await bag.addStream('data/x/2026/000001/original.bin', Readable.from([b.subarray(0, 1000), b.subarray(1000)]), {
      sha256: sha(b),
      size: b.length,
    });
    await bag.addBytes('data/x/2026/000001/text.txt', a);
    expect(fs.existsSync(path.join(parent, 'bag-1'))).toBe(false); // nothing complete-looking until finished
    const done = bag.finish([['External-Identifier', 't-1']]);
    expect(done.payloadOxum).toBe(`${a.length + b.length}.2`);
    const dir = path.join(parent, 'bag-1');
    expect(fs.readdirSync(parent)).toEqual(['bag-1']);
    const manifest = fs.readFileSync(path.join(dir, 'manifest-sha256.txt'), 'utf8');
    expect(manifest).toBe(`${sha(b)}  data/x/2026/000001/original.bin\n${sha(a)}  data/x/2026/000001/text.txt\n`);
    const info = fs.readFileSync(path.join(dir, 'bag-info.txt'), 'utf8');
    expect(info).toContain(`Payload-Oxum: ${done.payloadOxum}\n`);
    const tagmanifest = fs.readFileSync(path.join(dir, 'tagmanifest-sha256.txt'), 'utf8');
    for (const f of ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt'])
      expect(tagmanifest).toContain(`${sha(fs.readFileSync(path.join(dir, f)))}  ${f}\n`);
    expect(done.tagmanifestSha256).toBe(sha(tagmanifest));
  });

  it('refuses a file whose fingerprint is not the recorded one, and abort leaves nothing', async () => {
    const parent = tmp();
    const bag = new BagWriter(parent, 'bag-2');
    await expect(
      bag.addStream('data/a.bin', Readable.from([Buffer.from('changed')]), { sha256: sha('original'), size: 7 }),
    ).rejects.toBeInstanceOf(FingerprintMismatch);
    bag.abort();
    expect(fs.readdirSync(parent)).toEqual([]);
  });

  it('refuses a path outside data/ and the same path twice', async () => {
    const bag = new BagWriter(tmp(), 'bag-3');
    await expect(bag.addBytes('data/../../etc/x', 'x')).rejects.toThrow(/plain payload path/);
    await bag.addBytes('data/a.txt', 'x');
    await expect(bag.addBytes('data/a.txt', 'y')).rejects.toThrow(/twice/);
    bag.abort();
  });
});
