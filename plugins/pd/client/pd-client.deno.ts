// Deno smoke test of the PD client and state source: the same source runs under Deno (run by
// hack/deno-smoke.ts; node:test because bun:test does not exist there). uint64 ids must come out exact on
// either runtime's fetch and JSON.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDeno } from '../../../core/platform/runtime.ts';
import { FakeClock } from '../../../core/runtime/clock.ts';
import { storeAddress } from '../simulator/model/testing.ts';
import { PdStateSource } from './state-source.ts';
import { servePd, until } from './testing.ts';

test('the PD client reads the simulator with exact uint64 ids under Deno', async () => {
  assert.equal(isDeno, true);
  const pd = servePd({ stores: 3 });
  try {
    const client = pd.client();
    const members = await client.members();
    assert.equal(members.clusterId, pd.model.clusterId.toString());
    assert.deepEqual(
      members.members.map((m) => m.memberId),
      pd.model.members().map((m) => m.memberId.toString()),
    );
    assert.equal((await client.stores()).length, 3);
    const source = new PdStateSource(client, { clock: new FakeClock() });
    source.start();
    await until(() => source.snapshot().synced, 'synced');
    await source.whenIdle();
    assert.equal(source.snapshot().stores.get(storeAddress(0))?.stateName, 'Up');
    source.stop();
  } finally {
    await pd.stop();
  }
});
