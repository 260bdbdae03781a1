import { describe, expect, it } from 'vitest';
import type { TicketState } from '../../src/kernel/ticket-state.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { parseConfig } from '../../src/config/parse.js';
import { sourceLabel } from '../../src/kernel/identifier.js';
import { childLinkProblem, isChildOf, masterPlaceProblem } from '../../src/run/links.js';
import type { Issue } from '../../src/kernel/model.js';

const issue = (project: string, number: number, labels: string[] = []): Issue => ({
  ref: { project, number },
  id: number,
  title: 't',
  body: '',
  labels,
  state: 'open',
  confidential: true,
  locked: false,
  author: 'a',
  assignees: [],
  webUrl: `https://x.test/${project}/${number}`,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
});
const external = parseConfig('incidentProject: sec/incidents\nreleaseProject: sec/releases\n', 'x');

describe("links between an incident's tickets", () => {
  it('a master in place is followed in its own project unless its configuration keeps incidents elsewhere', () => {
    const state: TicketState = { v: 1, role: 'master', id: 'INC-1' };
    expect(masterPlaceProblem(issue('team/app', 1), state, DEFAULT_CONFIG, 'gitlab')).toBeNull();
    expect(masterPlaceProblem(issue('team/app', 1), state, external, 'gitlab')).toMatch(/not in the incident project/);
  });

  it(
    'a master opened from a source: ' +
      "in the incident project the source's configuration names, with the source's label",
    () => {
      const state: TicketState = { v: 1, role: 'master', id: 'INC-1', source: 'gitlab:team/app#4' };
      const label = sourceLabel('gitlab', { project: 'team/app', number: 4 });
      expect(masterPlaceProblem(issue('sec/incidents', 9, [label]), state, external, 'gitlab')).toBeNull();
      expect(masterPlaceProblem(issue('SEC/Incidents', 9, [label]), state, external, 'gitlab')).toBeNull();
      expect(masterPlaceProblem(issue('sec/incidents', 9), state, external, 'gitlab')).toMatch(/label of the source/);
      expect(masterPlaceProblem(issue('team/api', 9, [label]), state, external, 'gitlab')).toMatch(
        /not in the incident project/,
      );
      expect(
        masterPlaceProblem(
          issue('sec/incidents', 9, [label]),
          { ...state, source: 'gitlab:nonsense' },
          external,
          'gitlab',
        ),
      ).toMatch(/not an issue reference/);
    },
  );

  it(
    'a release or communications ticket and its master must name each other, ' +
      'in the projects the configuration names',
    () => {
      const master: TicketState = {
        v: 1,
        role: 'master',
        id: 'INC-1',
        children: [
          { role: 'comms', ref: 'sec/incidents#2', url: '', title: '' },
          { role: 'release', ref: 'sec/releases#3', url: '', title: '' },
        ],
      };
      const comms: TicketState = { v: 1, role: 'comms', id: 'INC-1', master: 'sec/incidents#1' };
      const release: TicketState = { v: 1, role: 'release', id: 'INC-1', master: 'sec/incidents#1' };
      const base = {
        master: { project: 'sec/incidents', number: 1 },
        masterState: master,
        config: external,
        home: 'team/app',
      };
      expect(
        childLinkProblem({ ...base, child: { project: 'sec/incidents', number: 2 }, childState: comms }),
      ).toBeNull();
      expect(
        childLinkProblem({ ...base, child: { project: 'sec/releases', number: 3 }, childState: release }),
      ).toBeNull();
      expect(childLinkProblem({ ...base, child: { project: 'sec/incidents', number: 5 }, childState: comms })).toMatch(
        /master does not name it/,
      );
      expect(
        childLinkProblem({
          ...base,
          child: { project: 'sec/incidents', number: 2 },
          childState: { ...comms, master: 'sec/incidents#7' },
        }),
      ).toMatch(/does not name this master/);
      expect(
        childLinkProblem({
          ...base,
          child: { project: 'sec/incidents', number: 2 },
          childState: { ...comms, role: 'task' },
        }),
      ).toMatch(/task ticket/);
      const elsewhere: TicketState = {
        ...master,
        children: [{ role: 'comms', ref: 'team/api#2', url: '', title: '' }],
      };
      expect(
        childLinkProblem({
          ...base,
          masterState: elsewhere,
          child: { project: 'team/api', number: 2 },
          childState: comms,
        }),
      ).toMatch(/not in the project/);
    },
  );

  it('a ticket found by its labels is a child only when its own state names the master', () => {
    const master = { project: 'sec/incidents', number: 1 };
    const named: TicketState = { v: 1, role: 'comms', id: 'INC-1', master: 'sec/incidents#1' };
    expect(isChildOf({ labels: ['incident::comms'] }, named, 'comms', master)).toBe(true);
    expect(isChildOf({ labels: ['incident::comms'] }, null, 'comms', master)).toBe(false);
    expect(isChildOf({ labels: ['incident::comms'] }, { ...named, master: 'sec/incidents#2' }, 'comms', master)).toBe(
      false,
    );
    expect(isChildOf({ labels: ['incident::release'] }, named, 'comms', master)).toBe(false);
  });
});
