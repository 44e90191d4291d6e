// What the operator reads from Nodes and PersistentVolumes to judge an instance's placement (pure): the state of
// the node its Pod is bound to, and whether its volumes can still be used anywhere (a local volume pinned to a
// node that is gone or NotReady strands the instance's data there).
import type { KubeObject } from '../kube/object.ts';

export interface NodeObject extends KubeObject {
  spec?: { [field: string]: unknown };
  status?: { conditions?: { type: string; status: string; reason?: string; lastTransitionTime?: string }[] };
}

/** The node an instance's Pod is bound to, as far as the operator can tell. */
export type NodeHealth =
  /** No Pod, or the Pod is not bound to a node yet. */
  | { kind: 'unscheduled' }
  | { kind: 'ready'; node: string }
  /** Ready is False or Unknown (the kubelet stopped posting status) since `sinceMs`. */
  | { kind: 'notReady'; node: string; sinceMs: number; message: string }
  /** The Node object does not exist: the node left the cluster (cloud VM deleted, `kubectl delete node`). */
  | { kind: 'gone'; node: string };

export function isNodeReady(node: NodeObject): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The Pod's node (`spec.nodeName`), if it is bound to one. */
export function podNodeName(pod: KubeObject | undefined): string | undefined {
  const name = (pod as { spec?: { nodeName?: unknown } } | undefined)?.spec?.nodeName;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/**
 * The health of the node `pod` is bound to; `node` is that Node from the cache (undefined: not there). A Node
 * whose Ready condition has no parseable time counts as NotReady since `nowMs`.
 */
export function nodeHealthOf(pod: KubeObject | undefined, node: NodeObject | undefined, nowMs: number): NodeHealth {
  const name = podNodeName(pod);
  if (name === undefined) return { kind: 'unscheduled' };
  if (!node) return { kind: 'gone', node: name };
  if (isNodeReady(node)) return { kind: 'ready', node: name };
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const since = Date.parse(ready?.lastTransitionTime ?? '');
  const status = ready ? `Ready=${ready.status}${ready.reason ? ` (${ready.reason})` : ''}` : 'no Ready condition';
  return {
    kind: 'notReady',
    node: name,
    sinceMs: Number.isNaN(since) ? nowMs : Math.min(since, nowMs),
    message: `node ${name} is not ready: ${status}`,
  };
}

interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}
interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

/** The PV's required node affinity terms (any one must match); undefined: the volume is not tied to nodes. */
export function volumeNodeTerms(pv: KubeObject): NodeSelectorTerm[] | undefined {
  const spec = (pv as { spec?: { nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTerm[] } } } }).spec;
  const terms = spec?.nodeAffinity?.required?.nodeSelectorTerms;
  return terms && terms.length > 0 ? terms : undefined;
}

/** Kubernetes' node selector semantics: the terms are ORed, the requirements of a term ANDed. */
export function matchesNodeSelectorTerms(node: NodeObject, terms: readonly NodeSelectorTerm[]): boolean {
  const labels = node.metadata.labels ?? {};
  const fields: Record<string, string> = { 'metadata.name': node.metadata.name };
  return terms.some((term) => {
    const expressions = term.matchExpressions ?? [];
    const fieldExpressions = term.matchFields ?? [];
    // An empty term matches nothing (as in the scheduler).
    if (expressions.length === 0 && fieldExpressions.length === 0) return false;
    return (
      expressions.every((r) => matchesRequirement(labels, r)) &&
      fieldExpressions.every((r) => matchesRequirement(fields, r))
    );
  });
}

function matchesRequirement(values: Record<string, string>, r: NodeSelectorRequirement): boolean {
  const has = Object.hasOwn(values, r.key);
  const value = values[r.key];
  const list = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return has && list.includes(value as string);
    case 'NotIn':
      return !has || !list.includes(value as string);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      const actual = Number.parseInt(value ?? '', 10);
      const bound = Number.parseInt(list[0] ?? '', 10);
      if (!has || Number.isNaN(actual) || Number.isNaN(bound)) return false;
      return r.operator === 'Gt' ? actual > bound : actual < bound;
    }
    default:
      return false;
  }
}

/**
 * The volumes that cannot be used now: each is tied by node affinity to nodes none of which is Ready (or exists).
 * A volume without node affinity (network storage) can always move with its Pod.
 */
export function strandedVolumes(pvs: readonly KubeObject[], nodes: readonly NodeObject[]): string[] {
  const ready = nodes.filter(isNodeReady);
  return pvs
    .filter((pv) => {
      const terms = volumeNodeTerms(pv);
      return terms !== undefined && !ready.some((node) => matchesNodeSelectorTerms(node, terms));
    })
    .map((pv) => pv.metadata.name);
}
