/**
 * Temporary keys that can only read the offsite bucket, for an auditor (docs/audit.md): an S3 STS
 * AssumeRole request, signed (AWS Signature Version 4) with the archive's own keys to that bucket, with an
 * inline policy that allows listing and reading that bucket and nothing else. MinIO answers it for its
 * root user and for its other users; a hosted provider gives such keys in its own console as well.
 * Spoken directly (a signed form POST), so it needs no S3 library.
 */
import crypto from 'node:crypto';
import type { S3Target } from './objectStore';

export interface AuditorKeys {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
}

/** Refused or unanswered: the STS service's own words. */
export class AuditorKeysError extends Error {}

/** Read the bucket's objects, their versions, retention and legal hold; list it; nothing that writes. */
function readOnlyPolicy(bucket: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetBucketLocation', 's3:GetBucketObjectLockConfiguration'],
        Resource: [`arn:aws:s3:::${bucket}`],
      },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectRetention', 's3:GetObjectLegalHold'],
        Resource: [`arn:aws:s3:::${bucket}/*`],
      },
    ],
  });
}

const hmac = (key: Buffer | string, data: string) => crypto.createHmac('sha256', key).update(data).digest();
const hex = (data: string) => crypto.createHash('sha256').update(data).digest('hex');
/** RFC 3986 encoding, as Signature Version 4 wants it. */
const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function xmlValue(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
}

/** Asks the offsite endpoint's STS for keys that can only read its bucket, valid for `seconds`. */
export async function makeAuditorKeys(target: S3Target, seconds: number): Promise<AuditorKeys> {
  // The host as the request names it (fetch leaves out a scheme's default port, and so must the signature).
  const host = target.port === (target.useSSL ? 443 : 80) ? target.endPoint : `${target.endPoint}:${target.port}`;
  const endpoint = `${target.useSSL ? 'https' : 'http'}://${host}`;
  const params: Array<[string, string]> = [
    ['Action', 'AssumeRole'],
    ['DurationSeconds', String(Math.round(seconds))],
    ['Policy', readOnlyPolicy(target.bucket)],
    ['RoleSessionName', 'diwan-auditor'],
    ['Version', '2011-06-15'],
  ];
  const body = params.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
  const now = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = now.slice(0, 8);
  const payloadHash = hex(body);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    host,
    'x-amz-content-sha256': payloadHash,
    'x-amz-date': now,
  };
  const names = Object.keys(headers).sort();
  const canonical = ['POST', '/', '', ...names.map((h) => `${h}:${headers[h]}`), '', names.join(';'), payloadHash].join('\n');
  const scope = `${day}/${target.region}/sts/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', now, scope, hex(canonical)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${target.secretKey}`, day), target.region), 'sts'), 'aws4_request');
  const signature = crypto.createHmac('sha256', signingKey).update(toSign).digest('hex');
  const sent = Object.fromEntries(Object.entries(headers).filter(([h]) => h !== 'host'));
  const res = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      ...sent,
      authorization: `AWS4-HMAC-SHA256 Credential=${target.accessKey}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
    },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  const xml = await res.text();
  const keys = {
    accessKeyId: xmlValue(xml, 'AccessKeyId'),
    secretAccessKey: xmlValue(xml, 'SecretAccessKey'),
    sessionToken: xmlValue(xml, 'SessionToken'),
    expiration: xmlValue(xml, 'Expiration'),
  };
  if (!res.ok || !keys.accessKeyId || !keys.secretAccessKey || !keys.sessionToken) {
    const why = xmlValue(xml, 'Message') ?? xmlValue(xml, 'Code') ?? xml.slice(0, 200);
    throw new AuditorKeysError(`the offsite storage refused to make read-only keys (HTTP ${res.status}): ${why}`);
  }
  return {
    endpoint,
    region: target.region,
    bucket: target.bucket,
    accessKeyId: keys.accessKeyId,
    secretAccessKey: keys.secretAccessKey,
    sessionToken: keys.sessionToken,
    expiration: keys.expiration ?? '',
  };
}
