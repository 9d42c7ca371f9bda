import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { finalize, take } from 'rxjs';
import { pollEvery } from '../../src/operators/pollEvery.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('pollEvery', () => {
  it('runs a cycle at once and then every interval while cycles are short', () => {
    const ts = scheduler();
    ts.run(({ cold, expectObservable }) => {
      const result = pollEvery(10, (tick) => cold('---(a|)', { a: tick }), ts).pipe(take(3));
      expectObservable(result).toBe('3ms a 9ms b 9ms (c|)', { a: 0, b: 1, c: 2 });
    });
  });

  it('drops ticks that arrive while a cycle runs (exhaust): a slow poll delays the next, never stacks', () => {
    const ts = scheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const cycle = cold('-------------------------(a|)');
      const result = pollEvery(10, () => cycle, ts).pipe(take(3));
      // Cycles start at 0, 30 and 60: the ticks at 10, 20, 40 and 50 found a cycle running.
      expectObservable(result).toBe('25ms a 29ms a 29ms (a|)');
      expectSubscriptions(cycle.subscriptions).toBe(['^ 24ms !', '30ms ^ 24ms !', '60ms ^ 24ms !']);
    });
  });

  it('never has two cycles in flight', () => {
    const ts = scheduler();
    let active = 0;
    let maxActive = 0;
    let cycles = 0;
    ts.run(({ cold, expectObservable }) => {
      const result = pollEvery(
        7,
        (tick) => {
          active += 1;
          cycles += 1;
          maxActive = Math.max(maxActive, active);
          // Durations vary around the interval.
          const length = [3, 12, 7, 20, 1][tick % 5] as number;
          return cold(`${length}ms (a|)`, { a: tick }).pipe(finalize(() => (active -= 1)));
        },
        ts,
      );
      expectObservable(result, '^ 300ms !');
    });
    expect(cycles).toBeGreaterThan(10);
    expect(maxActive).toBe(1);
  });

  it('stops the timer and the running cycle on unsubscribe', () => {
    const ts = scheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const cycle = cold('-----a|');
      expectObservable(pollEvery(10, () => cycle, ts), '^ 12ms !').toBe('-----a');
      expectSubscriptions(cycle.subscriptions).toBe(['^-----!', '10ms ^ 2ms !']);
    });
  });
});
