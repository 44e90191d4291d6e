import { afterEach, describe, expect, test } from 'bun:test';
import {
  type AddressFeedFollower,
  type AddressFeedServer,
  followAddressFeed,
  serveAddressFeed,
} from './address-feed.ts';
import { MappingResolver } from './resolver.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function served(resolver: MappingResolver): AddressFeedServer {
  const server = serveAddressFeed(resolver);
  cleanups.push(() => server.stop());
  return server;
}

async function following(url: string, reconnectMs = 20): Promise<AddressFeedFollower> {
  const follower = await followAddressFeed(url, { reconnectMs, firstSnapshotTimeoutMs: 5_000 });
  cleanups.push(() => follower.close());
  return follower;
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await Bun.sleep(5);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('address feed', () => {
  test('a follower resolves the mappings that existed when it connected', async () => {
    const source = new MappingResolver();
    source.mapHost('basic-pd.default.svc', '127.0.0.1:41000');
    const follower = await following(served(source).url);
    expect(follower.resolve('http://basic-pd.default.svc.cluster.local:2379/pd/api/v1/health')).toBe(
      'http://127.0.0.1:41000/pd/api/v1/health',
    );
  });

  test('a follower sees later mappings and unmappings, so the name of a deleted Pod stops resolving', async () => {
    const source = new MappingResolver();
    const follower = await following(served(source).url);
    const unmap = source.mapHost('basic-tikv-0.basic-tikv-peer.default.svc', '127.0.0.1:42000');
    await until(
      () =>
        follower.resolve('basic-tikv-0.basic-tikv-peer.default.svc:20160') !==
        'basic-tikv-0.basic-tikv-peer.default.svc:20160',
      'the mapping',
    );
    expect(follower.resolve('basic-tikv-0.basic-tikv-peer.default.svc:20160')).toBe('127.0.0.1:42000');
    unmap();
    await until(() => follower.snapshot().exact.length === 0, 'the unmapping');
    expect(follower.resolve('basic-tikv-0.basic-tikv-peer.default.svc:20160')).toBe(
      'basic-tikv-0.basic-tikv-peer.default.svc:20160',
    );
  });

  test('a quiet stream carries empty heartbeat lines, which followers skip', async () => {
    const source = new MappingResolver();
    const server = serveAddressFeed(source, { heartbeatMs: 10 });
    cleanups.push(() => server.stop());
    const abort = new AbortController();
    const response = await fetch(`${server.url}/v1/mappings?watch=true`, { signal: abort.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    expect(text.startsWith('{"exact":[],"suffixes":[]}\n\n')).toBe(true);
    source.mapHost('a.default.svc', '127.0.0.1:1');
    const follower = await following(server.url);
    await Bun.sleep(30);
    expect(follower.resolve('http://a.default.svc:80')).toBe('http://127.0.0.1:1');
  });

  test('a plain GET answers one snapshot', async () => {
    const source = new MappingResolver();
    source.mapSuffix('.basic-pd-peer.default.svc', '127.0.0.1:41000');
    const response = await fetch(`${served(source).url}/v1/mappings`);
    expect(await response.json()).toEqual({ exact: [], suffixes: [['.basic-pd-peer.default.svc', '127.0.0.1:41000']] });
  });

  test('a follower keeps its mappings while the feed is down and catches up when it is back', async () => {
    const source = new MappingResolver();
    source.mapHost('a.default.svc', '127.0.0.1:1');
    const first = serveAddressFeed(source);
    const port = first.port;
    const follower = await following(first.url);
    await first.stop();
    source.mapHost('b.default.svc', '127.0.0.1:2');
    expect(follower.resolve('http://a.default.svc:80')).toBe('http://127.0.0.1:1');
    const second = serveAddressFeed(source, { port });
    cleanups.push(() => second.stop());
    await until(() => follower.resolve('http://b.default.svc:80') === 'http://127.0.0.1:2', 'the reconnect');
  });

  test('following a feed that does not answer fails with a message naming it', async () => {
    const source = new MappingResolver();
    const server = serveAddressFeed(source);
    const url = server.url;
    await server.stop();
    await expect(followAddressFeed(url, { reconnectMs: 10, firstSnapshotTimeoutMs: 200 })).rejects.toThrow(
      /no address mappings from http:\/\/127\.0\.0\.1:\d+\/v1\/mappings/,
    );
  });
});
