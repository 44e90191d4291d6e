// PD state sources shared per PD cluster, offered to the core as DataPlaneSource (core/plugin/contract.ts).
// The PD and TiKV plugins watch the same PD cluster: one poller serves both, each plugin maps the changed keys
// (member names, store addresses) to its instance names. A source runs while someone holds it and stops when
// the last watcher leaves.

import type { Cluster } from '../../../core/api/cluster.ts';
import type { Logger } from '../../../core/observability/log.ts';
import { silentLogger } from '../../../core/observability/log.ts';
import type { DataPlaneSource } from '../../../core/plugin/contract.ts';
import type { PdClientFactory } from './pd-client.ts';
import type { PdSnapshot, SnapshotChanges } from './snapshot.ts';
import { PdStateSource, type PdStateSourceOptions } from './state-source.ts';

/** Turns the changed keys into the instance names a plugin's controller should reconcile. */
export type KeyMapper = (changes: SnapshotChanges, snapshot: PdSnapshot) => readonly string[];

export interface PdStateSourcesOptions extends PdStateSourceOptions {
  clients: PdClientFactory;
  /** The PD client URL of a cluster. Default: `status.pd`, which the Cluster publishes once PD has a Service. */
  pdUrlOf?: (cluster: Cluster) => string | undefined;
}

export interface SourceLease {
  readonly source: PdStateSource;
  /** Gives the lease back; the source stops when no lease is left. Calling it twice does nothing. */
  release(): void;
}

interface Entry {
  source: PdStateSource;
  holders: number;
}

export class PdStateSources {
  private readonly entries = new Map<string, Entry>();
  private readonly logger: Logger;

  constructor(private readonly opts: PdStateSourcesOptions) {
    this.logger = opts.logger ?? silentLogger();
  }

  /** The running source of a PD URL, started on first use, shared with every other holder. */
  acquire(url: string): SourceLease {
    const client = this.opts.clients.get(url);
    let entry = this.entries.get(client.url);
    if (!entry) {
      entry = {
        source: new PdStateSource(client, { ...this.opts, logger: this.logger.child({ pd: client.url }) }),
        holders: 0,
      };
      this.entries.set(client.url, entry);
      entry.source.start();
    }
    entry.holders++;
    const held = entry;
    let released = false;
    return {
      source: held.source,
      release: () => {
        if (released) return;
        released = true;
        held.holders--;
        if (held.holders === 0 && this.entries.get(client.url) === held) {
          held.source.stop();
          this.entries.delete(client.url);
        }
      },
    };
  }

  /** The running source of a PD URL, if someone holds it. */
  source(url: string): PdStateSource | undefined {
    return this.entries.get(this.opts.clients.get(url).url)?.source;
  }

  /** The running source of a cluster's PD, if someone watches it. */
  sourceOf(cluster: Cluster): PdStateSource | undefined {
    const url = this.urlOf(cluster);
    return url === undefined ? undefined : this.source(url);
  }

  /**
   * A DataPlaneSource for one plugin. `watch` holds the cluster's source until unsubscribed and calls
   * `onChange` with the instance names `mapKeys` picks. A cluster without a PD URL yet is not watched (the
   * caller watches again once `status.pd` is set).
   */
  dataPlaneSource(mapKeys: KeyMapper): DataPlaneSource {
    return {
      watch: (cluster, onChange) => {
        const url = this.urlOf(cluster);
        if (url === undefined) {
          this.logger.debug('no PD URL for the cluster yet, not watching', { cluster: cluster.metadata.name });
          return () => {};
        }
        const lease = this.acquire(url);
        const unsubscribe = lease.source.subscribe((_keys, changes) => {
          const names = mapKeys(changes, lease.source.snapshot());
          if (names.length > 0) onChange(names);
        });
        return () => {
          unsubscribe();
          lease.release();
        };
      },
    };
  }

  /** Stops every source. */
  stop(): void {
    for (const entry of this.entries.values()) entry.source.stop();
    this.entries.clear();
  }

  private urlOf(cluster: Cluster): string | undefined {
    return this.opts.pdUrlOf ? this.opts.pdUrlOf(cluster) : cluster.status?.pd;
  }
}
