// Automatic failover of a group's failed instances (opt-in per group, `spec.failover`), and the annotations the
// operator and users put on instances for it. What a failover does is the plugin's choice (see
// core/plugin/contract.ts `failover.mode`): TiKV gets a replacement instance and keeps the failed one; PD removes
// the failed member and recreates it empty. docs/operations.md ("Failover") tells the whole story.
import * as v from 'valibot';
import { parseDurationMs } from './duration.ts';
import { duration, integer } from './fields.ts';

export const DEFAULT_FAILOVER_PERIOD = '30m';
export const DEFAULT_MAX_FAILOVERS = 3;

export const failoverSchema = v.pipe(
  v.object({
    enabled: v.optional(
      v.pipe(
        v.boolean(),
        v.description(
          'Replace instances that stay down longer than `period`. Off by default: the instances still report the `Healthy` condition and events.',
        ),
      ),
      false,
    ),
    period: v.optional(
      duration(
        'How long an instance must be down (data plane Down, node NotReady or gone, volume stranded) before it fails over. Counted from `status.downSince` of the instance.',
        ['30m'],
      ),
      DEFAULT_FAILOVER_PERIOD,
    ),
    maxFailovers: integer(
      'Most failed instances replaced at once (instances marked `tikv.org/failed-since`). When reached, no further failover happens until one recovers or is removed.',
      0,
      DEFAULT_MAX_FAILOVERS,
    ),
  }),
  v.description('Automatic failover of failed instances (see docs/operations.md, "Failover").'),
);

export type FailoverSpec = v.InferOutput<typeof failoverSchema>;

/** The group field; absent means disabled with the defaults. */
export function failoverField() {
  return v.optional(failoverSchema, {});
}

/** The failover settings of a group spec, with defaults for anything missing. */
export interface FailoverSettings {
  enabled: boolean;
  periodMs: number;
  maxFailovers: number;
}

export function failoverSettingsOf(groupSpec: object): FailoverSettings {
  const raw = ((groupSpec as { failover?: unknown }).failover ?? {}) as Partial<FailoverSpec>;
  const periodMs = parseDurationMs(raw.period ?? DEFAULT_FAILOVER_PERIOD);
  return {
    enabled: raw.enabled === true,
    periodMs: periodMs ?? (parseDurationMs(DEFAULT_FAILOVER_PERIOD) as number),
    maxFailovers: typeof raw.maxFailovers === 'number' ? Math.max(0, raw.maxFailovers) : DEFAULT_MAX_FAILOVERS,
  };
}

export const failoverAnnotations = {
  /**
   * On an instance, written by the group (`replace` mode): the instance failed over at this time (RFC 3339) and
   * has a replacement. Removed when it is healthy again; its replacement then leaves through the safe scale-in.
   */
  failedSince: 'tikv.org/failed-since',
  /** On an instance, written by the group when it creates it: the failed instance it replaces. */
  replacementFor: 'tikv.org/replacement-for',
  /**
   * On an instance, written by the group (`recreateEmpty` mode): the instance reconciler makes the data plane
   * forget the member, deletes its Pod and PVCs, and removes the annotation; the member then joins again empty.
   */
  recreateEmpty: 'tikv.org/recreate-empty',
} as const;
