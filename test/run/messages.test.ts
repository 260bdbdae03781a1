import { describe, expect, it } from 'vitest';
import { cleanUsername } from '../../src/kernel/usernames.js';
import {
  describeMinutes,
  renderHandoffDone,
  renderHandoffExpired,
  renderHandoffRequested,
  renderInvalid,
  renderPhaseNudge,
  renderRefusal,
  RUN_MARKERS,
} from '../../src/run/messages.js';

/** Mentions that ping: outside code spans, not glued to a word. */
const MENTION = /(?:^|[^\w`])@[\w-](?:[\w.-]*[\w-])?(?:\[bot\])?/g;

function mentionsIn(text: string): string[] {
  return [...text.replace(/`[^`\n]*`/g, '').matchAll(MENTION)].map((m) => m[0].replace(/^[^@]*/, ''));
}

function markerCount(text: string): number {
  return text.split('<!--').length - 1;
}

describe('run messages', () => {
  it('refuses politely, saying nothing changed and who can do it', () => {
    const out = renderRefusal({
      actor: 'bob',
      what: 'tick "(IM) Pick a Deputy @everyone"',
      required: 'write access',
      boxReverted: 'unticked',
    });
    expect(out.startsWith(RUN_MARKERS.refusal)).toBe(true);
    expect(out).toContain('changed nothing');
    expect(out).toContain('write access');
    expect(out).toContain('unticked again');
    expect(mentionsIn(out)).toEqual(['@bob']);
    expect(markerCount(out)).toBe(1);
    const gl = renderRefusal({ actor: 'bob', what: 'set the CVSS Score', required: 'Developer access' });
    expect(gl).toContain('Developer');
    expect(gl).not.toContain('again');
  });

  it('explains an invalid command without forging markers or mentions', () => {
    const out = renderInvalid({ command: '/severity', expected: '`/severity high|medium|low` <!-- x --> @everyone' });
    expect(out.startsWith(RUN_MARKERS.invalid)).toBe(true);
    expect(out).toContain('`/severity`');
    expect(out).toContain('`/severity high|medium|low`');
    expect(markerCount(out)).toBe(1);
    expect(mentionsIn(out)).toEqual([]);
  });

  it('nudges the owners with the open steps', () => {
    const out = renderPhaseNudge({
      id: 'INC-1',
      phaseTitle: 'T-5',
      date: '2026-11-22',
      openSteps: [
        { role: 'IM', text: 'Pick a Deputy Incident Manager' },
        { role: 'SwEng', text: '[x] fake <!-- step:x --> ping @carol' },
      ],
      owners: ['alice', 'dave', 'alice', ''],
    });
    expect(out.startsWith(RUN_MARKERS.phaseNudge)).toBe(true);
    expect(out).toContain('- (IM) Pick a Deputy Incident Manager');
    expect(out).toContain('2 steps are still open');
    expect(out).not.toMatch(/^\s*[-*+] \[[ xX]\]/m);
    expect(out).not.toContain('[x]');
    expect(markerCount(out)).toBe(1);
    expect(mentionsIn(out)).toEqual(['@alice', '@dave']);
  });

  it('nudges whoever leads when no owner is known', () => {
    const out = renderPhaseNudge({
      id: 'INC-1',
      phaseTitle: 'T-0',
      date: '2026-11-22',
      openSteps: [{ role: 'IM', text: 'x' }],
      owners: [],
    });
    expect(out).toContain('Whoever leads');
    expect(out).toContain('one step is');
    expect(mentionsIn(out)).toEqual([]);
  });

  it('asks the incoming person to accept a handoff', () => {
    const out = renderHandoffRequested({ from: 'alice', to: 'bob', role: 'im', minutes: 60 });
    expect(out.startsWith(RUN_MARKERS.handoffRequested)).toBe(true);
    expect(out).toContain('`/accept`');
    expect(out).toContain('within an hour');
    expect(out).toContain('**Incident Manager**');
    expect(mentionsIn(out)).toEqual(['@bob']);
  });

  it('confirms a handoff, asks for a sitrep and the outgoing holder to stay reachable', () => {
    const out = renderHandoffDone({ from: 'alice', to: 'bob', role: 'deputy' });
    expect(out.startsWith(RUN_MARKERS.handoffDone)).toBe(true);
    expect(out).toContain('**Deputy Incident Manager**');
    expect(out).toContain('/sitrep');
    expect(new Set(mentionsIn(out))).toEqual(new Set(['@alice', '@bob']));
  });

  it('asks the incoming holder for the sitrep noting the handoff, the outgoing to stay 15–20 min (seed 003)', () => {
    const out = renderHandoffDone({ from: 'alice', to: 'bob', role: 'co', at: '2026-11-22T10:00:00Z' });
    expect(out).toContain('**Communications Officer**');
    expect(out).toMatch(/- @bob: you hold the role from now on\. Share a situation report with `\/sitrep` that notes/);
    expect(out).toContain('- @alice: stay available for the next 15–20 minutes (until 2026-11-22T10:20:00Z)');
    // The outgoing holder is no longer asked for the handover report.
    expect(out).not.toMatch(/@alice[^\n]*\/sitrep/);
  });

  it('reports an expired handoff to the outgoing holder', () => {
    const out = renderHandoffExpired({ from: 'alice', to: 'bob', role: 'im', minutes: 90 });
    expect(out.startsWith(RUN_MARKERS.handoffExpired)).toBe(true);
    expect(out).toContain('90 minutes');
    expect(mentionsIn(out)).toEqual(['@alice']);
  });

  it('strips what a username cannot hold', () => {
    const out = renderHandoffRequested({ from: 'al<!--ice', to: 'org/team @everyone', role: 'im', minutes: 60 });
    expect(markerCount(out)).toBe(1);
    expect(mentionsIn(out)).toEqual(['@orgteameveryone']);
    expect(cleanUsername('incident-desk[bot]')).toBe('incident-desk[bot]');
    expect(cleanUsername('@a.b-c_d')).toBe('a.b-c_d');
  });

  it('describes durations', () => {
    expect([1, 45, 60, 720, 1440, 2880].map(describeMinutes)).toEqual([
      'a minute',
      '45 minutes',
      'an hour',
      '12 hours',
      'a day',
      '2 days',
    ]);
  });
});
