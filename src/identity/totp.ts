/**
 * Time-based one-time codes (RFC 6238) for the second factor of local accounts: 30-second steps, six digits,
 * HMAC-SHA-1, which is what every authenticator app reads from an otpauth:// link. The only module that
 * imports `otpauth`.
 *
 * A code is good for its own step and the one on either side (a phone's clock a little off, a code typed as
 * it turns over); the step it matched is returned so the caller can refuse it the second time (a code is
 * used once: the caller keeps the last step it accepted and passes it as `after`).
 */
import crypto from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted on either side of the current one. */
const WINDOW = 1;

/** A new secret: 20 random bytes (160 bits, RFC 4226's recommendation), in base32 as apps take it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The time step `at` (milliseconds since 1970) falls in. */
export function totpStep(at: number = Date.now()): number {
  return Math.floor(at / 1000 / TOTP_PERIOD_SECONDS);
}

/** The code of `step` for `secret` (base32). */
export function totpCode(secret: string, step: number = totpStep()): string {
  return TOTP.generate({
    secret: Secret.fromBase32(secret),
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    timestamp: step * TOTP_PERIOD_SECONDS * 1000,
  });
}

/** What a person typed, as digits: Arabic-Indic and Persian digits read as Latin ones, spaces and dashes dropped. */
export function normaliseCode(typed: string): string {
  return typed
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[\s-]/g, '');
}

/**
 * The step whose code `typed` is, within the window around `at`, and later than `after` (the last step
 * accepted before, so a code is never accepted twice); undefined when it is none.
 */
export function matchTotp(secret: string, typed: string, opts: { at?: number; after?: number | null } = {}): number | undefined {
  const code = normaliseCode(typed);
  if (!/^\d{6}$/.test(code)) return undefined;
  const now = totpStep(opts.at);
  for (let step = now - WINDOW; step <= now + WINDOW; step++) {
    if (opts.after !== undefined && opts.after !== null && step <= opts.after) continue;
    const expected = totpCode(secret, step);
    if (crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(code))) return step;
  }
  return undefined;
}

/** The otpauth:// link an authenticator app reads (from the QR code): who, where, and the secret. */
export function totpUri(secret: string, account: string, issuer: string): string {
  return new TOTP({
    issuer,
    label: account,
    secret: Secret.fromBase32(secret),
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    algorithm: 'SHA1',
  }).toString();
}

/** The secret in groups of four, for typing it by hand. */
export function groupedSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}
