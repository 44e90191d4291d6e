// Test helpers: a simulated PD cluster served on a loopback port and reachable under its in-cluster URL
// through a MappingResolver, exactly as the operator reaches it; and a bounded wait for real I/O to finish.

import { MappingResolver } from '../../../core/net/resolver.ts';
import type { RunningServer } from '../../../core/platform/runtime.ts';
import { serveSimulatedCluster } from '../simulator/api/server.ts';
import type { PdClusterModel } from '../simulator/model/cluster.ts';
import { type SteppedClock, type TestClusterOptions, testCluster } from '../simulator/model/testing.ts';
import { PdClient, type PdClientOptions } from './pd-client.ts';

/** The PD client URL of the test cluster, as the operator builds it from the PDGroup's Service. */
export const TEST_PD_URL = 'http://basic-pd.default.svc:2379';

export interface ServedPd {
  model: PdClusterModel;
  modelClock: SteppedClock;
  server: RunningServer;
  resolver: MappingResolver;
  /** A client for TEST_PD_URL through the resolver. */
  client(opts?: PdClientOptions): PdClient;
  stop(): Promise<void>;
}

/** A simulated cluster (3 PD members, `stores` TiKV stores by default none) with its PD API on loopback. */
export function servePd(opts: TestClusterOptions = {}): ServedPd {
  const { model, clock } = testCluster(opts);
  const server = serveSimulatedCluster(model, { namespace: 'default', name: 'basic' });
  const resolver = new MappingResolver();
  resolver.mapHost('basic-pd.default.svc', `127.0.0.1:${server.port}`);
  return {
    model,
    modelClock: clock,
    server,
    resolver,
    client: (clientOpts = {}) => new PdClient(TEST_PD_URL, { resolver, ...clientOpts }),
    stop: () => server.stop(),
  };
}

/**
 * Lets real I/O (sockets, timers of the runtime) progress until `done()` holds. Fails after `maxTurns` turns
 * of the event loop, so a missing event shows up as a failure and not as a hung test.
 */
export async function until(done: () => boolean, what: string, maxTurns = 2_000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (done()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  if (!done()) throw new Error(`not reached: ${what}`);
}
