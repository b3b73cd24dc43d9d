/** The CLI's HTTP client for a running Diwan server. */
import fs from 'node:fs';
import { Readable } from 'node:stream';
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
  post<T>(p: string, json: unknown): Promise<T>;
  /** Sends a prepared multipart body. */
  postMultipart<T>(p: string, body: { contentType: string; length: number; stream: Readable }): Promise<T>;
  /** A streamed answer of JSON lines, each parsed as it arrives. */
  lines<T>(p: string): AsyncGenerator<T>;
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
    async post<T>(p: string, json: unknown) {
      const res = await fetch(`${base}/api/v1${p}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(json),
      });
      return (await parse(res)) as T;
    },
    async *lines<T>(p: string): AsyncGenerator<T> {
      const res = await fetch(`${base}/api/v1${p}`, { headers });
      if (!res.ok || !res.body) {
        await parse(res);
        throw new ApiError(res.status, undefined);
      }
      let rest = '';
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        rest += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = rest.indexOf('\n')) >= 0) {
          const line = rest.slice(0, end);
          rest = rest.slice(end + 1);
          if (line) yield JSON.parse(line) as T;
        }
      }
      if (rest.trim()) yield JSON.parse(rest) as T;
    },
    async postMultipart<T>(p: string, body: { contentType: string; length: number; stream: Readable }) {
      const res = await fetch(`${base}/api/v1${p}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': body.contentType, 'content-length': String(body.length) },
        body: Readable.toWeb(body.stream) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      return (await parse(res)) as T;
    },
  };
}
