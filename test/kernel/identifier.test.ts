import { describe, expect, it } from 'vitest';
import { deriveIncidentId, findCve, idLabel, sourceLabel, titleWithId } from '../../src/kernel/identifier.js';

describe('incident identifier', () => {
  it.each([
    ['CVE in title', 'Fix cve-2026-12345 now', 'also CVE-2025-0001', 'CVE-2026-12345'],
    ['CVE in description only', 'Heap overflow', 'Tracked as CVE-2025-0001.', 'CVE-2025-0001'],
    ['seven digit CVE', 'CVE-2026-1234567', '', 'CVE-2026-1234567'],
    ['no CVE', 'Heap overflow', 'nothing', 'INC-2026-42'],
    ['too short to be a CVE', 'CVE-2026-123', '', 'INC-2026-42'],
  ])('%s', (_name, title, description, expected) => {
    expect(
      deriveIncidentId({
        title,
        description,
        prefix: 'INC',
        masterNumber: 42,
        masterCreatedAt: '2026-11-22T10:00:00Z',
      }),
    ).toBe(expected);
  });

  it('takes the year from the master, not the clock', () => {
    expect(
      deriveIncidentId({
        title: 't',
        description: '',
        prefix: 'SEC',
        masterNumber: 7,
        masterCreatedAt: '2025-12-31T23:59:59Z',
      }),
    ).toBe('SEC-2025-7');
  });

  it('finds the first CVE only', () => {
    expect(findCve('CVE-2026-1111 and CVE-2026-2222')).toBe('CVE-2026-1111');
    expect(findCve('XCVE-2026-1111')).toBeNull();
  });

  it('builds labels and titles', () => {
    expect(idLabel('INC-2026-4')).toBe('incident-id::INC-2026-4');
    expect(titleWithId('Heap overflow', 'INC-2026-4')).toBe('[INC-2026-4] Heap overflow');
    expect(titleWithId('[INC-2026-4] Heap overflow', 'INC-2026-4')).toBe('[INC-2026-4] Heap overflow');
  });

  it('ties a master to its source with a short label that does not reveal the source', () => {
    const label = sourceLabel('github', { project: 'Acme/Public-App', number: 3 });
    expect(label).toMatch(/^incident-source::[0-9a-f]{12}$/);
    expect(label).toBe(sourceLabel('github', { project: 'acme/public-app', number: 3 }));
    expect(label).not.toBe(sourceLabel('gitlab', { project: 'acme/public-app', number: 3 }));
    expect(label).not.toContain('acme');
  });
});
