/**
 * The carried servers (PostgreSQL, MinIO, Meilisearch from npm packages) are optional dependencies: for
 * development, tests and a single-machine start. Each is started only when its settings are left unset,
 * and only where its package is installed and built for this platform. When one is needed and cannot
 * run, the start stops before anything runs, with a message (Arabic, then English) naming the settings
 * that point Diwan at a server of one's own instead.
 */
import type { Config } from '../../config';
import { ConfigError } from '../../config';
import { carriedAvailability, MEILISEARCH, MINIO, PLATFORM, type Availability } from './binaries';
import { embeddedPostgresAvailability } from './postgres';

/** A service the settings leave to the archive to start itself. */
export type EmbeddedNeed = 'postgres' | 'minio-primary' | 'minio-offsite' | 'meilisearch';

interface NeedInfo {
  label: string;
  /** The settings that replace it. */
  settings: readonly string[];
  /** A setting that goes with them and has a default. */
  optional?: string;
  probe(): Availability;
}

const NEEDS: Record<EmbeddedNeed, NeedInfo> = {
  postgres: {
    label: 'PostgreSQL',
    settings: ['DATABASE_URL'],
    optional: 'DATABASE_OWNER_URL',
    probe: () => embeddedPostgresAvailability(),
  },
  'minio-primary': {
    label: 'MinIO (primary storage)',
    settings: ['S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY'],
    optional: 'S3_BUCKET',
    probe: () => carriedAvailability(MINIO),
  },
  'minio-offsite': {
    label: 'MinIO (offsite storage)',
    settings: ['OFFSITE_S3_ENDPOINT', 'OFFSITE_S3_ACCESS_KEY', 'OFFSITE_S3_SECRET_KEY'],
    optional: 'OFFSITE_S3_BUCKET',
    probe: () => carriedAvailability(MINIO),
  },
  meilisearch: {
    label: 'Meilisearch',
    settings: ['MEILI_URL', 'MEILI_MASTER_KEY'],
    probe: () => carriedAvailability(MEILISEARCH),
  },
};

/** The services the settings leave unset, which `diwan serve` would start itself. */
export function embeddedNeeds(config: Pick<Config, 'databaseUrl' | 's3' | 'offsite' | 'meili'>): EmbeddedNeed[] {
  const needs: EmbeddedNeed[] = [];
  if (!config.databaseUrl) needs.push('postgres');
  if (!config.s3) needs.push('minio-primary');
  if (!config.offsite) needs.push('minio-offsite');
  if (!config.meili) needs.push('meilisearch');
  return needs;
}

export interface Unavailable {
  need: EmbeddedNeed;
  /** Why it cannot run here (in English: package and platform names). */
  reason: string;
}

/** The needed embedded services that cannot run on this machine, each with why. */
export function unavailableEmbedded(needs: readonly EmbeddedNeed[]): Unavailable[] {
  return needs.flatMap((need) => {
    const found = NEEDS[need].probe();
    return found.ok ? [] : [{ need, reason: found.reason }];
  });
}

function settingsText(need: EmbeddedNeed, lang: 'ar' | 'en'): string {
  const { settings, optional } = NEEDS[need];
  const named =
    lang === 'ar' || settings.length === 1 ? settings.join(' و ') : `${settings.slice(0, -1).join(', ')} and ${settings.at(-1)!}`;
  if (!optional) return named;
  return lang === 'ar' ? `${named} (و ${optional})` : `${named} (and ${optional})`;
}

/** The stop message: each service that cannot run, with the settings to give instead, Arabic then English. */
export function carriedMissingMessage(missing: readonly Unavailable[], platform = PLATFORM): string {
  const ar = missing.map((m) => `  - ${NEEDS[m.need].label}: ${settingsText(m.need, 'ar')}`);
  const en = missing.map((m) => `  - ${NEEDS[m.need].label}: ${settingsText(m.need, 'en')}. Here ${m.reason}`);
  return [
    `لا يمكن تشغيل الخوادم المضمّنة التالية على هذا الجهاز (${platform})، فاضبط إعداداتها لتشير إلى خوادم قائمة (docs/production.md):`,
    ...ar,
    `These embedded servers cannot run on this machine (${platform}); set these settings to servers of your own (docs/production.md):`,
    ...en,
  ].join('\n');
}

/** Stops a start that would need a carried server this machine cannot run, before anything is started. */
export function assertEmbeddedRunnable(config: Pick<Config, 'databaseUrl' | 's3' | 'offsite' | 'meili'>): void {
  const missing = unavailableEmbedded(embeddedNeeds(config));
  if (missing.length) throw new ConfigError(carriedMissingMessage(missing));
}

/** What `diwan doctor` says of one embedded service: it can run here, or why not and what to set. */
export function embeddedState(need: EmbeddedNeed): { runnable: boolean; detail: string; fix: string } {
  const found = NEEDS[need].probe();
  if (found.ok) return { runnable: true, detail: '', fix: '' };
  return {
    runnable: false,
    detail: `not configured, and the embedded one cannot run here: ${found.reason}`,
    fix: `set ${settingsText(need, 'en')} to a server of your own (docs/production.md)`,
  };
}

/** The carried MinIO's published flaws, for `diwan doctor` whenever it would be started. */
export function carriedMinioFlaws(): { detail: string; fix: string } {
  const ids = MINIO.advisories.map((a) => `${a.cve} (${a.ghsa}, fixed in ${a.fixedIn})`).join(', ');
  return {
    detail:
      `the embedded MinIO ${MINIO.version} has known signature-bypass flaws in unsigned-trailer uploads: ${ids}. ` +
      'Whoever reaches it and knows an access key can write objects without the secret key; it listens on 127.0.0.1 only',
    fix:
      'for production set S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY and OFFSITE_S3_* to an up-to-date external ' +
      'MinIO or S3 service with Object Lock (docs/production.md); never expose the embedded one',
  };
}
