/**
 * Receiving multipart uploads (the one place that uses multer): a storage
 * engine that streams each uploaded file into the spool dir under a random
 * name, computing its SHA-256 and keeping its first bytes (for type sniffing)
 * on the way, so that no file is ever held whole in memory; the one factory
 * of upload parsers; and multer's errors in the archive's words.
 */
import fs from 'node:fs';
import type { Request } from 'express';
import multer from 'multer';
import { DomainError } from '../../kernel/errors';
import { spoolStream } from '../../ingest/intake/spoolBytes';
import type { SpooledFile } from '../../ingest/intake/accept';

export type StorageEngine = multer.StorageEngine;

export interface SpooledUpload extends Express.Multer.File {
  spooled: SpooledFile;
}

/**
 * The name a file is kept and shown under: the last part of whatever path the
 * client sent (no `..`, no folders), without control characters or the
 * invisible direction overrides that make `‮gpj.exe` look like `exe.jpg`,
 * NFC-normalised, at most 200 characters; null when nothing is left.
 */
export function safeFileName(raw: string | undefined | null): string | null {
  if (!raw) return null;
  const base = raw.normalize('NFC').split(/[\\/]/).pop() ?? '';
  const clean = base
    // C0 and C1 controls, and the bidirectional embeddings, overrides and isolates.
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, '')
    .trim()
    .replace(/^\.+$/, '');
  return clean ? [...clean].slice(0, 200).join('') : null;
}

/** Files past `maxFileBytes` are not kept: the rest is drained and the file is marked too large, so the batch goes on. */
export function spoolStorage(spoolDir: string, maxFileBytes: number): StorageEngine {
  fs.mkdirSync(spoolDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(spoolDir, 0o700); // uploads may be secret: no other local user may list or read them
  return {
    _handleFile(_req: Request, file: Express.Multer.File, cb: (error?: unknown, info?: Partial<SpooledUpload>) => void) {
      spoolStream(file.stream, safeFileName(file.originalname), spoolDir, maxFileBytes)
        .then((spooled) => cb(null, { path: spooled.path, size: spooled.size, spooled }))
        .catch((e: unknown) => cb(e));
    },
    _removeFile(_req: Request, file: Express.Multer.File, cb: (error: Error | null) => void) {
      fs.rm(file.path, { force: true }, (e) => cb(e));
    },
  };
}

/** A parser of multipart uploads: files go to `storage` (the spool, unless given), at most `files` of them. */
export function uploadParser(opts: { storage: StorageEngine; files: number; fields: number; fieldSize: number }): multer.Multer {
  return multer({
    storage: opts.storage,
    limits: { files: opts.files, fields: opts.fields, fieldSize: opts.fieldSize },
    defParamCharset: 'utf8',
  });
}

/** multer's error as the archive's own, or undefined when `err` is not one of multer's. */
export function multerError(err: unknown): DomainError | undefined {
  return err instanceof multer.MulterError ? fromMulter(err) : undefined;
}

function fromMulter(e: multer.MulterError): DomainError {
  switch (e.code) {
    case 'LIMIT_FILE_SIZE':
      return new DomainError('file_too_large');
    case 'LIMIT_UNEXPECTED_FILE':
      return new DomainError('bad_request', {
        en: `(unexpected file field "${e.field ?? ''}")`,
        ar: `(حقل ملف غير متوقع "${e.field ?? ''}")`,
      });
    case 'LIMIT_FILE_COUNT':
      return new DomainError('request_too_large', {
        ar: '(ملفات أكثر من المسموح في طلب واحد)',
        en: '(more files than allowed in one request)',
      });
    default:
      return new DomainError('bad_request', { en: `(${e.message})` });
  }
}
