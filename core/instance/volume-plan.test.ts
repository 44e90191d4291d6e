import { describe, expect, test } from 'bun:test';
import {
  type DesiredVolume,
  type ExistingClaim,
  planVolumes,
  type VolumeAction,
  type VolumePlanInput,
} from './volume-plan.ts';

const data: DesiredVolume = { name: 'data', claimName: 'data-kv-0', storage: '100Gi', storageClassName: 'fast' };
const logs: DesiredVolume = { name: 'logs', claimName: 'logs-kv-0', storage: '10Gi' };

function claim(volume: DesiredVolume, facts: Partial<ExistingClaim> = {}): ExistingClaim {
  return {
    claimName: volume.claimName,
    volumeName: volume.name,
    storage: volume.storage,
    capacity: volume.storage,
    storageClassName: volume.storageClassName ?? 'standard',
    deleting: false,
    ...facts,
  };
}

function plan(overrides: Partial<VolumePlanInput>): VolumeAction[] {
  return planVolumes({ desired: [data], existing: [], removing: false, reclaimPolicy: 'Delete', ...overrides });
}

describe('planVolumes', () => {
  test.each<[string, Partial<VolumePlanInput>, VolumeAction[]]>([
    [
      'a new instance gets one PVC per volume',
      { desired: [data, logs] },
      [
        { kind: 'create', volume: data },
        { kind: 'create', volume: logs },
      ],
    ],
    ['an up-to-date PVC is kept', { existing: [claim(data)] }, [{ kind: 'keep', claimName: 'data-kv-0' }]],
    [
      'equal sizes in different units are up to date',
      { existing: [claim(data, { storage: '107374182400' })] },
      [{ kind: 'keep', claimName: 'data-kv-0' }],
    ],
    [
      'a larger size expands the PVC',
      { desired: [{ ...data, storage: '200Gi' }], existing: [claim(data)] },
      [{ kind: 'expand', claimName: 'data-kv-0', from: '100Gi', to: '200Gi' }],
    ],
    [
      'a smaller size is refused with a reason',
      { desired: [{ ...data, storage: '50Gi' }], existing: [claim(data)] },
      [
        {
          kind: 'refuse',
          claimName: 'data-kv-0',
          reason: 'volume data cannot shrink from 100Gi to 50Gi: Kubernetes only expands PVCs',
        },
      ],
    ],
    [
      'an invalid size is refused',
      { desired: [{ ...data, storage: 'lots' }], existing: [claim(data)] },
      [{ kind: 'refuse', claimName: 'data-kv-0', reason: 'invalid storage size lots (PVC has 100Gi)' }],
    ],
    [
      'an expansion in progress is kept and says so',
      { existing: [claim(data, { capacity: '50Gi' })] },
      [{ kind: 'keep', claimName: 'data-kv-0', reason: 'expansion to 100Gi in progress (capacity 50Gi)' }],
    ],
    [
      'a different storage class is refused: it is immutable',
      { desired: [{ ...data, storageClassName: 'slow' }], existing: [claim(data)] },
      [
        {
          kind: 'refuse',
          claimName: 'data-kv-0',
          reason: 'volume data cannot move from storage class fast to slow: the class of a PVC is immutable',
        },
      ],
    ],
    [
      'no storage class in the template accepts the default class the PVC got',
      { desired: [logs], existing: [claim(logs, { storageClassName: 'standard' })] },
      [{ kind: 'keep', claimName: 'logs-kv-0' }],
    ],
    [
      'a new attributes class is set in place',
      {
        desired: [{ ...data, volumeAttributesClassName: 'gold' }],
        existing: [claim(data, { volumeAttributesClassName: 'silver' })],
      },
      [{ kind: 'setAttributesClass', claimName: 'data-kv-0', from: 'silver', to: 'gold' }],
    ],
    [
      'a first attributes class is set in place',
      { desired: [{ ...data, volumeAttributesClassName: 'gold' }], existing: [claim(data)] },
      [{ kind: 'setAttributesClass', claimName: 'data-kv-0', to: 'gold' }],
    ],
    [
      'no attributes class in the template leaves the PVC’s class alone',
      { existing: [claim(data, { volumeAttributesClassName: 'silver' })] },
      [{ kind: 'keep', claimName: 'data-kv-0' }],
    ],
    [
      'growth and a new attributes class together',
      { desired: [{ ...data, storage: '1Ti', volumeAttributesClassName: 'gold' }], existing: [claim(data)] },
      [
        { kind: 'expand', claimName: 'data-kv-0', from: '100Gi', to: '1Ti' },
        { kind: 'setAttributesClass', claimName: 'data-kv-0', to: 'gold' },
      ],
    ],
    [
      'a PVC is found by its volume label, whatever its name',
      { existing: [claim(data, { claimName: 'legacy-name' })] },
      [{ kind: 'keep', claimName: 'legacy-name' }],
    ],
    [
      'a PVC still being deleted is waited for, not created over',
      { existing: [claim(data, { deleting: true })] },
      [{ kind: 'wait', claimName: 'data-kv-0', reason: 'PVC data-kv-0 is still being deleted' }],
    ],
    [
      'a PVC whose volume left the template is kept',
      { desired: [data], existing: [claim(data), claim(logs)] },
      [
        { kind: 'keep', claimName: 'data-kv-0' },
        {
          kind: 'keep',
          claimName: 'logs-kv-0',
          reason: 'volume logs is no longer in the template; its PVC is kept until the instance is removed',
        },
      ],
    ],
    [
      'removing the instance deletes its PVCs (policy Delete)',
      { removing: true, existing: [claim(data), claim(logs)] },
      [
        { kind: 'delete', claimName: 'data-kv-0' },
        { kind: 'delete', claimName: 'logs-kv-0' },
      ],
    ],
    [
      'removing the instance retains its PVCs (policy Retain)',
      { removing: true, reclaimPolicy: 'Retain', existing: [claim(data), claim(logs)] },
      [
        { kind: 'retain', claimName: 'data-kv-0' },
        { kind: 'retain', claimName: 'logs-kv-0' },
      ],
    ],
    [
      'removing never creates or expands, and skips PVCs already being deleted',
      {
        removing: true,
        desired: [{ ...data, storage: '1Ti' }, logs],
        existing: [claim(data), claim(logs, { deleting: true })],
      },
      [{ kind: 'delete', claimName: 'data-kv-0' }],
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(plan(overrides)).toEqual(expected);
  });
});
