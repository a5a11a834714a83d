import { describe, expect, it } from 'vitest';
import { groupedAccuracy, inferredGroupId } from '#shared';

describe('groupedAccuracy (docs/method.md §2.7)', () => {
  it('average, per-group accuracy and worst group over non-empty groups', () => {
    // groups: g0 = {1, 0} ⇒ 0.5;  g1 = {1, 1} ⇒ 1;  g2 empty ⇒ null;  g3 = {0, 1, 1} ⇒ 2/3
    // average = 5/7; worst = min(0.5, 1, 2/3) = 0.5 (the empty group does not count as 0)
    const r = groupedAccuracy([1, 0, 1, 1, 0, 1, 1], [0, 0, 1, 1, 3, 3, 3], ['a', 'b', 'c', 'd']);
    expect(r.average).toBeCloseTo(5 / 7, 12);
    expect(r.worstGroup).toBeCloseTo(0.5, 12);
    expect(r.perGroup.map((g) => g.n)).toEqual([2, 2, 0, 3]);
    expect(r.perGroup[2].accuracy).toBeNull();
    expect(r.perGroup[3].accuracy).toBeCloseTo(2 / 3, 12);
    expect(r.perGroup.map((g) => g.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(r.perGroup.map((g) => g.group)).toEqual([0, 1, 2, 3]);
  });

  it('a non-empty group with zero accuracy is the worst group; booleans count as 0/1', () => {
    // g0 = {true, true} ⇒ 1, g1 = {false} ⇒ 0 ⇒ worst 0, average 2/3
    const r = groupedAccuracy([true, false, true], [0, 1, 0], ['x', 'y']);
    expect(r.worstGroup).toBe(0);
    expect(r.average).toBeCloseTo(2 / 3, 12);
  });

  it('the doc example: [1,0,1] over groups [0,1,1] ⇒ average 2/3, worst 0.5', () => {
    const r = groupedAccuracy([1, 0, 1], [0, 1, 1], ['a', 'b']);
    expect(r.average).toBeCloseTo(2 / 3, 12);
    expect(r.worstGroup).toBeCloseTo(0.5, 12);
  });

  it('throws on an out-of-range group id', () => {
    expect(() => groupedAccuracy([1, 1], [0, 2], ['a', 'b'])).toThrow(RangeError);
    expect(() => groupedAccuracy([1], [-1], ['a', 'b'])).toThrow(RangeError);
  });
});

describe('inferredGroupId = 2·y + e (docs/method.md §1.4)', () => {
  it('maps (label, cross-mistake) to the group id', () => {
    expect(inferredGroupId(0, false)).toBe(0);
    expect(inferredGroupId(0, 1)).toBe(1);
    expect(inferredGroupId(1, 0)).toBe(2);
    expect(inferredGroupId(1, true)).toBe(3);
    expect(inferredGroupId(4, 1)).toBe(9);
  });
});
