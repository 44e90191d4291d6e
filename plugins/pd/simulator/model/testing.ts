// Helpers for tests of the model and of the API: a stepped clock and a small cluster built in one call.

import { type ModelOptions, PdClusterModel } from './cluster.ts';

/** A clock that moves only when told to. */
export class SteppedClock {
  constructor(private ms = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface TestClusterOptions extends Partial<Omit<ModelOptions, 'clock'>> {
  pdMembers?: number;
  stores?: number;
  /** Zone label of store i, when given; stores also get `host=<i>`. */
  zoneOf?: (i: number) => string;
  clock?: SteppedClock;
}

export const pdName = (i: number) => `basic-pd-${i}`;
export const storeAddress = (i: number) => `basic-tikv-${i}.basic-tikv-peer.default.svc:20160`;

export function testCluster(opts: TestClusterOptions = {}): { model: PdClusterModel; clock: SteppedClock } {
  const clock = opts.clock ?? new SteppedClock();
  const model = new PdClusterModel({ seed: 42, ...opts, clock });
  for (let i = 0; i < (opts.pdMembers ?? 3); i++) {
    model.memberUp({
      name: pdName(i),
      clientUrls: [`http://${pdName(i)}.basic-pd-peer.default.svc:2379`],
      peerUrls: [`http://${pdName(i)}.basic-pd-peer.default.svc:2380`],
      dataId: `pd-data-${i}`,
    });
  }
  for (let i = 0; i < (opts.stores ?? 0); i++) startTestStore(model, i, opts.zoneOf);
  return { model, clock };
}

export function startTestStore(model: PdClusterModel, i: number, zoneOf?: (i: number) => string, dataId?: string) {
  const labels = zoneOf ? { zone: zoneOf(i), host: `host-${i}` } : undefined;
  return model.startStore({ address: storeAddress(i), dataId: dataId ?? `tikv-data-${i}`, labels });
}

/** Ticks until `done` holds; fails after `max` ticks so a stuck simulation shows up as a test failure. */
export function tickUntil(model: PdClusterModel, done: () => boolean, max = 1000): number {
  for (let n = 0; n < max; n++) {
    if (done()) return n;
    model.tick();
  }
  if (done()) return max;
  throw new Error(`condition not reached within ${max} ticks`);
}

/** Ticks until no replica change, election or leader move happens any more. */
export function tickUntilSettled(model: PdClusterModel, max = 1000): number {
  for (let n = 0; n < max; n++) {
    const r = model.tick();
    if (r.replicaChanges === 0 && r.leadersBalanced === 0 && r.leadersEvicted === 0 && r.elected === 0) return n;
  }
  throw new Error(`simulation did not settle within ${max} ticks`);
}

export function storeIdAt(model: PdClusterModel, i: number): number {
  const store = model.storeByAddress(storeAddress(i));
  if (!store) throw new Error(`no store at ${storeAddress(i)}`);
  return store.id;
}
