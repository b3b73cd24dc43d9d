import { groupedSecret, matchTotp, newTotpSecret, normaliseCode, totpCode, totpStep, totpUri } from './totp';

// RFC 6238, appendix B: the SHA-1 key "12345678901234567890" in base32; its 8-digit codes' last six digits.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

test('the codes of RFC 6238 for SHA-1, six digits', () => {
  expect(totpCode(RFC_SECRET, totpStep(59_000))).toBe('287082');
  expect(totpCode(RFC_SECRET, totpStep(1111111109_000))).toBe('081804');
  expect(totpCode(RFC_SECRET, totpStep(1234567890_000))).toBe('005924');
  expect(totpCode(RFC_SECRET, totpStep(20000000000_000))).toBe('353130');
});

test('a code matches its step and the ones beside it, never a step already used, never another code', () => {
  const secret = newTotpSecret();
  const at = Date.UTC(2026, 11, 6, 12, 0, 10);
  const now = totpStep(at);
  expect(matchTotp(secret, totpCode(secret, now), { at })).toBe(now);
  expect(matchTotp(secret, totpCode(secret, now - 1), { at })).toBe(now - 1);
  expect(matchTotp(secret, totpCode(secret, now + 1), { at })).toBe(now + 1);
  expect(matchTotp(secret, totpCode(secret, now - 2), { at })).toBeUndefined();
  expect(matchTotp(secret, totpCode(secret, now + 2), { at })).toBeUndefined();
  // Used once: its step and every step before it are refused afterwards.
  expect(matchTotp(secret, totpCode(secret, now), { at, after: now })).toBeUndefined();
  expect(matchTotp(secret, totpCode(secret, now - 1), { at, after: now })).toBeUndefined();
  expect(matchTotp(secret, totpCode(secret, now + 1), { at, after: now })).toBe(now + 1);
  const wrong = String((Number(totpCode(secret, now)) + 1) % 1_000_000).padStart(6, '0');
  expect([now - 1, now, now + 1].map((s) => totpCode(secret, s))).not.toContain(wrong);
  expect(matchTotp(secret, wrong, { at })).toBeUndefined();
  expect(matchTotp(secret, '', { at })).toBeUndefined();
  expect(matchTotp(secret, '12345', { at })).toBeUndefined();
});

test('digits as people type them: Arabic-Indic, Persian, with spaces', () => {
  expect(normaliseCode('١٢٣ ٤٥٦')).toBe('123456');
  expect(normaliseCode('۱۲۳-۴۵۶')).toBe('123456');
  const at = Date.UTC(2026, 11, 6, 12, 0, 10);
  const latin = totpCode(RFC_SECRET, totpStep(at));
  const arabic = latin.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d)));
  expect(matchTotp(RFC_SECRET, arabic, { at })).toBe(totpStep(at));
});

test('a new secret is 160 bits of base32, shown in groups of four, in an otpauth link apps read', () => {
  const a = newTotpSecret();
  expect(a).toMatch(/^[A-Z2-7]{32}$/);
  expect(newTotpSecret()).not.toBe(a);
  expect(groupedSecret(a)).toMatch(/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);
  const uri = new URL(totpUri(a, 'amina', 'Electronic Registry'));
  expect(uri.protocol).toBe('otpauth:');
  expect(uri.host).toBe('totp');
  expect(decodeURIComponent(uri.pathname)).toBe('/Electronic Registry:amina');
  expect(uri.searchParams.get('secret')).toBe(a);
  expect(uri.searchParams.get('issuer')).toBe('Electronic Registry');
  expect(uri.searchParams.get('algorithm')).toBe('SHA1');
  expect(uri.searchParams.get('digits')).toBe('6');
  expect(uri.searchParams.get('period')).toBe('30');
});
