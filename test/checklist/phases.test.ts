import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allStepIds, COMMS_STEPS, INCIDENT_PHASES, RELEASE_PHASES } from '../../src/checklist/phases.js';

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const handbook = readFileSync(fileURLToPath(new URL('../../docs/handbook.md', import.meta.url)), 'utf8');

describe('checklists', () => {
  it('step ids are unique across all lists and kebab-case', () => {
    const ids = allStepIds();
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(KEBAB);
    // `approve-…` belongs to the approval boxes of the comms ticket.
    for (const id of ids) expect(id.startsWith('approve-')).toBe(false);
  });

  it('has the incident phases in order, none empty', () => {
    expect(INCIDENT_PHASES.map((p) => [p.id, p.title, p.offsetDays])).toEqual([
      ['before-t5', 'Earlier than T-5', null],
      ['t-5', 'At T-5', -5],
      ['t-4', 'At T-4', -4],
      ['t-1', 'At T-1', -1],
      ['disclosure', 'On the day of public disclosure', 0],
      ['after', 'After public disclosure', null],
    ]);
    // A phase holds steps, or links to its steps on the other ticket.
    for (const phase of [...INCIDENT_PHASES, ...RELEASE_PHASES])
      expect(phase.steps.length + (phase.links ?? []).length).toBeGreaterThan(0);
    expect(COMMS_STEPS.length).toBeGreaterThan(0);
  });

  it('keeps each step in one place with one owner; the other ticket links to it (issue 13, contradiction 8)', () => {
    const master = new Set(INCIDENT_PHASES.flatMap((p) => p.steps.map((s) => s.id)));
    const release = new Set(RELEASE_PHASES.flatMap((p) => p.steps.map((s) => s.id)));
    const links = [
      ...INCIDENT_PHASES.flatMap((p) => (p.links ?? []).map((l) => ({ from: 'master', ...l }))),
      ...RELEASE_PHASES.flatMap((p) => (p.links ?? []).map((l) => ({ from: 'release', ...l }))),
    ];
    for (const link of links) {
      expect(link.ticket).not.toBe(link.from);
      for (const id of link.stepIds) expect(link.ticket === 'master' ? master : release).toContain(id);
    }
    const linked = (id: string) => links.some((l) => l.stepIds.includes(id));
    // The CVE request, the notice to the CVE authority, lifting confidentiality and the lessons live on the master.
    for (const id of ['assign-cve', 'notify-cve-authority', 'lift-confidentiality', 'record-lessons']) {
      expect(master).toContain(id);
      expect(linked(id)).toBe(true);
    }
    for (const id of [
      'release-request-cve',
      'release-send-cve-notice',
      'release-lift-confidentiality',
      'release-lessons-learned',
    ])
      expect(release).not.toContain(id);
    // The pre-announcement follows the release ticket's days one to three; the master's T-5 only links there.
    expect(master).not.toContain('pre-announce-release');
    for (const id of [
      'release-write-pre-announcement',
      'release-send-pre-announcement',
      'release-post-pre-announcement',
    ])
      expect(linked(id)).toBe(true);
    // No step text twice across the two checklists.
    const texts = [...INCIDENT_PHASES, ...RELEASE_PHASES].flatMap((p) => p.steps.map((s) => s.text.toLowerCase()));
    expect(new Set(texts).size).toBe(texts.length);
  });

  it('has the release schedule, every step with an owner and the release- prefix', () => {
    expect(RELEASE_PHASES.map((p) => p.id)).toEqual([
      'first-steps',
      'day-1',
      'day-2',
      'day-3',
      'day-4-noon',
      'day-4-end',
      'afterwards',
    ]);
    expect(RELEASE_PHASES.find((p) => p.id === 'day-4-noon')?.title).toBe('Day four, before 12:00 UTC');
    expect(RELEASE_PHASES.find((p) => p.id === 'day-4-end')?.title).toBe('Day four, before 23:59 UTC');
    for (const step of RELEASE_PHASES.flatMap((p) => p.steps)) {
      expect(step.id.startsWith('release-')).toBe(true);
      expect(step.role.trim()).not.toBe('');
    }
  });

  it('has the comms steps, with the approvals step where the comms template expects it', () => {
    expect(COMMS_STEPS.map((s) => s.id)).toContain('comms-ready-for-review');
    for (const step of COMMS_STEPS) expect(step.id.startsWith('comms-')).toBe(true);
    expect(COMMS_STEPS.map((s) => s.id)).toContain('comms-approvals-requested');
  });

  it('step texts are one line without markup that could break a checklist line', () => {
    for (const step of [...INCIDENT_PHASES, ...RELEASE_PHASES].flatMap((p) => p.steps).concat(COMMS_STEPS)) {
      expect(step.text).not.toMatch(/[\n|<>@[\]]/);
      expect(step.role).not.toMatch(/[\n|<>@()[\]]/);
    }
  });
});

describe('handbook', () => {
  const anchors = [...handbook.matchAll(/^<a id="(?<id>[^"]+)"><\/a>$/gm)].map((m) => m.groups?.id);

  it('has a section anchor for every step id, and no other anchors', () => {
    for (const id of allStepIds()) expect(anchors).toContain(id);
    expect(new Set(anchors)).toEqual(new Set(allStepIds()));
    expect(anchors).toHaveLength(allStepIds().length);
  });

  it('starts every section with its anchor, a blank line and a heading', () => {
    for (const id of allStepIds()) expect(handbook).toMatch(new RegExp(`^<a id="${id}"></a>\\n\\n### \\S`, 'm'));
  });

  it('is vendor-neutral', () => {
    expect(handbook).not.toMatch(/GitLab|GitHub|\bISC\b|BIND|Mattermost|Etherpad|PackageCloud|GitHost|HackerOne/);
  });
});
