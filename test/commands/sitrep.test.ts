import { describe, expect, it } from 'vitest';
import {
  missedSitrepWindows,
  parseSitrepText,
  renderSitrep,
  renderSitrepReminder,
  SITREP_MARKER,
  SITREP_REMINDER_MARKER,
} from '../../src/commands/sitrep.js';

/** Mentions that ping: outside code spans, not glued to a word. */
const MENTION = /(?:^|[^\w`])@[\w-](?:[\w.-]*[\w-])?(?:\[bot\])?/g;

function mentionsIn(text: string): string[] {
  return [...text.replace(/`[^`\n]*`/g, '').matchAll(MENTION)].map((m) => m[0].replace(/^[^@]*/, ''));
}

describe('parseSitrepText', () => {
  it('fills fields from key lines and keeps the rest as description', () => {
    expect(
      parseSitrepText(
        'The fence is broken.\nSTATUS: contained\n**Responders**: Spot, Dave\nNext steps: fix the fence\nA fox was ' +
          'seen.',
      ),
    ).toEqual({
      description: 'The fence is broken.\nA fox was seen.',
      status: 'contained',
      responders: 'Spot, Dave',
      next: 'fix the fence',
    });
  });

  it("reads the impact and keeps next steps and details apart (seed 003's sitrep fields)", () => {
    expect(
      parseSitrepText(
        'Fox in the run.\nImpact: two hens missing\nNext steps: fix the fence\nDetails: tracks by the gate',
      ),
    ).toEqual({
      description: 'Fox in the run.',
      impact: 'two hens missing',
      next: 'fix the fence',
      details: 'tracks by the gate',
    });
  });

  it('reads bold keys, description keys and a block after an empty key', () => {
    expect(
      parseSitrepText(
        '**Status:** investigating\nDescription: chickens escaped\n\nNext steps:\n- fix fence\n- find fox\n\nMore ' +
          'text.',
      ),
    ).toEqual({
      description: 'chickens escaped\n\nMore text.',
      status: 'investigating',
      next: '- fix fence\n- find fox',
    });
  });

  it('returns only a description when there are no keys', () => {
    expect(parseSitrepText('  just text  ')).toEqual({ description: '  just text' });
  });
});

describe('renderSitrep', () => {
  const base = {
    id: 'INC-2026-0001',
    at: '2026-11-22T10:03:00.123Z',
    author: 'bob',
    severity: 'high' as const,
    incidentManager: 'alice',
  };

  it('renders the marker, heading and fields, mentioning only the Incident Manager', () => {
    const out = renderSitrep({
      ...base,
      cadenceMinutes: 60,
      parsed: parseSitrepText(
        'Fox in the run @everyone\n<!-- incident-desk:end -->\nStatus: contained @carol\nResponders: @spot, ' +
          '@dave\nDetails: fix\nfence',
      ),
    });
    expect(out.startsWith(`${SITREP_MARKER}\n### Situation report · INC-2026-0001 · 2026-11-22T10:03:00Z\n`)).toBe(
      true,
    );
    expect(out).toContain('- **Severity:** High');
    expect(out).toContain('- **Incident Manager:** @alice');
    expect(out).toContain('- **Next update due:** by 2026-11-22T11:03:00Z');
    expect(out).toContain('`@bob`');
    expect(out).toContain('Fox in the run');
    expect(out).toContain('contained');
    expect(out.split('<!--')).toHaveLength(2);
    expect(mentionsIn(out)).toEqual(['@alice']);
  });

  it("carries seed 003's fields: status, reporter, roles, impact, next steps and the handoff it notes", () => {
    const out = renderSitrep({
      ...base,
      status: 'contained',
      reporter: 'reporter',
      deputy: 'bob',
      communicationsOfficer: 'carol',
      handoff: { role: 'Incident Manager', from: 'dave', to: 'alice' },
      parsed: parseSitrepText('Fence fixed.\nStatus: hens counted\nImpact: two hens\nNext steps: watch the gate'),
    });
    expect(out).toContain('- **Status:** contained — hens counted');
    expect(out).toContain('- **Reporter:** `@reporter`');
    expect(out).toContain('- **Deputy:** `@bob`');
    expect(out).toContain('- **Communications Officer:** `@carol`');
    expect(out).toContain('- **Handoff:** `@alice` took over as Incident Manager from `@dave`');
    expect(out).toContain('#### What happened\n\nFence fixed.');
    expect(out).toContain('#### Impact\n\ntwo hens');
    expect(out).toContain('#### Next steps\n\nwatch the gate');
    // Only the Incident Manager is pinged; the reporter never is.
    expect(mentionsIn(out)).toEqual(['@alice']);
  });

  it('says what is missing', () => {
    const out = renderSitrep({ ...base, severity: null, incidentManager: null, parsed: { description: '' } });
    expect(out).toContain('not assessed');
    expect(out).toContain('- **Incident Manager:** _not set_');
    expect(out).toContain('_No description given._');
    expect(out).not.toContain('Next update');
    expect(mentionsIn(out)).toEqual([]);
  });
});

describe('missedSitrepWindows', () => {
  const since = '2026-11-22T10:00:00Z';
  it('counts whole windows', () => {
    expect(missedSitrepWindows(since, 60, new Date('2026-11-22T10:59:59Z'))).toBe(0);
    expect(missedSitrepWindows(since, 60, new Date('2026-11-22T11:00:00Z'))).toBe(1);
    expect(missedSitrepWindows(since, 720, new Date('2026-11-23T12:30:00Z'))).toBe(2);
  });
  it('is 0 before since or on bad input', () => {
    expect(missedSitrepWindows(since, 60, new Date('2026-11-22T09:00:00Z'))).toBe(0);
    expect(missedSitrepWindows('nope', 60, new Date())).toBe(0);
    expect(missedSitrepWindows(since, 0, new Date())).toBe(0);
  });
});

describe('renderSitrepReminder', () => {
  it('mentions the Incident Manager and states the cadence', () => {
    const out = renderSitrepReminder({
      id: 'INC-1',
      incidentManager: 'alice',
      severity: 'medium',
      cadenceMinutes: 720,
      missed: 2,
      since: '2026-11-22T10:00:00Z',
    });
    expect(out.startsWith(SITREP_REMINDER_MARKER)).toBe(true);
    expect(out).toContain('every 12 hours');
    expect(out).toContain('2 windows');
    expect(out).toContain('2026-11-22T10:00:00Z');
    expect(mentionsIn(out)).toEqual(['@alice']);
  });

  it('asks whoever leads when no Incident Manager is set', () => {
    const out = renderSitrepReminder({
      id: 'INC-1',
      incidentManager: null,
      severity: 'high',
      cadenceMinutes: 60,
      missed: 1,
      since: '2026-11-22T10:00:00Z',
    });
    expect(out).toContain('Whoever leads this incident');
    expect(out).toContain('every hour');
    expect(mentionsIn(out)).toEqual([]);
  });
});
