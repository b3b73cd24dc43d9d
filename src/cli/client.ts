/** The CLI's HTTP client for a running Diwan server. */
import fs from 'node:fs';
import path from 'node:path';
import { adminTokenFile } from '../auth';
import type { Config } from '../config';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: string; message?: string; messageEn?: string } | undefined,
  ) {
    super(body?.messageEn ?? body?.message ?? `HTTP ${status}`);
  }
}

export interface ApiClient {
  url: string;
  get<T>(p: string): Promise<T>;
  upload<T>(file: string, fields: Record<string, string>): Promise<{ status: number; body: T }>;
}

export function createClient(config: Config): ApiClient {
  const token =
    config.client.token ??
    (fs.existsSync(adminTokenFile(config.dataDir)) ? fs.readFileSync(adminTokenFile(config.dataDir), 'utf8').trim() : undefined);
  if (!token) {
    throw new Error('No access token: set DIWAN_TOKEN (or run on the server machine, where <data>/admin-token is read).');
  }
  const base = config.client.url.replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${token}` };
  const parse = async (res: Response) => {
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) throw new ApiError(res.status, body as ApiError['body']);
    return body;
  };
  return {
    url: base,
    async get<T>(p: string) {
      return (await parse(await fetch(`${base}/api/v1${p}`, { headers }))) as T;
    },
    async upload<T>(file: string, fields: Record<string, string>) {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      form.append('file', await fs.openAsBlob(file), path.basename(file));
      const res = await fetch(`${base}/api/v1/documents`, { method: 'POST', headers, body: form });
      return { status: res.status, body: (await parse(res)) as T };
    },
  };
}
