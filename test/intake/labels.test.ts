import { describe, expect, it } from 'vitest';
import { approvalLabels } from '../../src/approvals/matrix.js';
import { parseConfig } from '../../src/config/parse.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { childProcessLabels, preparedLabels } from '../../src/intake/labels.js';

const APPROVALS = approvalLabels(DEFAULT_CONFIG.approvals, { decisions: {} });
const config = (text: string) => parseConfig(text, 'test');

describe('the labels prepared ahead of incidents', () => {
  it.each([
    {
      name: 'in place: both children in the source repository',
      text: '',
      expected: [{ project: 'acme/web', labels: ['incident::release', 'incident::comms', ...APPROVALS] }],
    },
    {
      name: 'a release project of its own',
      text: 'releaseProject: acme/releases\n',
      expected: [
        { project: 'acme/releases', labels: ['incident::release'] },
        { project: 'acme/web', labels: ['incident::comms', ...APPROVALS] },
      ],
    },
    {
      name: 'an incident project: nothing in the source repository',
      text: 'incidentProject: acme/security\n',
      expected: [{ project: 'acme/security', labels: ['incident::release', 'incident::comms', ...APPROVALS] }],
    },
    {
      name: 'only the release ticket',
      text: 'children: [release]\n',
      expected: [{ project: 'acme/web', labels: ['incident::release'] }],
    },
    { name: 'no children at all', text: 'children: []\n', expected: [] },
  ])('$name', ({ text, expected }) => {
    expect(preparedLabels(config(text), 'acme/web')).toEqual(expected);
  });

  it('are what a child is created with, but its identifier label, and never an identifier label', () => {
    const c = config('');
    expect(childProcessLabels(c, 'comms')).toEqual(['incident::comms', ...APPROVALS]);
    for (const { labels } of preparedLabels(c, 'acme/web'))
      expect(labels.filter((l) => l.startsWith('incident-id::'))).toEqual([]);
  });
});
