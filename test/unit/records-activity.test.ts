/** appendActivity (issue #10, speed: one copy per entry instead of two): the log's semantics. */
import { describe, expect, it } from 'vitest';
import { appendActivity } from '../../main/engine/records.js';
import type { AccountRecord } from '../../main/engine/store.js';

const record = (activity: AccountRecord['activity'] = []) => ({ activity }) as AccountRecord;
const T0 = Date.parse('2026-12-07T00:00:00Z');

describe('appendActivity', () => {
  it('keeps the newest 50 entries, newest last, whatever length it starts from', () => {
    for (const start of [0, 1, 48, 49, 50, 51, 120]) {
      const entries = Array.from({ length: start }, (_, i) => ({
        at: new Date(T0 + i).toISOString(),
        kind: 'served' as const,
        detail: `old ${i}`,
      }));
      const r = record(entries);
      appendActivity(r, 'renewed', 'new one', T0 + 1000);
      const expected = [
        ...entries,
        { at: new Date(T0 + 1000).toISOString(), kind: 'renewed', detail: 'new one' },
      ];
      expect(r.activity).toEqual(expected.slice(-50));
    }
  });

  it('gives the record a new array and leaves the old one as it was', () => {
    const old = [{ at: new Date(T0).toISOString(), kind: 'served' as const, detail: 'first' }];
    const frozen = structuredClone(old);
    const r = record(old);
    appendActivity(r, 'served', 'second', T0 + 1);
    expect(r.activity).not.toBe(old);
    expect(old).toEqual(frozen);
    expect(r.activity.map((entry) => entry.detail)).toEqual(['first', 'second']);
  });

  it('redacts the detail', () => {
    const r = record();
    appendActivity(r, 'failed', 'server said refresh_token=rt-secret-1 and Bearer abcdefgh12345678', T0);
    expect(r.activity[0]?.detail).toBe('server said refresh_token=[redacted] and Bearer [redacted]');
  });
});
