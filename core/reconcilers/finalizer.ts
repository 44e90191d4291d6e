// Finalizers as one helper (kube-rs `runtime::finalizer`): a reconcile says what to do while the object lives
// (`apply`) and what to clean up when it is deleted (`cleanup`); the helper adds the operator's finalizer
// before any `apply` step runs, and removes it only after every `cleanup` step completed. So the apiserver
// never forgets an object whose children (Pods, PVCs, data-plane members) the operator still has to remove,
// and no reconciler touches `metadata.finalizers` itself.
//
// The finalizer list is written with a merge patch that carries the object's resourceVersion: a merge patch
// replaces a list whole, so without the precondition it could drop a finalizer another controller added since
// the object was read (the conflict makes the reconcile retry with a fresh copy instead).
import { FINALIZER } from '../api/labels.ts';
import type { KubeClient } from '../kube/client.ts';
import { isNotFound } from '../kube/errors.ts';
import type { KubeObject, ResourceKind } from '../kube/object.ts';
import { complete } from '../tasks/result.ts';
import { breakIf, sequence, type Task, task, when } from '../tasks/task.ts';

/** Where an object stands with respect to the finalizer. */
export type FinalizerState =
  /** Alive and already protected: run `apply`. */
  | 'alive'
  /** Alive, finalizer missing: add it first. */
  | 'unprotected'
  /** Deleting while the finalizer is still on it: run `cleanup`, then remove it. */
  | 'cleanup'
  /** Deleting and the finalizer is gone (other finalizers hold it): nothing left for the operator. */
  | 'released';

export function hasFinalizer(obj: KubeObject, finalizer: string = FINALIZER): boolean {
  return obj.metadata.finalizers?.includes(finalizer) ?? false;
}

export function isDeleting(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined;
}

export function finalizerState(obj: KubeObject, finalizer: string = FINALIZER): FinalizerState {
  const present = hasFinalizer(obj, finalizer);
  if (isDeleting(obj)) return present ? 'cleanup' : 'released';
  return present ? 'alive' : 'unprotected';
}

type FinalizerClient = Pick<KubeClient, 'mergePatch'>;

/**
 * Adds the finalizer with a merge patch conditioned on the object's resourceVersion (409 Conflict when it moved
 * on). Returns the patched object, or the object itself when the finalizer is already there.
 */
export async function addFinalizer<T extends KubeObject>(
  client: FinalizerClient,
  kind: ResourceKind,
  obj: T,
  finalizer: string = FINALIZER,
): Promise<T> {
  if (hasFinalizer(obj, finalizer)) return obj;
  const finalizers = [...(obj.metadata.finalizers ?? []), finalizer];
  return client.mergePatch<T>(kind, obj.metadata.name, obj.metadata.namespace, {
    metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion },
  });
}

/**
 * Removes the finalizer the same way. Returns the patched object, or undefined when the object is gone (the
 * removal let the apiserver delete it, or it was already gone).
 */
export async function removeFinalizer<T extends KubeObject>(
  client: FinalizerClient,
  kind: ResourceKind,
  obj: T,
  finalizer: string = FINALIZER,
): Promise<T | undefined> {
  if (!hasFinalizer(obj, finalizer)) return obj;
  const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  try {
    return await client.mergePatch<T>(kind, obj.metadata.name, obj.metadata.namespace, {
      // `null` deletes the field when the list becomes empty, as the apiserver stores it.
      metadata: {
        finalizers: finalizers.length > 0 ? finalizers : null,
        resourceVersion: obj.metadata.resourceVersion,
      },
    });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export interface FinalizerOptions<C> {
  client: FinalizerClient;
  /** The kind of the reconciled object (instance, group or Cluster kind). */
  kind: ResourceKind;
  /** The reconciled object, as loaded by an earlier step. */
  object(ctx: C): KubeObject;
  /**
   * Receives the object the finalizer patch returned (undefined: it is gone), so later steps and the status
   * write see the new resourceVersion.
   */
  updated?(ctx: C, obj: KubeObject | undefined): void;
  /** Default `tikv.org/finalizer`. */
  finalizer?: string;
  /** Steps while the object lives; they run after the finalizer is in place. */
  apply: Task<C>[];
  /**
   * Steps once the object is being deleted. The finalizer is removed when all of them complete; until then
   * the reconcile ends with the first step that did not complete (wait / retry / fail) and comes back.
   */
  cleanup: Task<C>[];
}

/**
 * The reconcile's finalizer-aware part, to spread into a task list after the guards that load the object:
 *
 *   deleting (guard): cleanup steps..., remove finalizer     -> ends the list
 *   add finalizer (only when missing)
 *   apply steps...
 *
 * A deleting object without the finalizer (`released`) ends the list with nothing to do.
 */
export function withFinalizer<C>(opts: FinalizerOptions<C>): Task<C>[] {
  const finalizer = opts.finalizer ?? FINALIZER;
  const protectedNow = (ctx: C) => hasFinalizer(opts.object(ctx), finalizer);
  const remove = task<C>('remove finalizer', async (ctx) => {
    const obj = await removeFinalizer(opts.client, opts.kind, opts.object(ctx), finalizer);
    opts.updated?.(ctx, obj);
    return complete();
  });
  const add = task<C>('add finalizer', async (ctx) => {
    const obj = await addFinalizer(opts.client, opts.kind, opts.object(ctx), finalizer);
    opts.updated?.(ctx, obj);
    return complete();
  });
  return [
    breakIf('deleting', (ctx) => isDeleting(opts.object(ctx)), when(protectedNow, sequence(...opts.cleanup, remove))),
    when((ctx) => !protectedNow(ctx), add),
    ...opts.apply,
  ];
}
