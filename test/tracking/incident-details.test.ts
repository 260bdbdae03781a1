import { describe, expect, it } from 'vitest';
import { incidentDetailsIn } from '../../src/tracking/decide.js';
import { issueWith } from '../property/parsers.js';

describe('incidentDetailsIn: the master title', () => {
  it.each([
    'RCE in login',
    '[INC-2026-1] RCE in login',
    '[INC-2026-1] [SECURITY] RCE in login',
    '[SECURITY] RCE in login',
    '[security]RCE in login',
  ])('finds the title of a master titled %j', (title) => {
    const master = issueWith('', { title });
    expect(incidentDetailsIn('Please patch the RCE in login before Friday', master, 'INC-2026-1')).toBe(
      "the incident's title",
    );
    expect(incidentDetailsIn('Please patch the billing page before Friday', master, 'INC-2026-1')).toBeNull();
  });

  it('strips the identifier and one tag group only: a second tag group is part of the title', () => {
    const master = issueWith('', { title: '[INC-2026-1] [EMBARGOED] [Kerberos] ticket forging' });
    expect(incidentDetailsIn('Kerberos forging', master, 'INC-2026-1')).toBe("the incident's title");
    expect(incidentDetailsIn('Embargoed until Friday', master, 'INC-2026-1')).toBeNull();
  });
});

describe('incidentDetailsIn: the title by its significant words, not as one piece of text', () => {
  const master = issueWith('', { title: '[INC-2026-1] Heap overflow in the image parser' });
  it.each([
    'Fix the heap overflow in the image parsing code',
    'Parser of images: heap overflow',
    'harden the IMAGE PARSERS against overflows',
    'a heap overflow somewhere',
  ])('finds the title in %j', (text) => {
    expect(incidentDetailsIn(text, master, 'INC-2026-1')).toBe("the incident's title");
  });

  it.each([
    'Update the image library to 2.4',
    'Rotate the signing keys',
    'Bump the parser dependency',
    'Fix the overflow of the sidebar on small screens',
  ])('lets %j through', (text) => {
    expect(incidentDetailsIn(text, master, 'INC-2026-1')).toBeNull();
  });

  it('needs every word of a title of one or two significant words', () => {
    const short = issueWith('', { title: '[INC-2026-1] Log4Shell' });
    expect(incidentDetailsIn('Patch log4shell now', short, 'INC-2026-1')).toBe("the incident's title");
    expect(incidentDetailsIn('Patch the logger now', short, 'INC-2026-1')).toBeNull();
  });
});

describe('incidentDetailsIn: every CVE and identifier', () => {
  const master = issueWith('', { title: '[CVE-2026-1111] Heap overflow' });
  it('lets the identifier through, and refuses every other CVE or identifier, an alias first of all', () => {
    expect(incidentDetailsIn('Ship the fix for CVE-2026-1111', master, 'CVE-2026-1111', ['CVE-2026-2222'])).toBeNull();
    expect(
      incidentDetailsIn('Ship the fix for CVE-2026-1111 and cve-2026-2222', master, 'CVE-2026-1111', ['CVE-2026-2222']),
    ).toBe('a CVE id of this incident (CVE-2026-2222)');
    expect(incidentDetailsIn('CVE-2026-1111, CVE-2026-3333', master, 'CVE-2026-1111')).toBe('a CVE id (CVE-2026-3333)');
    expect(incidentDetailsIn('Same as INC-2026-7', master, 'CVE-2026-1111')).toBe(
      'an incident identifier (INC-2026-7)',
    );
  });
});
