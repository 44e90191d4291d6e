// Mirrors a MappingResolver into another process. In dev and bench mode the data-plane simulator runs in one
// process and maps cluster DNS names (`basic-pd.default.svc`, every PD and TiKV Pod's name) to its loopback ports.
// An operator started as a separate process (so that the bench measures its memory and CPU alone) follows those
// mappings over a loopback HTTP stream and then resolves exactly like an operator in the simulator's process:
// the PD client dials the simulator directly, an unknown name stays unresolved (a DNS failure, as for a Pod that
// is gone), and nothing sits in between that could answer differently from PD.
//
// Protocol: `GET <feed>/v1/mappings?watch=true` answers newline-delimited JSON, one `MappingSnapshot` per line:
// the current mappings at once, then the full set again after every change (changes within one turn of the event
// loop are sent as one line). Full snapshots instead of deltas: a follower that reconnects needs no replay, and
// a few hundred names per line are cheap. An empty line every few seconds keeps a quiet stream from being closed
// as idle (Bun.serve closes connections idle for 10 s). Without `watch` the answer is one snapshot.
import type { Logger } from '../observability/log.ts';
import { type RunningServer, serve } from '../platform/runtime.ts';
import { type AddressResolver, MappingResolver, type MappingSnapshot } from './resolver.ts';

export const addressFeedPath = '/v1/mappings';

export interface AddressFeedServer {
  /** Base URL to hand to the follower (`--dev-address-feed`), for example `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Serves `resolver`'s mappings on 127.0.0.1 (port 0: a free one). */
export function serveAddressFeed(
  resolver: MappingResolver,
  opts: { port?: number; heartbeatMs?: number } = {},
): AddressFeedServer {
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const encoder = new TextEncoder();
  const line = () => encoder.encode(`${JSON.stringify(resolver.snapshot())}\n`);
  let flushQueued = false;
  const unsubscribe = resolver.onChange(() => {
    if (flushQueued) return;
    flushQueued = true;
    queueMicrotask(() => {
      flushQueued = false;
      const chunk = line();
      for (const controller of streams) controller.enqueue(chunk);
    });
  });

  const heartbeat = setInterval(() => {
    const empty = encoder.encode('\n');
    for (const controller of streams) controller.enqueue(empty);
  }, opts.heartbeatMs ?? 4_000);

  const server: RunningServer = serve({
    hostname: '127.0.0.1',
    port: opts.port ?? 0,
    fetch: (request) => {
      const url = new URL(request.url);
      if (request.method !== 'GET' || url.pathname !== addressFeedPath) {
        return new Response('not found\n', { status: 404 });
      }
      const headers = { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' };
      if (url.searchParams.get('watch') !== 'true') return new Response(line(), { headers });
      let own: ReadableStreamDefaultController<Uint8Array> | undefined;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          own = controller;
          streams.add(controller);
          controller.enqueue(line());
        },
        cancel() {
          if (own) streams.delete(own);
        },
      });
      return new Response(body, { headers });
    },
  });

  return {
    url: server.url.replace(/\/$/, ''),
    port: server.port,
    stop: async () => {
      unsubscribe();
      clearInterval(heartbeat);
      for (const controller of streams) {
        try {
          controller.close();
        } catch {
          // already closed by a disconnecting client
        }
      }
      streams.clear();
      await server.stop();
    },
  };
}

export interface AddressFeedFollower extends AddressResolver {
  /** Mappings received so far (a copy). */
  snapshot(): MappingSnapshot;
  close(): Promise<void>;
}

export interface FollowOptions {
  fetch?: typeof fetch;
  logger?: Logger;
  /** Wait between reconnects after the stream ended or failed. Default 500 ms. */
  reconnectMs?: number;
  /** How long the first snapshot may take before `followAddressFeed` gives up. Default 10 s. */
  firstSnapshotTimeoutMs?: number;
}

/**
 * Follows the feed at `feedUrl` (the server's base URL); resolves once the first snapshot is in, so the caller
 * never resolves against an empty table. Keeps the last mappings while reconnecting.
 */
export async function followAddressFeed(feedUrl: string, opts: FollowOptions = {}): Promise<AddressFeedFollower> {
  const doFetch = opts.fetch ?? fetch;
  const reconnectMs = opts.reconnectMs ?? 500;
  const mappings = new MappingResolver();
  const abort = new AbortController();
  const url = `${feedUrl.replace(/\/+$/, '')}${addressFeedPath}?watch=true`;
  let gotFirst: () => void = () => {};
  const first = new Promise<void>((resolve) => {
    gotFirst = resolve;
  });

  const readOnce = async (): Promise<void> => {
    const response = await doFetch(url, { signal: abort.signal });
    if (!response.ok || !response.body) throw new Error(`${url} answered ${response.status}`);
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const text = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (text.trim() !== '') {
          mappings.replaceAll(parseSnapshot(text));
          gotFirst();
        }
        newline = buffered.indexOf('\n');
      }
    }
  };

  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        await readOnce();
        if (!abort.signal.aborted) opts.logger?.warn('address feed ended, reconnecting', { url });
      } catch (error) {
        if (abort.signal.aborted) return;
        opts.logger?.warn('address feed failed, reconnecting', { url, error: String(error) });
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          abort.signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, reconnectMs);
        abort.signal.addEventListener('abort', done, { once: true });
      });
    }
  })();

  const close = async () => {
    abort.abort();
    await loop;
  };

  const timeoutMs = opts.firstSnapshotTimeoutMs ?? 10_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([first.then(() => 'ok' as const), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    await close();
    throw new Error(`no address mappings from ${url} within ${timeoutMs} ms: is the simulator's feed running?`);
  }
  return {
    resolve: (address) => mappings.resolve(address),
    snapshot: () => mappings.snapshot(),
    close,
  };
}

function parseSnapshot(text: string): MappingSnapshot {
  const value = JSON.parse(text) as Partial<MappingSnapshot>;
  const pairs = (list: unknown): Array<[string, string]> =>
    Array.isArray(list)
      ? list.filter(
          (p): p is [string, string] => Array.isArray(p) && typeof p[0] === 'string' && typeof p[1] === 'string',
        )
      : [];
  return { exact: pairs(value.exact), suffixes: pairs(value.suffixes) };
}
