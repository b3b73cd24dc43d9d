/**
 * A fault-injecting proxy in front of a real S3 endpoint (the test MinIO), on
 * loopback: every request is passed through as it is (the Host header too, so
 * SigV4 signatures stay valid), except those a rule catches, which fail the way
 * a real endpoint or network fails.
 *
 *   const proxy = await startS3Proxy(process.env.S3_ENDPOINT!);
 *   proxy.failNext({ method: 'PUT', query: 'retention' });   // the next retention call answers 503, once
 *   proxy.setAway(true);                                      // every call refused until setAway(false)
 *   ... S3_ENDPOINT: proxy.url ...
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultRule {
  /** HTTP method to catch (any when absent). */
  method?: string;
  /** A substring the path must contain (the bucket and key), e.g. '/documents/'. */
  path?: string;
  /** A substring the query must contain, e.g. 'retention' or 'legal-hold'. */
  query?: string;
  /** How the call fails: an S3 503 answer (default) or a dropped connection. */
  fail?: '503' | 'drop';
  /** How many matching calls fail (default 1). */
  times?: number;
}

export interface S3Proxy {
  url: string;
  /** Fails the next matching call(s). */
  failNext(rule: FaultRule): void;
  /** While away, every call is answered 503 (a stopped endpoint behind a live balancer). */
  setAway(away: boolean): void;
  /** Calls seen so far, as "METHOD path?query", for assertions. */
  readonly seen: string[];
  /** Matching calls that were failed so far. */
  readonly failed: string[];
  close(): Promise<void>;
}

const SERVICE_UNAVAILABLE =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code>' +
  '<Message>Injected fault: the service is unavailable.</Message></Error>';

export async function startS3Proxy(target: string): Promise<S3Proxy> {
  const upstream = new URL(target);
  const rules: Array<Required<Omit<FaultRule, 'method' | 'path' | 'query'>> & FaultRule> = [];
  const seen: string[] = [];
  const failed: string[] = [];
  let away = false;

  const server = http.createServer((req, res) => {
    const [pathname, query = ''] = (req.url ?? '/').split('?', 2) as [string, string?];
    const call = `${req.method} ${pathname}${query ? `?${query}` : ''}`;
    seen.push(call);
    const rule = rules.find(
      (r) =>
        r.times > 0 &&
        (!r.method || r.method === req.method) &&
        (!r.path || pathname.includes(r.path)) &&
        (!r.query || query.includes(r.query)),
    );
    if (away || rule) {
      if (rule) rule.times--;
      failed.push(call);
      req.resume();
      if (rule?.fail === 'drop') {
        req.socket.destroy();
        return;
      }
      res.writeHead(503, { 'content-type': 'application/xml', 'retry-after': '1' }).end(SERVICE_UNAVAILABLE);
      return;
    }
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    failNext(rule) {
      rules.push({ fail: '503', times: 1, ...rule });
    },
    setAway(value) {
      away = value;
    },
    seen,
    failed,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
