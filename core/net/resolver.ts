// One place where the operator turns a cluster-internal address into one it can dial. In a cluster the
// address is used as is; in dev, test and bench modes the data-plane simulators run on loopback ports, so their
// in-cluster DNS names are mapped there. Every client builds its URLs through a resolver, so the real HTTP code
// path is used in every mode and nothing bypasses it.

export interface AddressResolver {
  /**
   * Maps a URL (`http://host:port/path`) or a bare `host:port` to the one to dial, in the same form. Unknown
   * hosts come back unchanged.
   */
  resolve(address: string): string;
}

/** In-cluster: Kubernetes DNS resolves every name, nothing to map. */
export const identityResolver: AddressResolver = {
  resolve: (address) => address,
};

export interface MappingResolverOptions {
  /** The cluster DNS domain; `<name>.<ns>.svc.<domain>` is treated like `<name>.<ns>.svc`. Default `cluster.local`. */
  clusterDomain?: string;
}

/** Removes a mapping again. */
export type Unmap = () => void;

/** Every mapping of a MappingResolver, in normalized form: what another process needs to resolve alike. */
export interface MappingSnapshot {
  /** `host` or `host:port` -> target. */
  exact: Array<[string, string]>;
  /** Host suffix (with its leading dot) -> target. */
  suffixes: Array<[string, string]>;
}

interface SplitAddress {
  /** Everything before the authority (`http://`), empty for a bare `host:port`. */
  prefix: string;
  host: string;
  port: string | undefined;
  /** Path, query and fragment. */
  rest: string;
}

// Parsed by hand rather than with URL: URL would lowercase and re-encode the path and cannot hold `host:port`
// without a scheme, and the caller expects its own string back with only the authority replaced.
function splitAddress(address: string): SplitAddress | undefined {
  const schemeEnd = address.indexOf('://');
  const prefix = schemeEnd >= 0 ? address.slice(0, schemeEnd + 3) : '';
  const afterScheme = address.slice(prefix.length);
  const restStart = afterScheme.search(/[/?#]/);
  const authority = restStart >= 0 ? afterScheme.slice(0, restStart) : afterScheme;
  const rest = restStart >= 0 ? afterScheme.slice(restStart) : '';
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostPort === '' || hostPort.startsWith('[')) return undefined; // IPv6 literals are never mapped
  const colon = hostPort.lastIndexOf(':');
  const host = colon >= 0 ? hostPort.slice(0, colon) : hostPort;
  const port = colon >= 0 ? hostPort.slice(colon + 1) : undefined;
  if (host === '') return undefined;
  return { prefix: address.slice(0, prefix.length + (authority.length - hostPort.length)), host, port, rest };
}

/**
 * Maps hosts (exact, optionally with a port) and host suffixes to loopback targets such as `127.0.0.1:41234`.
 * A host is compared without the cluster domain (`name.ns.svc.cluster.local` -> `name.ns.svc`) and without a
 * trailing dot; exact mappings also match the short form (`name.ns`, as the Pod's DNS search path allows).
 * Exact mappings win over suffixes; the longest suffix wins among suffixes; `host:port` wins over `host`.
 */
export class MappingResolver implements AddressResolver {
  private readonly exact = new Map<string, string>();
  private readonly suffixes = new Map<string, string>();
  private readonly domainSuffix: string;
  private readonly listeners = new Set<() => void>();

  constructor(opts: MappingResolverOptions = {}) {
    this.domainSuffix = `.svc.${(opts.clusterDomain ?? 'cluster.local').toLowerCase()}`;
  }

  /** `host` or `host:port` -> `target` (`host:port`). A later mapping of the same key replaces the earlier one. */
  mapHost(hostOrHostPort: string, target: string): Unmap {
    const key = this.normalizeKey(hostOrHostPort);
    this.exact.set(key, target);
    this.changed();
    return () => {
      if (this.exact.get(key) !== target) return;
      this.exact.delete(key);
      this.changed();
    };
  }

  /** Every host ending in `suffix` (for example `.basic-pd-peer.default.svc`) -> `target`. */
  mapSuffix(suffix: string, target: string): Unmap {
    const key = this.normalizeHost(suffix.startsWith('.') ? suffix : `.${suffix}`);
    this.suffixes.set(key, target);
    this.changed();
    return () => {
      if (this.suffixes.get(key) !== target) return;
      this.suffixes.delete(key);
      this.changed();
    };
  }

  /** Every mapping now; `replaceAll` of another resolver with it makes that one resolve exactly like this one. */
  snapshot(): MappingSnapshot {
    return { exact: [...this.exact], suffixes: [...this.suffixes] };
  }

  /** Drops every mapping and takes the snapshot's (one change for listeners). */
  replaceAll(snapshot: MappingSnapshot): void {
    this.exact.clear();
    this.suffixes.clear();
    for (const [key, target] of snapshot.exact) this.exact.set(this.normalizeKey(key), target);
    for (const [key, target] of snapshot.suffixes) this.suffixes.set(this.normalizeHost(key), target);
    this.changed();
  }

  /** Calls `listener` after every change of the mappings (synchronously); returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The target for a host and optional port, or undefined when nothing maps it. */
  lookup(host: string, port?: string): string | undefined {
    for (const candidate of this.candidates(host)) {
      const withPort = port === undefined ? undefined : this.exact.get(`${candidate}:${port}`);
      const hit = withPort ?? this.exact.get(candidate);
      if (hit !== undefined) return hit;
    }
    // Suffixes see the written form only: `example.com` must not become `example.com.svc` and match `.svc`.
    const normalized = this.normalizeHost(host);
    let best: { length: number; target: string } | undefined;
    for (const [suffix, target] of this.suffixes) {
      if (normalized.endsWith(suffix) && (!best || suffix.length > best.length)) {
        best = { length: suffix.length, target };
      }
    }
    return best?.target;
  }

  resolve(address: string): string {
    const parts = splitAddress(address);
    if (!parts) return address;
    const target = this.lookup(parts.host, parts.port);
    if (target === undefined) return address;
    return `${parts.prefix}${target}${parts.rest}`;
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  private candidates(host: string): string[] {
    const normalized = this.normalizeHost(host);
    const out = [normalized];
    if (!normalized.endsWith('.svc') && normalized.includes('.')) out.push(`${normalized}.svc`);
    return out;
  }

  private normalizeKey(hostOrHostPort: string): string {
    const colon = hostOrHostPort.lastIndexOf(':');
    if (colon < 0) return this.normalizeHost(hostOrHostPort);
    return `${this.normalizeHost(hostOrHostPort.slice(0, colon))}:${hostOrHostPort.slice(colon + 1)}`;
  }

  private normalizeHost(host: string): string {
    let h = host.toLowerCase();
    if (h.endsWith('.')) h = h.slice(0, -1);
    if (h.endsWith(this.domainSuffix)) h = h.slice(0, -this.domainSuffix.length + '.svc'.length);
    return h;
  }
}
