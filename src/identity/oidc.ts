/**
 * Single sign-on through the ministry's OpenID Connect provider: the
 * authorization code flow with PKCE (S256), state and nonce. The only module
 * that talks to the provider (openid-client).
 *
 *   begin()   the provider's metadata (discovered once an hour; a failure is not kept), a fresh state,
 *             nonce and PKCE verifier, and the provider's sign-in address built from them
 *     … the person signs in at the provider, which sends the browser back with a code …
 *   finish()  the answer checked against what begin() made (state, the issuer's `iss`), the code
 *             exchanged with the PKCE verifier, the ID token checked (signature, issuer, audience,
 *             expiry, nonce); the person's name and groups from the ID token, or from userinfo
 *             when the ID token does not carry them
 *
 * Failures are domain errors: the provider away (no answer, too slow, a 5xx) is `sso_unavailable`;
 * an answer that does not check out (another state, a code used twice, an error sent back by the
 * provider, a bad signature) is `sso_failed`. The error's `cause` keeps the library's own words for the log.
 * Plain http is allowed only for a provider on this machine (127.0.0.1, localhost, ::1).
 */
import crypto from 'node:crypto';
import * as oidc from 'openid-client';
import { DomainError, type ErrorCode } from '../../kernel/errors';
import type { OidcSettings } from '../configIdentity';

/** What begin() makes and finish() needs: kept by the browser between the two (see routes/oidc.ts). */
export interface PendingSignIn {
  state: string;
  nonce: string;
  /** The PKCE code verifier (its S256 challenge went to the provider). */
  verifier: string;
}

/** Who the provider says signed in. */
export interface OidcPerson {
  /** The provider's subject (`sub`): stable while the person is (the account here is keyed by it). */
  subject: string;
  /** A name that fits this archive's usernames, from preferred_username or email (see usernameFor). */
  username: string;
  displayName: string;
  /** The values of the groups claim (DIWAN_OIDC_GROUPS_CLAIM). */
  groups: string[];
}

export interface OidcClient {
  /** The provider's sign-in address for a new attempt, and what must be kept until the browser comes back. */
  begin(): Promise<{ url: string; pending: PendingSignIn }>;
  /** The person, from the provider's answer (the callback's whole address) checked against `pending`. */
  finish(callback: URL, pending: PendingSignIn): Promise<OidcPerson>;
  /** Asks the provider for its metadata now (not from the cache); its issuer, for `diwan doctor`. */
  ping(): Promise<string>;
}

/** How long the provider may take to answer one request, and how long its discovered metadata is kept. */
export const OIDC_TIMEOUT_SECONDS = 5;
const METADATA_MS = 3600_000;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether plain http may be used with this issuer: only on this machine (development, tests). */
export function httpAllowed(issuer: string): boolean {
  const u = new URL(issuer);
  return u.protocol === 'http:' && LOOPBACK.has(u.hostname);
}

/** What a username here may be (the users table's CHECK). */
const USERNAME = /^[A-Za-z0-9._@-]{2,64}$/;

/**
 * The username of a new account: preferred_username if it fits, else email (when email_verified); else the first of them with the
 * characters a username may not hold left out; else one made from the subject (never empty, never shared).
 */
export function usernameFor(
  claims: { preferred_username?: unknown; email?: unknown; email_verified?: unknown },
  subject: string,
): string {
  // An address the provider has not verified may be anybody's: it names nobody here.
  const email = claims.email_verified === true ? claims.email : undefined;
  const given = [claims.preferred_username, email].filter((v): v is string => typeof v === 'string');
  const fits = given.find((v) => USERNAME.test(v));
  if (fits) return fits;
  const cleaned = given
    .map((v) =>
      v
        .normalize('NFKC')
        .replace(/[^A-Za-z0-9._@-]/g, '')
        .slice(0, 64),
    )
    .find((v) => v.length >= 2);
  return cleaned ?? `sso-${crypto.createHash('sha256').update(subject).digest('hex').slice(0, 16)}`;
}

