import { describe, expect, it } from 'vitest';
import { assignAccounts } from '../../src/redis/assignAccounts.js';

const accounts = Array.from({ length: 200 }, (_, i) => `acct${String(i).padStart(3, '0')}`);
const loads = (m: Map<string, string>) => {
  const out = new Map<string, number>();
  for (const w of m.values()) out.set(w, (out.get(w) ?? 0) + 1);
  return out;
};
const moved = (a: Map<string, string>, b: Map<string, string>) => accounts.filter((s) => a.get(s) !== b.get(s)).length;

describe('assignAccounts', () => {
  it('gives every account to one worker, none more than its fair share, the same whatever the order of the inputs', () => {
    const a = assignAccounts(accounts, ['w1', 'w2', 'w3']);
    expect(a.size).toBe(200);
    expect([...loads(a).values()].every((n) => n <= 67)).toBe(true);
    expect(assignAccounts([...accounts].reverse(), ['w3', 'w1', 'w2'])).toEqual(a);
    expect(assignAccounts(accounts, [])).toEqual(new Map());
    expect(loads(assignAccounts(accounts, ['only'])).get('only')).toBe(200);
  });

  it('moves about a fair share when a worker joins, and only the leaver\'s accounts when one leaves', () => {
    const three = assignAccounts(accounts, ['w1', 'w2', 'w3']);
    const four = assignAccounts(accounts, ['w1', 'w2', 'w3', 'w4']);
    expect([...loads(four).values()]).toEqual([50, 50, 50, 50]);
    expect(moved(three, four)).toBeLessThanOrEqual(60);
    const two = assignAccounts(accounts, ['w1', 'w3']);
    expect(accounts.filter((s) => three.get(s) !== 'w2' && two.get(s) !== three.get(s))).toEqual([]);
  });
});
