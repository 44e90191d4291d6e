// Which instance goes first when the updater must remove or update one. The policy chain, in priority order:
//   1. the user's explicit choice (instances named for removal),
//   2. not running (its Pod is gone or failing: touching it costs nothing),
//   3. not available (already out of service: touching it does not lower availability),
//   4. topology spreading (an instance outside the declared topologies, then the most over-represented
//      topology; a topology's last instance is kept while avoidable),
//   5. the plugin's preference (lower disruption cost, e.g. not the PD leader),
//   6. the user's priority annotation (lower first; annotated before unannotated),
//   7. the name: highest ordinal first, mirroring StatefulSets (so a scale-in leaves the low names).
// Each criterion only breaks the ties of the ones before it. One instance is picked at a time: removing one
// changes the topology counts that decide the next pick.

import { ordinalOf } from '../naming/ordinal-names.ts';
import type { UpdaterInstance } from './state.ts';
import {
  additionScore,
  compareTuples,
  countSpread,
  removalScore,
  type SpreadTopology,
  topologyIndex,
} from './topology.ts';

export type Candidate = Pick<
  UpdaterInstance,
  'name' | 'revision' | 'running' | 'available' | 'topology' | 'priority' | 'disruptionCost'
>;

export interface SelectionContext {
  /** The group name: instance names are `<group>-<ordinal>`. */
  group: string;
  /** The group's spreading policy (empty: no topology criterion). */
  spread: readonly SpreadTopology[];
  /** Every instance that counts for spreading (the group's active instances), candidates included. */
  population: readonly Pick<UpdaterInstance, 'topology'>[];
  /** Names the user chose for removal. */
  chosen: ReadonlySet<string>;
}

/**
 * Orders `candidates` for removal or update, first = to be touched first, by the policy chain above. Used for
 * scale-in, for updates and by the plugins' tests; the updater takes the first of the order at every step.
 */
export function disruptionOrder<T extends Candidate>(candidates: readonly T[], context: SelectionContext): T[] {
  const counts = countSpread(
    context.spread,
    context.population.map((p) => p.topology),
  );
  const byTopology = (c: Candidate) => removalScore(context.spread, counts, c.topology);
  return [...candidates].sort(
    (a, b) =>
      flag(context.chosen.has(b.name)) - flag(context.chosen.has(a.name)) ||
      flag(a.running) - flag(b.running) ||
      flag(a.available) - flag(b.available) ||
      compareTuples(byTopology(b), byTopology(a)) ||
      (a.disruptionCost ?? 0) - (b.disruptionCost ?? 0) ||
      comparePriority(a.priority, b.priority) ||
      compareNamesHighestFirst(context.group, a.name, b.name),
  );
}

/** Picks the instance to remove or update next, or undefined when there is no candidate. */
export function pickForDisruption<T extends Candidate>(
  candidates: readonly T[],
  context: SelectionContext,
): T | undefined {
  return disruptionOrder(candidates, context)[0];
}

/**
 * Picks which instance whose removal is in progress to take back on scale-out, or undefined when there is none:
 * never one the user chose for removal; then one at the update revision (it needs no update afterwards), one
 * that is available, one whose topology most wants an instance, and the lowest ordinal (the mirror of scale-in).
 */
export function pickForRevival<T extends Candidate>(
  candidates: readonly T[],
  context: SelectionContext & { updateRevision: string },
): T | undefined {
  const counts = countSpread(
    context.spread,
    context.population.map((p) => p.topology),
  );
  const byTopology = (c: Candidate): [number, number] => {
    const i = topologyIndex(context.spread, c.topology);
    // An undeclared topology has no share to fill: it comes after every declared one.
    return i < 0 ? [-1, Number.NEGATIVE_INFINITY] : additionScore(context.spread, counts, i);
  };
  return candidates
    .filter((c) => !context.chosen.has(c.name))
    .sort(
      (a, b) =>
        flag(b.revision === context.updateRevision) - flag(a.revision === context.updateRevision) ||
        flag(b.available) - flag(a.available) ||
        compareTuples(byTopology(b), byTopology(a)) ||
        compareNamesHighestFirst(context.group, b.name, a.name),
    )[0];
}

function flag(value: boolean): number {
  return value ? 1 : 0;
}

function comparePriority(a: number | undefined, b: number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a - b;
}

// Highest ordinal first; names that are not `<group>-<ordinal>` (not allocated by this operator) come before
// them, and fall back to the name itself, descending.
function compareNamesHighestFirst(group: string, a: string, b: string): number {
  const oa = ordinalOf(group, a) ?? Number.POSITIVE_INFINITY;
  const ob = ordinalOf(group, b) ?? Number.POSITIVE_INFINITY;
  if (oa !== ob) return ob - oa;
  return a < b ? 1 : a > b ? -1 : 0;
}
