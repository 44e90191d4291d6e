// A TiKV store's config file: the user's TOML with the keys the operator manages filled in. The addresses are
// what PD knows the store by (`server.advertise-addr` is the store's address in PD, and the only way the operator
// matches a store to its instance), so they are built here and nowhere else.
//
//   server.addr                    0.0.0.0:20160
//   server.advertise-addr          <instance>.<group>-peer.<ns>.svc:20160
//   server.status-addr             0.0.0.0:20180
//   server.advertise-status-addr   <instance>.<group>-peer.<ns>.svc:20180
//   storage.data-dir               the `data` volume's first mount, else /var/lib/tikv
//   pd.endpoints                   [Cluster.status.pd]
import { stringify } from 'smol-toml';
import { DATA_VOLUME } from '../../core/api/template.ts';
import type { RenderedConfig } from '../../core/plugin/contract.ts';
import { TIKV_DATA_DIRECTORY, validateTiKVConfig } from './api.ts';

export const TIKV_CLIENT_PORT = { name: 'client', port: 20160 } as const;
export const TIKV_STATUS_PORT = { name: 'status', port: 20180 } as const;
export const TIKV_CONFIG_DIRECTORY = '/etc/tikv';
export const TIKV_CONFIG_FILE = 'config.toml';

/** The DNS name of an instance's Pod: `<instance>.<subdomain>.<namespace>.svc`. */
export function instanceHostName(instance: string, subdomain: string, namespace: string): string {
  return `${instance}.${subdomain}.${namespace}.svc`;
}

/** The store's address in PD (`server.advertise-addr`). */
export function storeAddress(instance: string, subdomain: string, namespace: string): string {
  return `${instanceHostName(instance, subdomain, namespace)}:${TIKV_CLIENT_PORT.port}`;
}

/**
 * The instance a store address belongs to: the first DNS label of `<instance>.<subdomain>.<ns>.svc:20160`, when
 * the address has that shape and, if given, lies in `namespace`.
 */
export function instanceOfStoreAddress(address: string, namespace?: string): string | undefined {
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([^.:]+)\.([^.:]+)\.svc(\.[^:]*)?:(\d+)$/.exec(address);
  if (!match || Number(match[6]) !== TIKV_CLIENT_PORT.port) return undefined;
  if (namespace !== undefined && match[4] !== namespace) return undefined;
  return match[1];
}

/** Whether a store address lies under a subdomain (the headless Service of one group) of a namespace. */
export function isAddressInSubdomain(address: string, subdomain: string, namespace: string): boolean {
  const instance = instanceOfStoreAddress(address, namespace);
  return instance !== undefined && address === storeAddress(instance, subdomain, namespace);
}

/** The data directory: where the `data` volume is mounted first, or TiKV's default directory. */
export function dataDirectoryOf(volumes: readonly { name: string; mounts?: readonly { mountPath: string }[] }[]) {
  return volumes.find((v) => v.name === DATA_VOLUME)?.mounts?.[0]?.mountPath ?? TIKV_DATA_DIRECTORY;
}

export interface TikvConfigInput {
  /** The user's TOML (`spec.config`). */
  config: string | undefined;
  instance: string;
  subdomain: string;
  namespace: string;
  dataDirectory: string;
  /** `Cluster.status.pd`; undefined until the Cluster publishes it. */
  pdUrl: string | undefined;
}

/**
 * Renders the config file. Broken TOML or a managed key set by the user is an error (the Pod stays as it is);
 * no PD URL yet is `pending`: the Cluster publishes it once PD has its Service, which wakes the instance again.
 */
export function renderTikvConfig(input: TikvConfigInput): RenderedConfig {
  const checked = validateTiKVConfig(input.config ?? '');
  if (!checked.ok) return { ok: false, errors: checked.errors.map((e) => e.message) };
  if (!input.pdUrl) {
    return {
      ok: false,
      pending: "the Cluster has not published PD's URL (status.pd) yet; TiKV needs it as pd.endpoints",
    };
  }
  const host = instanceHostName(input.instance, input.subdomain, input.namespace);
  const managed: Record<string, unknown> = {
    'server.addr': `0.0.0.0:${TIKV_CLIENT_PORT.port}`,
    'server.advertise-addr': `${host}:${TIKV_CLIENT_PORT.port}`,
    'server.status-addr': `0.0.0.0:${TIKV_STATUS_PORT.port}`,
    'server.advertise-status-addr': `${host}:${TIKV_STATUS_PORT.port}`,
    'storage.data-dir': input.dataDirectory,
    'pd.endpoints': [input.pdUrl],
  };
  const config = structuredClone(checked.config);
  const errors: string[] = [];
  for (const [key, value] of Object.entries(managed)) {
    const problem = setPath(config, key.split('.'), value);
    if (problem) errors.push(problem);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, fileName: TIKV_CONFIG_FILE, content: stringify(config) };
}

/** Sets a dotted key, creating tables on the way; a non-table in the way is the user's error. */
function setPath(config: Record<string, unknown>, path: string[], value: unknown): string | undefined {
  let table = config;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i] as string;
    const next = table[key];
    if (next === undefined) {
      const created: Record<string, unknown> = {};
      table[key] = created;
      table = created;
    } else if (isTable(next)) {
      table = next;
    } else {
      const at = path.slice(0, i + 1).join('.');
      return `config key ${at} must be a table: the operator sets ${path.join('.')} in it`;
    }
  }
  table[path[path.length - 1] as string] = value;
  return undefined;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
