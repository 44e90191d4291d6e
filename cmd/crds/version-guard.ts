// Refusing to downgrade CRDs. A CRD schema written by a newer operator can hold fields and rules an older one does
// not know; applying the older schema over it would prune those fields from stored objects on their next write
// (structural pruning), so an older binary must not overwrite it unless the user says so.

export interface Semver {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release identifiers (`1.2.0-rc.1` -> ['rc', '1']); empty for a release. */
  prerelease: string[];
}

const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$/;

export function parseSemver(value: string): Semver | undefined {
  const m = SEMVER.exec(value.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease: m[4] ? m[4].split('.') : [] };
}

/** Semantic Versioning 2.0 precedence: negative when a < b, 0 when equal, positive when a > b (build metadata ignored). */
export function compareSemver(a: Semver, b: Semver): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return Math.sign(core);
  // A pre-release sorts before its release: 1.0.0-rc.1 < 1.0.0.
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return Math.sign(b.prerelease.length - a.prerelease.length);
  }
  for (let i = 0; i < Math.min(a.prerelease.length, b.prerelease.length); i++) {
    const order = compareIdentifier(a.prerelease[i] as string, b.prerelease[i] as string);
    if (order !== 0) return order;
  }
  return Math.sign(a.prerelease.length - b.prerelease.length);
}

function compareIdentifier(a: string, b: string): number {
  const numericA = /^\d+$/.test(a);
  const numericB = /^\d+$/.test(b);
  if (numericA && numericB) return Math.sign(Number(a) - Number(b));
  // Numeric identifiers have lower precedence than alphanumeric ones.
  if (numericA !== numericB) return numericA ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What installing our CRD over the installed one would be. */
export type CrdChange =
  | { kind: 'create' }
  /** The installed CRD carries no version stamp (installed by hand or by an operator that did not stamp). */
  | { kind: 'unstamped' }
  | { kind: 'same'; installed: string }
  | { kind: 'upgrade'; installed: string }
  | { kind: 'downgrade'; installed: string }
  /** The stamp is not a version: nothing can be said about it. */
  | { kind: 'unreadable'; installed: string };

/** `installed` is the installed CRD's version annotation; `present` says whether the CRD exists at all. */
export function classifyCrdChange(present: boolean, installed: string | undefined, ours: string): CrdChange {
  if (!present) return { kind: 'create' };
  if (installed === undefined) return { kind: 'unstamped' };
  const theirs = parseSemver(installed);
  const mine = parseSemver(ours);
  if (!theirs || !mine) return { kind: 'unreadable', installed };
  const order = compareSemver(theirs, mine);
  return order > 0
    ? { kind: 'downgrade', installed }
    : order < 0
      ? { kind: 'upgrade', installed }
      : { kind: 'same', installed };
}

/** Changes that need --force: going back to an older schema, or over a stamp that cannot be compared. */
export function needsForce(change: CrdChange): change is Extract<CrdChange, { kind: 'downgrade' | 'unreadable' }> {
  return change.kind === 'downgrade' || change.kind === 'unreadable';
}

/** The one line that explains a refusal: every CRD in question with its installed version, and ours. */
export function refusalMessage(refused: readonly { name: string; change: CrdChange }[], ours: string): string {
  const parts = refused.map(({ name, change }) => {
    const installed = 'installed' in change ? change.installed : '?';
    return change.kind === 'unreadable'
      ? `${name} (stamped "${installed}", not a version)`
      : `${name} (installed by tikv-operator ${installed})`;
  });
  const what = refused.length === 1 ? 'CRD' : 'CRDs';
  return `refusing to downgrade ${what} ${parts.join(', ')} to tikv-operator ${ours}; use --force to install anyway`;
}

export function describeChange(change: CrdChange): string {
  switch (change.kind) {
    case 'create':
      return 'created';
    case 'unstamped':
      return 'updated (was unstamped)';
    case 'same':
      return 'unchanged version';
    case 'upgrade':
      return `upgraded from ${change.installed}`;
    case 'downgrade':
      return `downgraded from ${change.installed} (--force)`;
    case 'unreadable':
      return `overwrote unreadable stamp "${change.installed}" (--force)`;
  }
}
