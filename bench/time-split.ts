// Where the time of a step went. At every sample the bench notes what, if anything, the operator is waiting
// for outside itself: the simulated data plane (PD moving leaders off an evicting store, draining an Offline
// store) or the Pods (terminating, or created and not Ready yet: the kubelet's work, kwok's here). Time when
// neither is under way is the operator's own: noticing a change, deciding, writing. Pure; the sampler is in
// activity-sampler.ts.

/** What was under way at one moment; several at once are attributed to the first in `waitPriority`. */
export type Wait = 'leader-eviction' | 'store-drain' | 'pod-termination' | 'pod-start';

export const waitPriority: readonly Wait[] = ['leader-eviction', 'store-drain', 'pod-termination', 'pod-start'];

const dataPlaneWaits = new Set<Wait>(['leader-eviction', 'store-drain']);

export interface ActivitySample {
  atMs: number;
  waits: readonly Wait[];
}

export interface TimeSplit {
  /** Waiting for the simulated data plane (leader eviction, store drain); null when no simulator was observed. */
  dataPlaneWaitMs: number | null;
  /** Waiting for Pods to terminate or become Ready (kubelet; kwok on the embedded control plane). */
  podLifecycleMs: number;
  /** Everything else: the operator's reaction and decision time, its API round trips, its polls. */
  operatorMs: number;
  byWait: Record<Wait, number>;
  samples: number;
  /** Median distance between samples: the resolution of the split. */
  resolutionMs: number;
}

/**
 * Attributes [startMs, endMs) to what the samples show: each sample holds until the next one; before the first
 * sample the first one's state holds. `dataPlaneObserved` false: the data plane was not watched (no simulator),
 * so its waits are unknown and counted as the operator's.
 */
export function splitTime(
  samples: readonly ActivitySample[],
  startMs: number,
  endMs: number,
  dataPlaneObserved: boolean,
): TimeSplit {
  const byWait: Record<Wait, number> = { 'leader-eviction': 0, 'store-drain': 0, 'pod-termination': 0, 'pod-start': 0 };
  let operatorMs = 0;
  const inRange = samples.filter((s) => s.atMs < endMs).sort((a, b) => a.atMs - b.atMs);
  for (let i = 0; i < inRange.length; i++) {
    const sample = inRange[i] as ActivitySample;
    const from = i === 0 ? startMs : Math.max(sample.atMs, startMs);
    const to = Math.min(inRange[i + 1]?.atMs ?? endMs, endMs);
    if (to <= from) continue;
    const wait = waitPriority.find((w) => sample.waits.includes(w) && (dataPlaneObserved || !dataPlaneWaits.has(w)));
    if (wait) byWait[wait] += to - from;
    else operatorMs += to - from;
  }
  if (inRange.length === 0) operatorMs = Math.max(0, endMs - startMs);
  const gaps = inRange.slice(1).map((s, i) => s.atMs - (inRange[i] as ActivitySample).atMs);
  gaps.sort((a, b) => a - b);
  return {
    dataPlaneWaitMs: dataPlaneObserved ? byWait['leader-eviction'] + byWait['store-drain'] : null,
    podLifecycleMs: byWait['pod-termination'] + byWait['pod-start'],
    operatorMs,
    byWait,
    samples: inRange.length,
    resolutionMs: gaps[Math.floor(gaps.length / 2)] ?? 0,
  };
}
