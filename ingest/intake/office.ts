/**
 * Office documents (.docx, .xlsx, .odt, .ods, .rtf): told from their bytes, refused when they carry macros or
 * embedded programs, converted to PDF by LibreOffice (ingest/adapters/libreoffice.ts), and registered as one
 * document of two files: the Office file as the original (it keeps the fingerprint), the PDF as its rendition
 * (it holds the pages, with the document's own text as their text layer, so no OCR is needed).
 *
 *   officeType (the ZIP's entries, or the RTF or OLE signature) -> convert (work folder, removed)
 *   -> spool the PDF (hashed while copied) -> examine -> acceptParts (crash-safe from here on) -> remove the spool copy
 *
 * A crash during conversion leaves the work folder (cleared at the next start, ingest/leftovers.ts) and at most
 * a spool copy named as an upload being received (cleared likewise).
 */
import fs from 'node:fs';
import { DomainError } from '../../kernel/errors';
import { convertToPdf, OFFICE_DEFAULTS } from '../adapters/libreoffice';
import { firstLocalName, readEntry, zipEntries, ZipError, type ZipEntry } from '../adapters/zipEntries';
import { acceptParts, examine, type AcceptDeps, type SpooledFile } from './accept';
import { oneDocument, type IntakeContext, type IntakeOutcome } from './route';
import { spoolStream } from './spoolBytes';

export interface OfficeType {
  mime: string;
  ext: 'docx' | 'xlsx' | 'odt' | 'ods' | 'rtf';
  /** The title the document gives itself (OOXML docProps/core.xml, ODF meta.xml), if any. */
  title: string | null;
}

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const ODT = 'application/vnd.oasis.opendocument.text';
const ODS = 'application/vnd.oasis.opendocument.spreadsheet';

const startsWith = (head: Buffer, bytes: number[]) => bytes.every((b, i) => head[i] === b);
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const RTF_MAGIC = [...Buffer.from('{\\rtf', 'latin1')];

/**
 * What Office document a file is, from its bytes (never its name); undefined when it is none (the caller goes
 * on to the other kinds). Throws office_macros, office_unreadable (a broken package), encrypted_file (a
 * password-protected Office file) or unsupported_type (a legacy .doc or .xls).
 */
export async function officeType(file: SpooledFile): Promise<OfficeType | undefined> {
  if (startsWith(file.head, RTF_MAGIC)) return { mime: 'application/rtf', ext: 'rtf', title: null };
  if (startsWith(file.head, OLE_MAGIC)) throw await legacyRefusal(file.path);
  if (!startsWith(file.head, ZIP_MAGIC)) return undefined;
  let entries: ZipEntry[];
  try {
    entries = zipEntries(file.path);
  } catch (e) {
    if (!(e instanceof ZipError)) throw e;
    // A ZIP that is not an Office package is none of ours, broken or not.
    if (e.problem === 'broken' && !looksLikeOffice(firstLocalName(file.path))) return undefined;
    throw unreadable(e);
  }
  try {
    return packageType(file.path, entries);
  } catch (e) {
    throw e instanceof ZipError ? unreadable(e) : e;
  }
}

/** The first entry an Office package is written with: `[Content_Types].xml` (OOXML) or `mimetype` (ODF), or one of their parts. */
function looksLikeOffice(first: string | undefined): boolean {
  return first !== undefined && /^(\[Content_Types\]\.xml|mimetype|_rels\/|docProps\/|word\/|xl\/|META-INF\/)/.test(first);
}

function unreadable(e: ZipError): DomainError {
  return new DomainError('office_unreadable', { en: `(${e.message})`, details: { reason: e.problem } });
}

/** An ODF package (its `mimetype` entry) or an OOXML one (its `[Content_Types].xml`), macros looked for in either. */
function packageType(file: string, entries: ZipEntry[]): OfficeType | undefined {
  const byName = new Map(entries.map((e) => [e.name, e]));
  const text = (name: string) => {
    const entry = byName.get(name);
    return entry ? readEntry(file, entry).toString('utf8') : undefined;
  };
  const mimetype = text('mimetype')?.trim();
  if (mimetype !== undefined) {
    const ext = mimetype === ODT ? 'odt' : mimetype === ODS ? 'ods' : undefined;
    if (!ext) return undefined;
    refuseOdfMacros(entries, text('META-INF/manifest.xml') ?? '');
    if (entries.some((e) => e.encrypted) || /<manifest:encryption-data/.test(text('META-INF/manifest.xml') ?? '')) {
      throw new DomainError('encrypted_file');
    }
    return { mime: mimetype, ext, title: xmlTitle(text('meta.xml')) };
  }
  const types = text('[Content_Types].xml');
  if (types === undefined) return undefined;
  const ext = byName.has('word/document.xml') ? 'docx' : byName.has('xl/workbook.xml') ? 'xlsx' : undefined;
  if (!ext) return undefined;
  refuseOoxmlMacros(entries, types);
  if (entries.some((e) => e.encrypted)) throw new DomainError('encrypted_file');
  return { mime: ext === 'docx' ? DOCX : XLSX, ext, title: xmlTitle(text('docProps/core.xml')) };
}

