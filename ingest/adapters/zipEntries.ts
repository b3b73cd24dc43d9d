/**
 * Reading a ZIP file's table of contents (its central directory) and the bytes of a small entry, from a file
 * on disk, without unpacking the rest. Office documents (.docx, .xlsx, .odt, .ods) are ZIP packages; what
 * they are, and whether they carry macros, is read from their entries' names and a few small XML parts.
 *
 * A package is held to caps before anything is unpacked, against "zip bombs": the number of entries, the size
 * of the directory, and the total size its entries claim once unpacked; an entry is unpacked only up to the
 * size it claims (and a cap), so a lying entry stops at its claim. Anything that does not hold together
 * throws a ZipError.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';

export interface ZipEntry {
  name: string;
  /** 0: stored, 8: deflated (the only methods Office writes). */
  method: number;
  compressedSize: number;
  size: number;
  /** Where the entry's local header starts. */
  offset: number;
  /** Encrypted with the ZIP format's own encryption (general-purpose flag bit 0). */
  encrypted: boolean;
}

export interface ZipLimits {
  maxEntries: number;
  /** The total of the sizes the entries claim once unpacked. */
  maxTotalSize: number;
  /** The most one entry read by readEntry may unpack to. */
  maxEntrySize: number;
}

export const ZIP_LIMITS: ZipLimits = { maxEntries: 20_000, maxTotalSize: 2 * 1024 ** 3, maxEntrySize: 4 * 1024 ** 2 };

export type ZipProblem = 'broken' | 'too_big';

export class ZipError extends Error {
  constructor(
    readonly problem: ZipProblem,
    message: string,
  ) {
    super(message);
    this.name = 'ZipError';
  }
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;
/** Far more than the directory of any document needs (20,000 entries with long names take about 3 MB). */
const MAX_DIRECTORY = 16 * 1024 ** 2;

const broken = (why: string) => new ZipError('broken', why);

/** Reads `length` bytes at `position`; fewer bytes than asked, or a place no file has, is a broken file. */
function readAt(fd: number, position: number, length: number): Buffer {
  if (!Number.isSafeInteger(position) || position < 0) throw broken(`no byte ${position} in the file`);
  const buf = Buffer.alloc(length);
  const got = fs.readSync(fd, buf, 0, length, position);
  if (got !== length) throw broken(`the file ends before byte ${position + length}`);
  return buf;
}

/** Where the central directory is, and how many entries it holds. */
function directoryPlace(fd: number, fileSize: number): { offset: number; size: number; count: number } {
  const tailLength = Math.min(fileSize, 22 + MAX_COMMENT);
  const tail = readAt(fd, fileSize - tailLength, tailLength);
  let at = -1;
  for (let i = tailLength - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      at = i;
      break;
    }
  }
  if (at < 0) throw broken('no end of central directory record (a truncated file?)');
  let count = tail.readUInt16LE(at + 10);
  let size = tail.readUInt32LE(at + 12);
  let offset = tail.readUInt32LE(at + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    // ZIP64: the real figures are in a record the locator just before points at.
    const locatorAt = fileSize - tailLength + at - 20;
    if (locatorAt < 0) throw broken('ZIP64 locator missing');
    const locator = readAt(fd, locatorAt, 20);
    if (locator.readUInt32LE(0) !== ZIP64_LOCATOR) throw broken('ZIP64 locator missing');
    // The record comes before its locator; an offset past it (past what a number holds, even) is a lie.
    const recordAt = locator.readBigUInt64LE(8);
    if (recordAt + 56n > BigInt(locatorAt)) throw broken('the ZIP64 end record lies beyond its locator');
    const record = readAt(fd, Number(recordAt), 56);
    if (record.readUInt32LE(0) !== ZIP64_EOCD) throw broken('ZIP64 end record missing');
    count = Number(record.readBigUInt64LE(32));
    size = Number(record.readBigUInt64LE(40));
    offset = Number(record.readBigUInt64LE(48));
  }
  if (offset + size > fileSize) throw broken('the central directory lies beyond the end of the file');
  return { offset, size, count };
}

/** The 64-bit sizes and offset a ZIP64 extra field holds for the fields marked 0xFFFFFFFF. */
function zip64Extra(extra: Buffer, entry: ZipEntry): void {
  for (let i = 0; i + 4 <= extra.length;) {
    const id = extra.readUInt16LE(i);
    const len = extra.readUInt16LE(i + 2);
    if (id === 0x0001) {
      let p = i + 4;
      const next = () => {
        if (p + 8 > i + 4 + len) throw broken('ZIP64 extra field too short');
        const v = Number(extra.readBigUInt64LE(p));
        p += 8;
        return v;
      };
      if (entry.size === 0xffffffff) entry.size = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.offset === 0xffffffff) entry.offset = next();
      return;
    }
    i += 4 + len;
  }
}

