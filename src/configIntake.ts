/**
 * Settings of the scanner room: watched drop folders, the polled mailbox and the Office converter. Part of the
 * one settings schema (src/config.ts), kept here so that file stays readable; nothing else reads them from the
 * environment.
 */
import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** One watched folder: where files are dropped, the register they are numbered in, their department. */
const watchedFolder = z.object({
  dir: z.string().min(1),
  register: z.string().min(1).default('incoming'),
  department: z.string().min(1).nullable().default(null),
  classification: z.enum(['public', 'internal', 'confidential', 'secret']).default('internal'),
  duplex: z.enum(['simplex', 'duplex', 'passes']).default('simplex'),
});
export type WatchedFolder = z.infer<typeof watchedFolder>;

const folderList = z
  .string()
  .optional()
  .transform((v, ctx): WatchedFolder[] => {
    if (v === undefined || v.trim() === '') return [];
    let raw: unknown;
    try {
      raw = JSON.parse(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'a JSON array: [{"dir":"/srv/scans","register":"incoming"}]' });
      return z.NEVER;
    }
    const r = z.array(watchedFolder).safeParse(raw);
    if (!r.success) {
      ctx.addIssue({ code: 'custom', message: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      return z.NEVER;
    }
    return r.data;
  });

export const intakeEnvSchema = z.object({
  /** Folders `diwan worker` watches (JSON array of {dir, register, department, classification, duplex}); empty: none. */
  DIWAN_WATCH: folderList,
  /** How often a watched folder is looked at, and how long a file's size and time must stay still to count as complete. */
  DIWAN_WATCH_SECONDS: z.coerce.number().positive().default(5),
  DIWAN_WATCH_STABLE_SECONDS: z.coerce.number().nonnegative().default(2),
  /** A mailbox polled over IMAP (imap://user:password@host:143/INBOX or imaps://…); unset: none. */
  DIWAN_IMAP_URL: optionalString,
  DIWAN_IMAP_SECONDS: z.coerce.number().positive().default(60),
  /** The register and department the polled mailbox's messages are filed in. */
  DIWAN_IMAP_REGISTER: z.string().default('incoming'),
  DIWAN_IMAP_DEPARTMENT: optionalString,
  DIWAN_IMAP_CLASSIFICATION: z.enum(['public', 'internal', 'confidential', 'secret']).default('internal'),
  /** LibreOffice's program (soffice) and the limits of one conversion. */
  DIWAN_SOFFICE: z.string().default('soffice'),
  DIWAN_OFFICE_TIMEOUT_SECONDS: z.coerce.number().positive().default(120),
  DIWAN_OFFICE_MEMORY_MB: z.coerce.number().int().positive().default(2048),
});

export type IntakeEnv = z.infer<typeof intakeEnvSchema>;

export interface IntakeConfig {
  watch: { folders: WatchedFolder[]; everyMs: number; stableMs: number };
  imap: { url: string; everyMs: number; register: string; department: string | null; classification: string } | undefined;
  office: { soffice: string; timeoutMs: number; memoryMb: number };
}

export function intakeConfig(e: IntakeEnv, fail: (message: string) => never): IntakeConfig {
  if (e.DIWAN_IMAP_URL && !/^imaps?:\/\//.test(e.DIWAN_IMAP_URL))
    fail('DIWAN_IMAP_URL: imap://user:password@host:143/INBOX or imaps://…');
  return {
    watch: { folders: e.DIWAN_WATCH, everyMs: e.DIWAN_WATCH_SECONDS * 1000, stableMs: e.DIWAN_WATCH_STABLE_SECONDS * 1000 },
    imap: e.DIWAN_IMAP_URL
      ? {
          url: e.DIWAN_IMAP_URL,
          everyMs: e.DIWAN_IMAP_SECONDS * 1000,
          register: e.DIWAN_IMAP_REGISTER,
          department: e.DIWAN_IMAP_DEPARTMENT ?? null,
          classification: e.DIWAN_IMAP_CLASSIFICATION,
        }
      : undefined,
    office: { soffice: e.DIWAN_SOFFICE, timeoutMs: e.DIWAN_OFFICE_TIMEOUT_SECONDS * 1000, memoryMb: e.DIWAN_OFFICE_MEMORY_MB },
  };
}
