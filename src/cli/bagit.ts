/**
 * A BagIt bag (RFC 8493, version 1.0) written file by file, so that another
 * archive checks it with standard tools alone (`sha256sum -c
 * manifest-sha256.txt` in the bag). The tag files' text is made by pure
 * functions; BagWriter streams each payload file to disk while hashing and
 * counting it, and refuses one whose fingerprint or size is not the one
 * expected.
 *
 *   <parent>/.<name>.partial/  every file is written here first
 *     data/...                 payload (addStream / addBytes)
 *     manifest-sha256.txt      "<sha256>  data/..." per payload file
 *     bagit.txt, bag-info.txt  (finish)
 *     tagmanifest-sha256.txt   over the three tag files above
 *   <parent>/<name>/           renamed into place only when whole
 *
 * An abort (or a crash) leaves at most the hidden partial folder, never a bag
 * that looks complete; `abort()` removes it. Paths are plain ASCII (letters,
 * digits, dot, dash, underscore), so no percent-encoding is ever needed.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { escapeHtml } from '../../kernel/text';

export const BAGIT_TXT = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** Whether `p` is a payload path this writer accepts: data/ then plain ASCII segments, none "." or "..". */
export function isBagPath(p: string): boolean {
  const parts = p.split('/');
  return parts.length >= 2 && parts[0] === 'data' && parts.slice(1).every((s) => SEGMENT.test(s) && s !== '.' && s !== '..');
}

/** Payload-Oxum: the payload's octet count and file count. */
export function payloadOxum(octets: number, files: number): string {
  return `${octets}.${files}`;
}

/** Bag-Size as people read it (the exact figure is in Payload-Oxum). */
export function bagSize(octets: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = octets;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${octets} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** bag-info.txt: one "Label: value" line each, in order; a value's line breaks become spaces. */
export function bagInfoTxt(fields: ReadonlyArray<readonly [string, string]>): string {
  return fields.map(([k, v]) => `${k}: ${v.replace(/\s*[\r\n]+\s*/g, ' ').trim()}\n`).join('');
}

/** A manifest: "<sha256>  <path>" per file, sorted by path so the same bag gives the same text. */
export function manifestTxt(entries: ReadonlyArray<{ path: string; sha256: string }>): string {
  return [...entries]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((e) => `${e.sha256}  ${e.path}\n`)
    .join('');
}

/** Simple Dublin Core (the OAI-DC container) of one document; absent values are left out. */
export function dublinCoreXml(dc: {
  title: string | null;
  identifier: string;
  date: string | null;
  creator: string | null;
  publisher: string;
  type: string | null;
  formats: readonly string[];
  rights: string;
  subject?: string | null;
  language?: string;
}): string {
  const el = (name: string, v: string | null | undefined) => (v ? `  <dc:${name}>${escapeHtml(v)}</dc:${name}>\n` : '');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">\n' +
    el('title', dc.title) +
    el('identifier', dc.identifier) +
    el('date', dc.date) +
    el('creator', dc.creator) +
    el('publisher', dc.publisher) +
    el('type', dc.type) +
    el('subject', dc.subject) +
    [...new Set(dc.formats)].map((f) => el('format', f)).join('') +
    el('language', dc.language ?? 'ar') +
    el('rights', dc.rights) +
    '</oai_dc:dc>\n'
  );
}

/** A file whose bytes are not those the archive recorded. */
export class FingerprintMismatch extends Error {
  constructor(
    readonly path: string,
    readonly expected: { sha256: string; size: number },
    readonly got: { sha256: string; size: number },
  ) {
    super(`${path}: expected sha256 ${expected.sha256} (${expected.size} bytes), got ${got.sha256} (${got.size} bytes)`);
  }
}

export interface FinishedBag {
  dir: string;
  payloadOxum: string;
  tagmanifestSha256: string;
  octets: number;
  files: number;
}

export class BagWriter {
  readonly partial: string;
  readonly final: string;
  private readonly entries: Array<{ path: string; sha256: string; size: number }> = [];

  constructor(
    parent: string,
    readonly name: string,
  ) {
    if (!SEGMENT.test(name)) throw new Error(`not a plain bag name: ${name}`);
    this.final = path.join(parent, name);
    this.partial = path.join(parent, `.${name}.partial`);
    if (fs.existsSync(this.final)) throw new Error(`${this.final} exists already`);
    fs.rmSync(this.partial, { recursive: true, force: true });
    fs.mkdirSync(path.join(this.partial, 'data'), { recursive: true });
  }

  private target(p: string): string {
    if (!isBagPath(p)) throw new Error(`not a plain payload path: ${p}`);
    if (this.entries.some((e) => e.path === p)) throw new Error(`twice in the bag: ${p}`);
    const file = path.join(this.partial, p);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    return file;
  }

  /** Streams one payload file in, hashing it on the way; refuses it when `expected` does not match. */
  async addStream(p: string, source: Readable | AsyncIterable<Uint8Array>, expected?: { sha256: string; size: number }) {
    const file = this.target(p);
    const hash = crypto.createHash('sha256');
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(source, counter, fs.createWriteStream(file, { flags: 'wx' }));
    const got = { sha256: hash.digest('hex'), size };
    if (expected && (expected.sha256 !== got.sha256 || expected.size !== got.size)) {
      fs.rmSync(file, { force: true });
      throw new FingerprintMismatch(p, expected, got);
    }
    this.entries.push({ path: p, ...got });
    return got;
  }

  /** A small payload file made here (metadata.json, dc.xml). */
  async addBytes(p: string, bytes: Buffer | string) {
    const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    async function* once() {
      yield buf;
    }
    return this.addStream(p, once());
  }

  /** Writes the manifest and tag files, then moves the bag into place. `info` comes before the counts. */
  finish(info: ReadonlyArray<readonly [string, string]>): FinishedBag {
    const octets = this.entries.reduce((n, e) => n + e.size, 0);
    const oxum = payloadOxum(octets, this.entries.length);
    const tags: Array<[string, string]> = [
      ['bagit.txt', BAGIT_TXT],
      ['bag-info.txt', bagInfoTxt([...info, ['Payload-Oxum', oxum], ['Bag-Size', bagSize(octets)]])],
      ['manifest-sha256.txt', manifestTxt(this.entries)],
    ];
    const tagEntries = tags.map(([name, text]) => {
      fs.writeFileSync(path.join(this.partial, name), text, 'utf8');
      return { path: name, sha256: crypto.createHash('sha256').update(text, 'utf8').digest('hex') };
    });
    const tagmanifest = manifestTxt(tagEntries);
    fs.writeFileSync(path.join(this.partial, 'tagmanifest-sha256.txt'), tagmanifest, 'utf8');
    fs.renameSync(this.partial, this.final);
    return {
      dir: this.final,
      payloadOxum: oxum,
      tagmanifestSha256: crypto.createHash('sha256').update(tagmanifest, 'utf8').digest('hex'),
      octets,
      files: this.entries.length,
    };
  }

  /** Removes what was written: no bag is left behind. */
  abort(): void {
    fs.rmSync(this.partial, { recursive: true, force: true });
  }
}
