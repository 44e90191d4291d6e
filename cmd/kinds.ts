// Every kind of the API, core's and the plugins'. Part of the composition root: it is the one list the binary
// (`tikv-operator crds`) and the generator (hack/generate.ts) share, so the two can never disagree.
import { clusterKind, withComponentColumns } from '../core/api/cluster.ts';
import type { KindDefinition } from '../core/api/kind.ts';
import { PD_COMPONENT, pdKinds } from '../plugins/pd/api.ts';
import { TIKV_COMPONENT, tikvKinds } from '../plugins/tikv/api.ts';

/** Every kind of the API, in the order the reference documents them. */
export function apiKinds(): KindDefinition[] {
  const cluster = withComponentColumns(clusterKind, [
    { name: PD_COMPONENT, displayName: 'PD' },
    { name: TIKV_COMPONENT, displayName: 'TiKV' },
  ]);
  return [cluster, ...pdKinds, ...tikvKinds] as KindDefinition[];
}
