import { describe, expect, test } from 'bun:test';
import { identityResolver, MappingResolver } from './resolver.ts';

describe('identityResolver', () => {
  test('returns every address unchanged', () => {
    expect(identityResolver.resolve('http://basic-pd.default.svc:2379/pd/api/v1/health')).toBe(
      'http://basic-pd.default.svc:2379/pd/api/v1/health',
    );
  });
});

describe('MappingResolver', () => {
  test('maps an exact host to the target and keeps scheme, path and query', () => {
    const r = new MappingResolver();
    r.mapHost('basic-pd.default.svc', '127.0.0.1:41000');
    expect(r.resolve('http://basic-pd.default.svc:2379/pd/api/v1/stores?state=0&state=1')).toBe(
      'http://127.0.0.1:41000/pd/api/v1/stores?state=0&state=1',
    );
  });

  test('treats the cluster-domain, short and trailing-dot forms of a service name alike', () => {
    const r = new MappingResolver();
    r.mapHost('basic-pd.default.svc', '127.0.0.1:41000');
    expect(r.resolve('http://basic-pd.default.svc.cluster.local:2379')).toBe('http://127.0.0.1:41000');
    expect(r.resolve('http://basic-pd.default:2379/x')).toBe('http://127.0.0.1:41000/x');
    expect(r.resolve('http://BASIC-PD.default.svc.:2379/x')).toBe('http://127.0.0.1:41000/x');
  });

  test('honours a custom cluster domain', () => {
    const r = new MappingResolver({ clusterDomain: 'corp.example' });
    r.mapHost('basic-pd.default.svc', '127.0.0.1:41000');
    expect(r.resolve('http://basic-pd.default.svc.corp.example:2379')).toBe('http://127.0.0.1:41000');
    expect(r.resolve('http://basic-pd.default.svc.cluster.local:2379')).toBe(
      'http://basic-pd.default.svc.cluster.local:2379',
    );
  });

  test('maps bare host:port addresses as well as URLs', () => {
    const r = new MappingResolver();
    r.mapSuffix('.basic-tikv-peer.default.svc', '127.0.0.1:42000');
    expect(r.resolve('basic-tikv-0.basic-tikv-peer.default.svc:20160')).toBe('127.0.0.1:42000');
  });

  test('prefers an exact mapping over a suffix and the longest suffix over a shorter one', () => {
    const r = new MappingResolver();
    r.mapSuffix('.default.svc', '127.0.0.1:1');
    r.mapSuffix('.peer.default.svc', '127.0.0.1:2');
    r.mapHost('a.peer.default.svc', '127.0.0.1:3');
    expect(r.resolve('http://a.peer.default.svc:2379')).toBe('http://127.0.0.1:3');
    expect(r.resolve('http://b.peer.default.svc:2379')).toBe('http://127.0.0.1:2');
    expect(r.resolve('http://other.default.svc:2379')).toBe('http://127.0.0.1:1');
  });

  test('a host:port mapping wins over the host mapping for that port only', () => {
    const r = new MappingResolver();
    r.mapHost('tikv-0.peer.default.svc', '127.0.0.1:5000');
    r.mapHost('tikv-0.peer.default.svc:20180', '127.0.0.1:6000');
    expect(r.resolve('http://tikv-0.peer.default.svc:20180/metrics')).toBe('http://127.0.0.1:6000/metrics');
    expect(r.resolve('tikv-0.peer.default.svc:20160')).toBe('127.0.0.1:5000');
  });

  test('leaves unknown hosts, IPv6 literals and garbage unchanged', () => {
    const r = new MappingResolver();
    r.mapSuffix('.svc', '127.0.0.1:1');
    expect(r.resolve('http://example.com:80/')).toBe('http://example.com:80/');
    expect(r.resolve('http://pd.default.svc:80/')).toBe('http://127.0.0.1:1/');
    expect(r.resolve('http://[::1]:2379/')).toBe('http://[::1]:2379/');
    expect(r.resolve('')).toBe('');
  });

  test('keeps user info in front of the mapped authority', () => {
    const r = new MappingResolver();
    r.mapHost('pd.default.svc', '127.0.0.1:7');
    expect(r.resolve('http://u:p@pd.default.svc:2379/a')).toBe('http://u:p@127.0.0.1:7/a');
  });

  test('unmapping removes the mapping, but not a newer one for the same host', () => {
    const r = new MappingResolver();
    const unmapOld = r.mapHost('pd.default.svc', '127.0.0.1:1');
    const unmapNew = r.mapHost('pd.default.svc', '127.0.0.1:2');
    unmapOld();
    expect(r.resolve('http://pd.default.svc:2379')).toBe('http://127.0.0.1:2');
    unmapNew();
    expect(r.resolve('http://pd.default.svc:2379')).toBe('http://pd.default.svc:2379');
    const unmapSuffix = r.mapSuffix('default.svc', '127.0.0.1:3');
    expect(r.resolve('http://x.default.svc:1')).toBe('http://127.0.0.1:3');
    unmapSuffix();
    expect(r.resolve('http://x.default.svc:1')).toBe('http://x.default.svc:1');
  });
});

describe('MappingResolver snapshots', () => {
  test('a resolver filled from the snapshot of another resolves every address the same way', () => {
    const source = new MappingResolver();
    source.mapHost('basic-pd.default.svc.cluster.local', '127.0.0.1:41000');
    source.mapHost('basic-pd-0.basic-pd-peer.default.svc:2379', '127.0.0.1:41001');
    source.mapSuffix('.basic-tikv-peer.default.svc', '127.0.0.1:42000');
    const copy = new MappingResolver();
    copy.mapHost('stale.default.svc', '127.0.0.1:1');
    copy.replaceAll(source.snapshot());
    for (const address of [
      'http://basic-pd.default:2379/pd/api/v1/members',
      'http://basic-pd-0.basic-pd-peer.default.svc:2379/x',
      'basic-tikv-3.basic-tikv-peer.default.svc:20160',
      'http://stale.default.svc:2379',
      'http://elsewhere.example:80',
    ]) {
      expect(copy.resolve(address)).toBe(source.resolve(address));
    }
    expect(copy.resolve('http://stale.default.svc:2379')).toBe('http://stale.default.svc:2379');
  });

  test('listeners hear every mapping and every effective unmapping, not an unmap of a replaced target', () => {
    const r = new MappingResolver();
    let changes = 0;
    const unsubscribe = r.onChange(() => changes++);
    const unmapOld = r.mapHost('a.default.svc', '127.0.0.1:1');
    r.mapHost('a.default.svc', '127.0.0.1:2');
    unmapOld(); // the mapping now points elsewhere: nothing removed, nothing reported
    expect(changes).toBe(2);
    const unmapSuffix = r.mapSuffix('.peer.default.svc', '127.0.0.1:3');
    unmapSuffix();
    expect(changes).toBe(4);
    unsubscribe();
    r.mapHost('b.default.svc', '127.0.0.1:4');
    expect(changes).toBe(4);
  });
});