/** Macro-enabled documents (docm, xlsm, dotm…), VBA projects, ActiveX controls and Excel 4 macro sheets. */
function refuseOoxmlMacros(entries: ZipEntry[], contentTypes: string): void {
  const found =
    /macroEnabled|vbaProject|vbaData|activeX|macrosheet/i.test(contentTypes) ||
    entries.some((e) => /(^|\/)(vbaProject\.bin|vbaData\.xml)$|(^|\/)activeX\/|(^|\/)macrosheets\//i.test(e.name));
  if (found) throw new DomainError('office_macros');
}

/** ODF Basic libraries and scripts (Basic/, Scripts/), however the manifest lists them. */
function refuseOdfMacros(entries: ZipEntry[], manifest: string): void {
  const found =
    entries.some((e) => /^(Basic|Scripts)\//i.test(e.name)) ||
    /manifest:full-path="(Basic|Scripts)\//i.test(manifest) ||
    /manifest:media-type="[^"]*script[^"]*"/i.test(manifest);
  if (found) throw new DomainError('office_macros');
}

/** The dc:title of an OOXML core-properties or ODF meta part, its XML escapes undone. */
function xmlTitle(xml: string | undefined): string | null {
  const raw = xml && /<dc:title(?:\s[^>]*)?>([^<]*)<\/dc:title>/.exec(xml)?.[1];
  if (!raw) return null;
  const title = raw
    .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&(lt|gt|quot|apos|amp);/g, (_m, n: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[n] ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  return title ? [...title].slice(0, 300).join('') : null;
}

/** Stream names a compound file's directory holds (UTF-16), and what each says the file is. */
const OLE_STREAMS = [
  { name: 'EncryptionInfo', is: 'encrypted' },
  { name: 'WordDocument', is: '.doc' },
  { name: 'Workbook', is: '.xls' },
  { name: 'PowerPoint Document', is: '.ppt' },
  { name: '__substg1.0_', is: '.msg' },
] as const;

/**
 * A compound file (OLE): a password-protected Office file (its package is then an "EncryptionInfo" stream
 * inside one), or a legacy binary file (.doc, .xls, .ppt, an Outlook .msg). The directory may be anywhere in
 * the file, so its stream names are looked for in the whole file, a chunk at a time.
 */
async function legacyRefusal(file: string): Promise<DomainError> {
  const wanted = OLE_STREAMS.map((s) => ({ ...s, bytes: Buffer.from(s.name, 'utf16le') }));
  const overlap = Math.max(...wanted.map((w) => w.bytes.length));
  const found = new Set<string>();
  let tail = Buffer.alloc(0);
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    const window = Buffer.concat([tail, chunk as Buffer]);
    for (const w of wanted) if (window.includes(w.bytes)) found.add(w.is);
    if (found.has('encrypted')) return new DomainError('encrypted_file');
    tail = window.subarray(Math.max(0, window.length - overlap));
  }
  const kind = OLE_STREAMS.find((s) => found.has(s.is))?.is ?? '.doc, .xls';
  return new DomainError('unsupported_type', {
    ar: `(ملف قديم بالصيغة الثنائية ${kind}: احفظه بصيغة docx أو xlsx أو pdf أو eml)`,
    en: `(a legacy binary ${kind} file: save it as .docx, .xlsx, .pdf or .eml)`,
    details: { legacy: kind },
  });
}

/**
 * Converts the document and registers it: the Office file as the original, the PDF as its rendition. A
 * document with the same original already archived is answered as a duplicate without converting it again.
 */
export async function acceptOffice(
  file: SpooledFile,
  type: OfficeType,
  ctx: IntakeContext,
  deps: AcceptDeps,
): Promise<IntakeOutcome> {
  const existing = await deps.documents.getBySha256(file.sha256);
  if (existing && existing.status !== 'destroyed' && existing.stages.stored) {
    return oneDocument({ kind: 'duplicate', doc: existing }, 'office', file.originalName);
  }
  const converted = await convertToPdf(file.path, type.ext, deps.office ?? OFFICE_DEFAULTS);
  let pdf: SpooledFile | undefined;
  try {
    pdf = await spoolStream(
      fs.createReadStream(converted.pdf),
      renditionName(file.originalName),
      deps.spoolDir,
      deps.limits.maxFileBytes,
    );
  } finally {
    converted.dispose();
  }
  try {
    const examined = await examine(pdf, deps.limits);
    const result = await acceptParts(
      [
        { file, mime: type.mime, ext: type.ext, pageCount: 0 },
        { file: pdf, mime: 'application/pdf', ext: 'pdf', pageCount: examined.pageCount, rendition: true },
      ],
      { ...ctx.meta, textLayer: examined.textLayer, title: ctx.meta.title ?? type.title ?? null },
      deps,
    );
    return oneDocument(result, 'office', file.originalName);
  } finally {
    fs.rmSync(pdf.path, { force: true });
  }
}

/** The rendition's name: the original's with .pdf for its extension. */
function renditionName(name: string | null): string | null {
  if (!name) return null;
  const dot = name.lastIndexOf('.');
  return `${dot > 0 ? name.slice(0, dot) : name}.pdf`;
}
