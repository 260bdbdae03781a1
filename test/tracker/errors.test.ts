import { describe, expect, it } from 'vitest';
import { orNotFound, TrackerError } from '../../src/tracker/errors.js';

describe('orNotFound', () => {
  it('answers what the read answered', async () => {
    expect(await orNotFound(Promise.resolve({ number: 7 }))).toEqual({ number: 7 });
  });

  it('answers null when the tracker says 404', async () => {
    expect(await orNotFound(Promise.reject(new TrackerError('gone', 404, 'getIssue')))).toBeNull();
  });

  it('throws every other failure as it came', async () => {
    const forbidden = new TrackerError('no', 403, 'getIssue');
    await expect(orNotFound(Promise.reject(forbidden))).rejects.toBe(forbidden);
    const unknown = new Error('socket hang up');
    await expect(orNotFound(Promise.reject(unknown))).rejects.toBe(unknown);
    await expect(orNotFound(Promise.reject(new TrackerError('down', undefined, 'getIssue')))).rejects.toThrow('down');
  });
});