/** The groups claim's values: a list, or one value; a dotted name reaches into an object (realm_access.roles). */
export function groupsOf(claims: Record<string, unknown>, claim: string): string[] {
  let v: unknown = claims[claim];
  if (v === undefined && claim.includes('.')) {
    v = claim
      .split('.')
      .reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), claims);
  }
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((g): g is string => typeof g === 'string') : [];
}

function displayNameOf(claims: Record<string, unknown>, username: string): string {
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const whole = text(claims.name) || [text(claims.given_name), text(claims.family_name)].filter(Boolean).join(' ');
  return (whole || username).slice(0, 200);
}

/** Whether a failure means the provider could not be asked (rather than that it said no). */
function isAway(e: unknown): boolean {
  for (let c: unknown = e, depth = 0; c && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    if (c instanceof TypeError) return true; // fetch's "fetch failed": refused, reset, no such host
    const name = (c as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'AbortError') return true;
    if (c instanceof oidc.ResponseBodyError && c.status >= 500) return true;
    if (c instanceof Response && c.status >= 500) return true;
  }
  return false;
}

function failure(code: ErrorCode, cause: unknown): DomainError {
  const e = new DomainError(code);
  e.cause = cause;
  return e;
}

/** The client of the provider in `settings`; `redirectUri` is this archive's callback (<public URL>/login/oidc/callback). */
export function createOidcClient(settings: OidcSettings, redirectUri: string): OidcClient {
  const options: oidc.DiscoveryRequestOptions = {
    timeout: OIDC_TIMEOUT_SECONDS,
    execute: httpAllowed(settings.issuer) ? [oidc.allowInsecureRequests] : [],
  };
  const auth = settings.clientSecret ? oidc.ClientSecretBasic(settings.clientSecret) : oidc.None();
  const discover = () =>
    oidc.discovery(new URL(settings.issuer), settings.clientId, settings.clientSecret, auth, options).catch((e: unknown) => {
      throw failure('sso_unavailable', e);
    });

  let kept: { at: number; config: Promise<oidc.Configuration> } | undefined;
  const configuration = (): Promise<oidc.Configuration> => {
    if (kept && Date.now() - kept.at < METADATA_MS) return kept.config;
    const mine = { at: Date.now(), config: discover() };
    kept = mine;
    // A provider that was away is asked again by the next sign-in, not an hour later.
    mine.config.catch(() => {
      if (kept === mine) kept = undefined;
    });
    return mine.config;
  };

  /** The claims the ID token lacks (groups, names), from the userinfo endpoint. */
  const completed = async (
    config: oidc.Configuration,
    accessToken: string,
    claims: oidc.IDToken,
  ): Promise<Record<string, unknown>> => {
    const groupsGiven = claims[settings.groupsClaim.split('.')[0]!] !== undefined;
    if (
      (groupsGiven && (claims.preferred_username || (claims.email && claims.email_verified !== undefined))) ||
      !config.serverMetadata().userinfo_endpoint
    )
      return { ...claims };
    const info = await oidc.fetchUserInfo(config, accessToken, claims.sub);
    return { ...info, ...claims };
  };

  return {
    async begin() {
      const config = await configuration();
      const pending: PendingSignIn = {
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        verifier: oidc.randomPKCECodeVerifier(),
      };
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: settings.scopes,
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
      });
      return { url: url.href, pending };
    },

    async finish(callback, pending) {
      const config = await configuration();
      try {
        const tokens = await oidc.authorizationCodeGrant(config, callback, {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
        const claims = await completed(config, tokens.access_token, tokens.claims()!);
        const subject = String(claims.sub);
        const username = usernameFor(claims, subject);
        return {
          subject,
          username,
          displayName: displayNameOf(claims, username),
          groups: groupsOf(claims, settings.groupsClaim),
        };
      } catch (e) {
        throw failure(isAway(e) ? 'sso_unavailable' : 'sso_failed', e);
      }
    },

    async ping() {
      return (await discover()).serverMetadata().issuer;
    },
  };
}
