import { describe, expect, it } from 'vitest';
import { incidentDetailsIn } from '../../src/core/tracking.js';
import { issueWith } from '../property/parsers.js';

describe('incidentDetailsIn: the master title', () => {
  it.each(['RCE in login', '[INC-2026-1] RCE in login', '[INC-2026-1] [SECURITY] RCE in login', '[SECURITY] RCE in login', '[security]RCE in login'])(
    'finds the title of a master titled %j',
    (title) => {
      const master = issueWith('', { title });
      expect(incidentDetailsIn('Please patch the RCE in login before Friday', master, 'INC-2026-1')).toBe("the incident's title");
      expect(incidentDetailsIn('Please patch the billing page before Friday', master, 'INC-2026-1')).toBeNull();
    },
  );

  it('strips one tag group only: a second one is part of the title', () => {
    const master = issueWith('', { title: '[SECURITY] [P1] RCE in login' });
    expect(incidentDetailsIn('the RCE in login', master, 'INC-2026-1')).toBeNull();
    expect(incidentDetailsIn('[p1] rce in login', master, 'INC-2026-1')).toBe("the incident's title");
  });
});