/** The entries of the ZIP file at `file`, in the central directory's order. */
export function zipEntries(file: string, limits: ZipLimits = ZIP_LIMITS): ZipEntry[] {
  const fd = fs.openSync(file, 'r');
  try {
    const fileSize = fs.fstatSync(fd).size;
    const place = directoryPlace(fd, fileSize);
    if (place.count > limits.maxEntries) throw new ZipError('too_big', `${place.count} entries (at most ${limits.maxEntries})`);
    if (place.size > MAX_DIRECTORY) throw new ZipError('too_big', `a central directory of ${place.size} bytes`);
    const dir = readAt(fd, place.offset, place.size);
    const entries: ZipEntry[] = [];
    let total = 0;
    for (let at = 0, i = 0; i < place.count; i++) {
      if (at + 46 > dir.length || dir.readUInt32LE(at) !== CENTRAL) throw broken(`entry ${i + 1} of the directory is damaged`);
      const nameLength = dir.readUInt16LE(at + 28);
      const extraLength = dir.readUInt16LE(at + 30);
      const commentLength = dir.readUInt16LE(at + 32);
      if (at + 46 + nameLength + extraLength + commentLength > dir.length) throw broken(`entry ${i + 1} runs past the directory`);
      const entry: ZipEntry = {
        name: dir.toString('utf8', at + 46, at + 46 + nameLength),
        method: dir.readUInt16LE(at + 10),
        compressedSize: dir.readUInt32LE(at + 20),
        size: dir.readUInt32LE(at + 24),
        offset: dir.readUInt32LE(at + 42),
        encrypted: (dir.readUInt16LE(at + 8) & 1) === 1,
      };
      zip64Extra(dir.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength), entry);
      if (entry.offset + 30 + entry.compressedSize > fileSize) throw broken(`${entry.name} lies beyond the end of the file`);
      total += entry.size;
      if (total > limits.maxTotalSize) throw new ZipError('too_big', `more than ${limits.maxTotalSize} bytes once unpacked`);
      entries.push(entry);
      at += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  } finally {
    fs.closeSync(fd);
  }
}

/** The unpacked bytes of one (small) entry; an entry claiming more than `maxEntrySize` is refused. */
export function readEntry(file: string, entry: ZipEntry, limits: ZipLimits = ZIP_LIMITS): Buffer {
  if (entry.size > limits.maxEntrySize) throw new ZipError('too_big', `${entry.name}: ${entry.size} bytes`);
  if (entry.encrypted) throw broken(`${entry.name} is encrypted`);
  const fd = fs.openSync(file, 'r');
  try {
    const local = readAt(fd, entry.offset, 30);
    if (local.readUInt32LE(0) !== LOCAL) throw broken(`${entry.name}: no local header where the directory says`);
    const dataAt = entry.offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    const packed = readAt(fd, dataAt, entry.compressedSize);
    if (entry.method === 0) {
      if (packed.length !== entry.size) throw broken(`${entry.name}: stored size differs from its claim`);
      return packed;
    }
    if (entry.method !== 8) throw broken(`${entry.name}: compression method ${entry.method}`);
    let out: Buffer;
    try {
      // One byte more than claimed is allowed, so that an entry that unpacks to more than it claims is caught.
      out = zlib.inflateRawSync(packed, { maxOutputLength: entry.size + 1 });
    } catch (e) {
      throw broken(`${entry.name}: ${(e as Error).message}`);
    }
    if (out.length !== entry.size) throw broken(`${entry.name}: unpacks to ${out.length} bytes, not the ${entry.size} it claims`);
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/** The name of the first entry's local header, read from the file's start: what a package is, even when its end is lost. */
export function firstLocalName(file: string): string | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(30 + 256);
    const got = fs.readSync(fd, head, 0, head.length, 0);
    if (got < 30 || head.readUInt32LE(0) !== LOCAL) return undefined;
    const nameLength = head.readUInt16LE(26);
    return 30 + nameLength <= got ? head.toString('utf8', 30, 30 + nameLength) : undefined;
  } finally {
    fs.closeSync(fd);
  }
}
