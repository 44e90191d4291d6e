// Pods on failed nodes (pure decision). A kubelet that is gone never confirms a Pod's termination, so a Pod
// deleted on such a node stays Terminating forever and its instance can never get a new one. The operator
// force-deletes it (grace period 0) only when no process can still be running there:
//
//   node gone (the Node object was deleted)          force-delete the Pod at once, terminating or not: the node
//                                                    left the cluster, nothing runs there any more.
//   node NotReady longer than the grace period,       force-delete it: someone already asked for it to go (a
//     and the Pod is terminating                     restart, a drain, a user), only the dead kubelet is missing.
//   node NotReady, Pod not terminating               leave it: the process may still run (a network partition);
//                                                    the instance is down and the group's failover acts on it.
//   node NotReady shorter than the grace period      look again when it has passed.
//
// The PVCs are never touched: the new Pod claims them again. A volume that can move (network storage) follows the
// Pod to another node; a volume tied to the lost node (local storage) keeps the new Pod Pending and the instance
// down (`VolumeStranded`), which the group's failover replaces. Data is never deleted on the operator's guess.
import type { NodeHealth } from './nodes.ts';

export type LostNodeAction =
  | { kind: 'none' }
  | { kind: 'forceDelete'; reason: string }
  /** The node has been NotReady for less than the grace period; decide again after `afterMs`. */
  | { kind: 'recheck'; afterMs: number };

export interface LostNodeInput {
  node: NodeHealth;
  /** The Pod has a deletionTimestamp. */
  podTerminating: boolean;
  nowMs: number;
  /** How long a node must be NotReady before a terminating Pod on it is force-deleted. */
  gracePeriodMs: number;
}

export function decidePodOnLostNode(input: LostNodeInput): LostNodeAction {
  const { node } = input;
  if (node.kind === 'gone') return { kind: 'forceDelete', reason: `node ${node.node} no longer exists` };
  if (node.kind !== 'notReady' || !input.podTerminating) return { kind: 'none' };
  const remaining = node.sinceMs + input.gracePeriodMs - input.nowMs;
  if (remaining > 0) return { kind: 'recheck', afterMs: Math.ceil(remaining) };
  return {
    kind: 'forceDelete',
    reason: `the Pod is terminating on node ${node.node}, which has not been Ready for ${formatSeconds(input.nowMs - node.sinceMs)}`,
  };
}

function formatSeconds(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s >= 120 ? `${Math.floor(s / 60)}m` : `${s}s`;
}
