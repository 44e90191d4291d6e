// How a group places its instances (topology spread with weights) and how fast it rolls out changes.
import * as v from 'valibot';
import { integer, listMap, stringMap } from './fields.ts';
import { withRules } from './rules.ts';

export const schedulePolicyTypes = ['EvenlySpread'] as const;

export const topologyWeightSchema = v.object({
  topology: v.pipe(
    stringMap('Node labels of this topology domain; they become the instance node selector and its topology.'),
    v.minEntries(1, 'topology must have at least one label'),
    v.examples([{ 'topology.kubernetes.io/zone': 'us-east-1a' }]),
  ),
  weight: integer('Relative share of the instances placed in this domain.', 1, 1),
});

export const schedulePolicySchema = withRules(
  v.object({
    type: v.pipe(
      v.picklist(schedulePolicyTypes),
      v.description('Policy type. `EvenlySpread`: spread instances over topologies by weight.'),
    ),
    evenlySpread: v.optional(
      v.pipe(
        v.object({
          topologies: v.pipe(
            v.array(topologyWeightSchema),
            v.minLength(1, 'evenlySpread.topologies must not be empty'),
            v.maxLength(32),
            v.description('Topology domains and their weights.'),
          ),
        }),
        v.description('Settings of `EvenlySpread`; required with that type.'),
      ),
    ),
  }),
  [
    {
      cel: "self.type != 'EvenlySpread' || has(self.evenlySpread)",
      message: 'evenlySpread is required when type is EvenlySpread',
      field: ['evenlySpread'],
      check: (self) => self.type !== 'EvenlySpread' || self.evenlySpread !== undefined,
    },
  ],
);
export type SchedulePolicy = v.InferOutput<typeof schedulePolicySchema>;

export function schedulePoliciesField() {
  return v.optional(
    listMap(
      schedulePolicySchema,
      'type',
      4,
      'Placement of instances. With `EvenlySpread`, instance i goes to the topology that keeps the spread closest to the weights; the topology is fixed for the life of the instance.',
    ),
  );
}

export const updateStrategySchema = v.pipe(
  v.object({
    maxUnavailable: integer('Most instances out of service at once during a rolling update or scale-in.', 1, 1),
    maxSurge: integer('Extra instances created before old ones are removed during a rolling replacement.', 0, 0),
  }),
  v.description('Rolling update limits.'),
);
export type UpdateStrategy = v.InferOutput<typeof updateStrategySchema>;
