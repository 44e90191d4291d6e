// PD's config file (`/etc/pd/pd.toml`): the user's TOML plus the keys the operator manages, which users may not
// set (`validatePDConfig` rejects them, like the CRD's CEL rule does at admission):
//
//   name                    the instance name (PD's member name; the operator finds the member by it)
//   data-dir                where the `data` volume is mounted
//   client-urls, peer-urls  listen on every address: http://0.0.0.0:2379 and :2380
//   advertise-*-urls        the Pod's stable DNS name: http://<instance>.<group>-peer.<ns>.svc:2379 / :2380
//   initial-cluster,        bootstrap members only (bootstrap.ts): every bootstrap peer, and "new"
//   initial-cluster-state
//   join                    every other member: the PD Service URL (Cluster.status.pd), or the group's
//                           spec.join until a member of the Cluster's own PD group serves
import { stringify } from 'smol-toml';
import { instanceHost } from '../../core/api/names.ts';
import { DATA_VOLUME } from '../../core/api/template.ts';
import type { InstanceObject, RenderedConfig } from '../../core/plugin/contract.ts';
import { PD_DATA_DIRECTORY, validatePDConfig } from './api.ts';
import { initialClusterValue, type Membership } from './bootstrap.ts';
import { PD_CLIENT_PORT, PD_PEER_PORT } from './service.ts';

export const PD_CONFIG_DIRECTORY = '/etc/pd';
export const PD_CONFIG_FILE = 'pd.toml';
/**
 * How soon a pending config is tried again: bootstrap peers are created by the same group pass (milliseconds
 * apart), and nothing else wakes a member that is not in PD yet.
 */
const PENDING_RETRY_MS = 500;

export interface PdUrls {
  clientUrls: string;
  peerUrls: string;
  advertiseClientUrls: string;
  advertisePeerUrls: string;
}

/** The group of an instance, from its subdomain `<group>-peer`. */
function hostOf(instance: InstanceObject): string {
  const group = instance.spec.subdomain.replace(/-peer$/, '');
  return instanceHost(instance.metadata.name, group, instance.metadata.namespace ?? 'default');
}

export function pdUrls(instance: InstanceObject): PdUrls {
  const host = hostOf(instance);
  return {
    clientUrls: `http://0.0.0.0:${PD_CLIENT_PORT.port}`,
    peerUrls: `http://0.0.0.0:${PD_PEER_PORT.port}`,
    advertiseClientUrls: `http://${host}:${PD_CLIENT_PORT.port}`,
    advertisePeerUrls: `http://${host}:${PD_PEER_PORT.port}`,
  };
}

/** The data directory: the first mount of the `data` volume, else PD's default one. */
export function pdDataDir(instance: InstanceObject): string {
  const data = instance.spec.volumes.find((v) => v.name === DATA_VOLUME);
  return data?.mounts[0]?.mountPath ?? PD_DATA_DIRECTORY;
}

/** The config file of one member, or the user's errors, or why it cannot be rendered yet. */
export function renderPdConfig(instance: InstanceObject, membership: Membership): RenderedConfig {
  const checked = validatePDConfig(instance.spec.config ?? '');
  if (!checked.ok) return { ok: false, errors: checked.errors.map((e) => e.message) };
  if (membership.kind === 'pending') return { ok: false, pending: membership.reason, retryAfterMs: PENDING_RETRY_MS };
  const urls = pdUrls(instance);
  const managed: Record<string, unknown> = {
    name: instance.metadata.name,
    'data-dir': pdDataDir(instance),
    'client-urls': urls.clientUrls,
    'peer-urls': urls.peerUrls,
    'advertise-client-urls': urls.advertiseClientUrls,
    'advertise-peer-urls': urls.advertisePeerUrls,
  };
  if (membership.kind === 'bootstrap') {
    managed['initial-cluster'] = initialClusterValue(membership.initialCluster);
    managed['initial-cluster-state'] = 'new';
  } else {
    managed.join = membership.join;
  }
  // Top-level keys before tables: TOML would put bare keys written after a table into that table.
  return { ok: true, fileName: PD_CONFIG_FILE, content: stringify({ ...managed, ...checked.config }) };
}
