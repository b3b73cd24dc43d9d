/**
 * SHA-256 of streams on a thread of its own. Fixity reads many copies at once
 * on the main thread, which parses their HTTP answers, and restore copies
 * objects on it; hashing them there too made that one thread the bottleneck
 * while a core stood idle. Each chunk is handed over (moved, not copied, when
 * it owns its memory) and hashed in order;
 * at most WINDOW bytes of a stream wait on the thread, so memory stays flat
 * however large the object or slow the thread. One thread, made on first use,
 * serves every stream of the process, and keeps the process alive only while
 * it has a stream to finish.
 */
import { Worker } from 'node:worker_threads';
import { sha256 } from './hash';

/** Runs on the thread: one hash per stream id, its digest sent back at the end. */
const THREAD = `
const { parentPort } = require('node:worker_threads');
const crypto = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  let h = hashes.get(m.id);
  if (!h) { h = crypto.createHash('sha256'); hashes.set(m.id, h); }
  if (m.chunk) {
    h.update(m.chunk);
    // The chunk's memory goes back: freed by the main thread's collector, which runs often, not left here.
    parentPort.postMessage({ id: m.id, done: m.chunk.byteLength, back: m.chunk }, [m.chunk.buffer]);
  } else {
    hashes.delete(m.id);
    parentPort.postMessage({ id: m.id, sha256: h.digest('hex') });
  }
});
`;

/** Bytes of one stream that may wait on the thread before the reader waits for it. */
const WINDOW = 4 << 20;

interface Pending {
  waiting: number;
  /** Called when the thread has caught up below the window. */
  resume?: () => void;
  finish?: (sha256: string) => void;
  fail: (e: Error) => void;
}

let worker: Worker | undefined;
const streams = new Map<number, Pending>();
let nextId = 1;

function forget(id: number): boolean {
  const had = streams.delete(id);
  if (had && streams.size === 0) worker?.unref();
  return had;
}

function thread(): Worker {
  if (worker) return worker;
  const w = new Worker(THREAD, { eval: true });
  w.on('message', (m: { id: number; done?: number; sha256?: string }) => {
    const s = streams.get(m.id);
    if (!s) return;
    if (m.sha256 !== undefined) {
      forget(m.id);
      s.finish?.(m.sha256);
      return;
    }
    s.waiting -= m.done ?? 0;
    if (s.waiting < WINDOW && s.resume) {
      const go = s.resume;
      s.resume = undefined;
      go();
    }
  });
  const lost = (e: Error) => {
    worker = undefined;
    for (const s of streams.values()) s.fail(e);
    streams.clear();
  };
  w.on('error', lost);
  w.on('exit', (code) => lost(new Error(`the hashing thread stopped (exit ${code})`)));
  // Unref'd after its listeners (a 'message' listener refs the port again); ref'd while a stream is open.
  w.unref();
  worker = w;
  return w;
}

/** The SHA-256 and size of every chunk `chunks` gives, hashed on the thread. */
export async function sha256OnThread(chunks: AsyncIterable<Buffer>): Promise<{ sha256: string; size: number }> {
  const w = thread();
  const id = nextId++;
  let failed: Error | undefined;
  const s: Pending = {
    waiting: 0,
    fail: (e) => {
      failed = e;
      s.resume?.();
    },
  };
  if (streams.size === 0) w.ref();
  streams.set(id, s);
  let size = 0;
  try {
    for await (const c of chunks) {
      if (failed) throw failed;
      if (c.length === 0) continue;
      size += c.length;
      s.waiting += c.length;
      // A chunk that is its own whole memory moves to the thread; a slice of larger memory (a pooled buffer, a
      // part of a whole object) is copied to memory of its own first, so that only its bytes travel.
      const owns = c.byteOffset === 0 && c.byteLength === c.buffer.byteLength && !(c.buffer instanceof SharedArrayBuffer);
      const view = owns ? new Uint8Array(c.buffer, 0, c.byteLength) : new Uint8Array(c);
      w.postMessage({ id, chunk: view }, [view.buffer as ArrayBuffer]);
      if (s.waiting >= WINDOW) await new Promise<void>((resume) => (s.resume = resume));
    }
    const sha256 = await new Promise<string>((resolve, reject) => {
      if (failed) return reject(failed);
      s.finish = resolve;
      s.fail = reject;
      w.postMessage({ id });
    });
    return { sha256, size };
  } catch (e) {
    // The thread drops what it had of this stream; its answer is not waited for.
    if (forget(id) && worker === w) w.postMessage({ id });
    throw e;
  }
}

/** Below this, a buffer is hashed where it is: handing it over would cost about as much. */
const INLINE_BELOW = 1 << 20;

/**
 * The SHA-256 of a buffer held whole (the caller keeps it): one copy goes to the thread, so that the main
 * thread, which copies objects between buckets, is not also the one hashing them.
 */
export async function sha256OfBuffer(b: Buffer): Promise<string> {
  if (b.length < INLINE_BELOW) return sha256(b);
  async function* copy(): AsyncGenerator<Buffer> {
    const own = new Uint8Array(b); // a copy in memory of its own (the caller's stays where it is)
    yield Buffer.from(own.buffer, 0, own.byteLength);
  }
  return (await sha256OnThread(copy())).sha256;
}
