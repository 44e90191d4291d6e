// How the TiKV plugin reaches PD: the shared client factory and state sources built once at the composition root
// (plugins/pd/client), and a small cache of PD's replication settings (max-replicas, location-labels), which the
// state source does not poll. The settings change rarely (an operator runs pd-ctl), so a value up to `maxAgeMs`
// old is used; a caller that cannot wait (the group's scale-in guard) gets the cached value and a refresh starts.
import type { Cluster } from '../../core/api/cluster.ts';
import { type Logger, silentLogger } from '../../core/observability/log.ts';
import type { DataPlaneSource } from '../../core/plugin/contract.ts';
import type { Clock } from '../../core/runtime/clock.ts';
import type { KeyMapper, PdStateSources } from '../pd/client/data-plane-source.ts';
import type { PdClient, PdClientFactory } from '../pd/client/pd-client.ts';
import type { ReplicationConfig } from '../pd/client/responses.ts';
import type { PdSnapshot } from '../pd/client/snapshot.ts';

export interface PdAccessOptions {
  clients: PdClientFactory;
  states: PdStateSources;
  clock: Clock;
  logger?: Logger;
  /** How old a cached replication config may be before it is read again. Default 30 s. */
  replicationMaxAgeMs?: number;
}

interface CachedReplication {
  value: ReplicationConfig | undefined;
  fetchedAt: number;
  loading: Promise<ReplicationConfig> | undefined;
}

/** Milliseconds a PD state source polls fast after a protocol step asked (extended by each step that waits). */
export const BUSY_MS = 30_000;

export class PdAccess {
  private readonly replicationCache = new Map<string, CachedReplication>();
  private readonly maxAgeMs: number;
  private readonly logger: Logger;

  constructor(private readonly opts: PdAccessOptions) {
    this.maxAgeMs = opts.replicationMaxAgeMs ?? 30_000;
    this.logger = opts.logger ?? silentLogger();
  }

  /** The cluster's PD view, if its state source runs (it does while the instance controller watches the cluster). */
  snapshot(cluster: Cluster): PdSnapshot | undefined {
    return this.opts.states.sourceOf(cluster)?.snapshot();
  }

  client(pdUrl: string): PdClient {
    return this.opts.clients.get(pdUrl);
  }

  /** Something waits on PD: poll it every second for a while (a protocol step is under way). */
  markBusy(cluster: Cluster): void {
    this.opts.states.sourceOf(cluster)?.markBusy(BUSY_MS);
  }

  dataPlaneSource(mapKeys: KeyMapper): DataPlaneSource {
    return this.opts.states.dataPlaneSource(mapKeys);
  }

  /** The cached replication config (undefined before the first read); starts a refresh when it is old. */
  cachedReplication(pdUrl: string): ReplicationConfig | undefined {
    const entry = this.replicationCache.get(this.client(pdUrl).url);
    if (!entry || this.isOld(entry)) {
      this.replication(pdUrl).catch((error: unknown) =>
        this.logger.debug("reading PD's replication config failed", { pd: pdUrl, error }),
      );
    }
    return entry?.value;
  }

  /** The replication config, read from PD when the cached one is older than the maximum age. */
  async replication(pdUrl: string): Promise<ReplicationConfig> {
    const client = this.client(pdUrl);
    let entry = this.replicationCache.get(client.url);
    if (entry?.value !== undefined && !this.isOld(entry)) return entry.value;
    if (!entry) {
      entry = { value: undefined, fetchedAt: 0, loading: undefined };
      this.replicationCache.set(client.url, entry);
    }
    const held = entry;
    held.loading ??= client.replicationConfig().then(
      (value) => {
        held.value = value;
        held.fetchedAt = this.opts.clock.now();
        held.loading = undefined;
        return value;
      },
      (error: unknown) => {
        held.loading = undefined;
        throw error;
      },
    );
    return held.loading;
  }

  private isOld(entry: CachedReplication): boolean {
    return entry.value === undefined || this.opts.clock.now() - entry.fetchedAt >= this.maxAgeMs;
  }
}
