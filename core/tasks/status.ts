// Status is written once per reconcile, at the end, and only when it changed: steps only change the status in
// memory, and a reconcile that finds nothing new makes no write (the goal is zero writes at steady state).
//
// "Changed" compares the status as the apiserver stores it:
// - a property that is undefined or null counts as absent (JSON drops undefined; a null in a merge patch
//   deletes the field);
// - the order of `status.conditions` does not matter: conditions are keyed by type, so a reordered list
//   says nothing new, and writing it would only produce a watch event for every consumer;
// - a condition whose status did not change keeps its previous lastTransitionTime, even when a step built
//   it from scratch with a fresh time.
import type { Condition } from './conditions.ts';
import { complete } from './result.ts';
import { type Task, task } from './task.ts';

/** Deep equality of two JSON values with absent == undefined == null for object properties. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (!isRecord(a) || !isRecord(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const va = a[k] ?? undefined;
    const vb = b[k] ?? undefined;
    if (!jsonEqual(va, vb)) return false;
  }
  return true;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function conditionsOf(status: unknown): Condition[] | undefined {
  if (!isRecord(status) || !Array.isArray(status.conditions)) return undefined;
  return status.conditions as Condition[];
}

function byType(conditions: Condition[]): Condition[] {
  return [...conditions].sort((x, y) => (x.type < y.type ? -1 : x.type > y.type ? 1 : 0));
}

/** Whether two statuses differ in anything the apiserver would store (see the module comment). */
export function statusEqual(before: unknown, after: unknown): boolean {
  const a = conditionsOf(before);
  const b = conditionsOf(after);
  if (!a || !b || !isRecord(before) || !isRecord(after)) return jsonEqual(before, after);
  return (
    jsonEqual({ ...before, conditions: undefined }, { ...after, conditions: undefined }) &&
    jsonEqual(byType(a), byType(b))
  );
}

/** `after` with each condition's lastTransitionTime taken from `before` when its status is the same there. */
export function carryTransitionTimes<S extends object>(before: S | undefined, after: S): S {
  const previous = conditionsOf(before);
  const next = conditionsOf(after);
  if (!previous || !next) return after;
  const conditions = next.map((c) => {
    const old = previous.find((p) => p.type === c.type);
    return old && old.status === c.status && old.lastTransitionTime !== c.lastTransitionTime
      ? { ...c, lastTransitionTime: old.lastTransitionTime }
      : c;
  });
  return { ...after, conditions };
}

/**
 * Writes `after` through `write` when it differs from `before` (after carrying transition times over).
 * Resolves with whether it wrote. `write` should replace the whole status (an apply of the status, or a
 * merge patch: merge patches replace lists as a whole, so removed conditions disappear).
 */
export async function writeStatusIfChanged<S extends object>(
  before: S | undefined,
  after: S,
  write: (status: S) => Promise<void>,
): Promise<boolean> {
  const status = carryTransitionTimes(before, after);
  if (before !== undefined && statusEqual(before, status)) return false;
  await write(status);
  return true;
}

export interface PersistStatusOptions<C, S extends object> {
  /** Step name in the task summary; default `update status`. */
  name?: string;
  /** The status as read at the start of the reconcile (undefined when the object had none). */
  before(ctx: C): S | undefined;
  /** The status the steps computed. */
  after(ctx: C): S;
  write(ctx: C, status: S): Promise<void>;
}

/** The step that writes the status once: meant for the runner's `always` list, after the condition steps. */
export function persistStatus<C, S extends object>(opts: PersistStatusOptions<C, S>): Task<C> {
  return task(opts.name ?? 'update status', async (ctx) => {
    const written = await writeStatusIfChanged(opts.before(ctx), opts.after(ctx), (s) => opts.write(ctx, s));
    return complete(written ? 'written' : 'unchanged');
  });
}
