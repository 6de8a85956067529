import { describe, expect, it } from 'vitest';
import { intersect, isSubset, portSetFromRanges, subtract, union } from '../../src/analysis/port-set.ts';

describe('port sets', () => {
  it('normalises overlapping and touching ranges', () => {
    expect(portSetFromRanges([{ from: 10, to: 20 }, { from: 21, to: 25 }, { from: 5, to: 12 }, { from: 30, to: 30 }])).toEqual([5, 25, 30, 30]);
  });
  it('unions, intersects and subtracts at the edges', () => {
    expect(union([1, 5], [6, 9])).toEqual([1, 9]);
    expect(union([1, 5], [7, 9])).toEqual([1, 5, 7, 9]);
    expect(intersect([1, 5, 10, 20], [5, 10])).toEqual([5, 5, 10, 10]);
    expect(subtract([0, 65535], [22, 22, 80, 443])).toEqual([0, 21, 23, 79, 444, 65535]);
    expect(subtract([22, 22], [0, 65535])).toEqual([]);
    expect(isSubset([80, 80, 443, 443], [1, 1000])).toBe(true);
    expect(isSubset([80, 1001], [1, 1000])).toBe(false);
  });
});
