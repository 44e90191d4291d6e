// `tikv-operator crds install`: server-side apply of every CRD (field manager tikv-operator), then wait until the
// apiserver serves each of them. Nothing is written when any CRD would be downgraded and --force is not given.
import type { CustomResourceDefinition } from '../../core/api/crd.ts';
import type { KubeClient } from '../../core/kube/client.ts';
import { isNotFound } from '../../core/kube/errors.ts';
import { kinds } from '../../core/kube/object.ts';
import { OPERATOR_VERSION_ANNOTATION } from './manifests.ts';
import { type CrdChange, classifyCrdChange, describeChange, needsForce, refusalMessage } from './version-guard.ts';

export const CRD_FIELD_MANAGER = 'tikv-operator';

export interface InstallCrdsOptions {
  /** The version these CRDs are stamped with. */
  version: string;
  /** Install over CRDs of a newer (or unreadable) version. */
  force: boolean;
  /** How long to wait for all CRDs to become Established. */
  timeoutMs: number;
  pollIntervalMs?: number;
  /** One line per CRD once it is served. */
  report(line: string): void;
}

/** A refused downgrade: the message is the one line the CLI prints. */
export class CrdDowngradeError extends Error {
  override name = 'CrdDowngradeError';
}

interface CrdStatus {
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

export async function installCrds(
  client: KubeClient,
  crds: readonly CustomResourceDefinition[],
  opts: InstallCrdsOptions,
): Promise<void> {
  const changes = await Promise.all(
    crds.map(async (crd) => ({ name: crd.metadata.name, crd, change: await plannedChange(client, crd, opts.version) })),
  );
  const refused = changes.filter((c) => needsForce(c.change));
  if (refused.length > 0 && !opts.force) throw new CrdDowngradeError(refusalMessage(refused, opts.version));

  // The operator owns these objects: force takes over fields another manager (kubectl, a previous installer) holds.
  await Promise.all(
    changes.map(({ crd }) =>
      client.apply(kinds.CustomResourceDefinition, crd, { fieldManager: CRD_FIELD_MANAGER, force: true }),
    ),
  );
  const deadline = performance.now() + opts.timeoutMs;
  await Promise.all(changes.map(({ name }) => waitEstablished(client, name, deadline, opts.pollIntervalMs ?? 200)));
  for (const { name, change } of changes) {
    opts.report(
      `customresourcedefinition ${name}: ${describeChange(change)}, established (tikv-operator ${opts.version})`,
    );
  }
}

async function plannedChange(client: KubeClient, crd: CustomResourceDefinition, version: string): Promise<CrdChange> {
  try {
    const installed = await client.get(kinds.CustomResourceDefinition, crd.metadata.name);
    return classifyCrdChange(true, installed.metadata.annotations?.[OPERATOR_VERSION_ANNOTATION], version);
  } catch (err) {
    if (isNotFound(err)) return classifyCrdChange(false, undefined, version);
    throw err;
  }
}

async function waitEstablished(client: KubeClient, name: string, deadline: number, intervalMs: number): Promise<void> {
  for (;;) {
    const crd = await client.get<CustomResourceDefinition & CrdStatus>(kinds.CustomResourceDefinition, name);
    const conditions = crd.status?.conditions ?? [];
    if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) return;
    // Names that clash with another CRD never become Established; say so instead of waiting out the timeout.
    const names = conditions.find((c) => c.type === 'NamesAccepted' && c.status === 'False');
    if (names)
      throw new Error(`customresourcedefinition ${name}: names not accepted: ${names.message ?? names.reason}`);
    if (performance.now() >= deadline) {
      throw new Error(
        `customresourcedefinition ${name}: not Established before the timeout (see its status conditions)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
