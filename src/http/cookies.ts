/**
 * The request's cookies, read from its Cookie header: the session and CSRF
 * cookies that sign-in checks, and the viewer's language cookie.
 */
import type { Request } from 'express';

/** Every cookie the request carries, by name; one whose value cannot be decoded is left out. */
export function cookies(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    try {
      out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      // A malformed cookie is ignored.
    }
  }
  return out;
}
