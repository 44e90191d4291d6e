import { describe, expect, test } from 'bun:test';
import { FakeClock, realClock, sleep, withTimeout } from './clock.ts';

describe('FakeClock', () => {
  test('fires due timers in deadline order, each at its own time', async () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    clock.after(300, () => fired.push(`c@${clock.now()}`));
    clock.after(100, () => fired.push(`a@${clock.now()}`));
    clock.after(100, () => fired.push(`b@${clock.now()}`));
    clock.after(500, () => fired.push('late'));
    await clock.advance(300);
    expect(fired).toEqual(['a@1100', 'b@1100', 'c@1300']);
    expect(clock.now()).toBe(1300);
    expect(clock.pendingTimers()).toBe(1);
  });

  test('fires timers scheduled by async code that a timer resumed', async () => {
    const clock = new FakeClock(0);
    const ticks: number[] = [];
    const loop = async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(clock, 10);
        ticks.push(clock.now());
      }
    };
    const done = loop();
    await clock.advance(35);
    await done;
    expect(ticks).toEqual([10, 20, 30]);
  });

  test('a cancelled timer does not fire', async () => {
    const clock = new FakeClock();
    let fired = false;
    const cancel = clock.after(10, () => {
      fired = true;
    });
    cancel();
    await clock.advance(20);
    expect(fired).toBe(false);
  });
});

describe('sleep', () => {
  test('resolves false as soon as the signal aborts', async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    const slept = sleep(clock, 10_000, ac.signal);
    ac.abort();
    expect(await slept).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
  });

  test('resolves true when the time passed', async () => {
    const clock = new FakeClock();
    const slept = sleep(clock, 50, new AbortController().signal);
    await clock.advance(50);
    expect(await slept).toBe(true);
  });
});

describe('withTimeout', () => {
  test('reports a timeout when the promise is slower', async () => {
    const clock = new FakeClock();
    const result = withTimeout(clock, 100, new Promise(() => {}));
    await clock.advance(100);
    expect(await result).toEqual({ timedOut: true });
  });

  test('passes the value through and cancels its timer', async () => {
    const clock = new FakeClock();
    expect(await withTimeout(clock, 100, Promise.resolve(7))).toEqual({ timedOut: false, value: 7 });
    expect(clock.pendingTimers()).toBe(0);
  });

  test('passes a rejection through', async () => {
    const clock = new FakeClock();
    await expect(withTimeout(clock, 100, Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});

describe('realClock', () => {
  test('runs a timer and lets a cancelled one be', async () => {
    const fired: string[] = [];
    const cancel = realClock.after(0, () => fired.push('cancelled'));
    cancel();
    await new Promise<void>((resolve) => realClock.after(1, resolve));
    expect(fired).toEqual([]);
  });
});
