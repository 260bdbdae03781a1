import { describe, expect, it } from 'vitest';
import { joinBody, renderState } from '../../src/kernel/block.js';
import type { Issue } from '../../src/kernel/model.js';
import type { TicketState } from '../../src/kernel/ticket-state.js';
import { configSchema } from '../../src/config/schema.js';
import { advisoryContentOf, advisoryRepositoryOf, releaseDetail } from '../../src/disclosure/decide.js';
import { liftedBody, liftItems, recordOf } from '../../src/disclosure/lift.js';
import type { RunContext } from '../../src/run/plan.js';

const config = configSchema.parse({});

function issue(input: Partial<Issue> & { ref: Issue['ref'] }): Issue {
  return {
    id: 1,
    title: '',
    body: '',
    labels: [],
    state: 'open',
    confidential: true,
    locked: false,
    author: 'alice',
    assignees: [],
    webUrl: `https://tracker.example/${input.ref.project}/issues/${input.ref.number}`,
    createdAt: '2026-11-22T10:00:00Z',
    updatedAt: '2026-11-22T10:00:00Z',
    ...input,
  };
}

function context(
  cells: Record<string, string>,
  state: Partial<TicketState> = {},
  tracker: 'github' | 'gitlab' = 'github',
) {
  const full: TicketState = { v: 1, role: 'master', id: 'INC-2026-1', ...state };
  const table = ['| | |', '|---|---|', ...Object.entries(cells).map(([k, v]) => `| ${k}: | ${v} |`)].join('\n');
  const master = issue({
    ref: { project: 'acme/security', number: 1 },
    title: '[INC-2026-1] Heap overflow in the parser',
    body: joinBody(`${renderState(full)}\n${table}`, 'the report'),
    labels: ['incident::master'],
  });
  const ctx: RunContext = {
    tracker,
    config,
    master,
    state: full,
    now: new Date('2026-11-22T12:00:00Z'),
    actor: { username: 'alice', id: 1 },
    access: 'write',
  };
  return ctx;
}

const release = issue({
  ref: { project: 'acme/security', number: 2 },
  body: '| Release details | |\n|---|---|\n| Affected versions: | < 2.0.1 |\n| Patched versions: | _to be filled_ |\n',
});

describe('advisoryContentOf', () => {
  const cases: Array<[string, string, object]> = [
    ['a score gives the severity', '9.8', { severity: 'critical', cvssVector: null }],
    ['a score of 5.0 is medium', '5.0', { severity: 'medium', cvssVector: null }],
    [
      'a vector wins over the score',
      '9.8 `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`',
      { severity: null, cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
    ],
    ['nothing recorded: neither', '_not set_', {}],
  ];
  it.each(cases)('%s', (_name, cvss, expected) => {
    const { fields } = advisoryContentOf(context({ 'CVSS Score': cvss }), null, config, 'acme/web');
    expect({ severity: fields.severity, cvssVector: fields.cvssVector }).toEqual({
      severity: undefined,
      cvssVector: undefined,
      ...expected,
    });
  });

  it('takes the summary without the identifier, the CVE alias, the CWE ids and the release versions', () => {
    const ctx = context({ CWE: 'CWE-79, CWE-352' }, { run: { aliases: ['GHSA-4w7f-2j8m-q9rc', 'CVE-2026-1234'] } });
    const content = advisoryContentOf(ctx, release, config, 'acme/web');
    expect(content.summary).toBe('Heap overflow in the parser');
    const markup = advisoryContentOf(
      { ...ctx, master: { ...ctx.master, title: '[INC-2026-1] XSS via <script> in @mentions' } },
      null,
      config,
      'acme/web',
    );
    expect(markup.summary).toBe('XSS via <script> in @mentions');
    expect(markup.context.summary).not.toContain('<script>');
    expect(content.fields).toMatchObject({
      cveId: 'CVE-2026-1234',
      cweIds: ['CWE-79', 'CWE-352'],
      vulnerabilities: [{ ecosystem: 'other', package: 'web', vulnerableRange: '< 2.0.1', patched: null }],
    });
    expect(content.context).toMatchObject({ cve: 'CVE-2026-1234', affected: '< 2.0.1', patched: null });
  });

  it('releaseDetail reads a filled value, and nothing from a placeholder or a missing ticket', () => {
    expect(releaseDetail(release, 'Affected versions')).toBe('< 2.0.1');
    expect(releaseDetail(release, 'Patched versions')).toBeNull();
    expect(releaseDetail(null, 'Affected versions')).toBeNull();
    const odd = { ...release, body: '| Affected versions: | see @alice <img src=x> |\n' };
    expect(releaseDetail(odd, 'Affected versions')).toBeNull();
  });
});

describe('advisoryRepositoryOf', () => {
  it('is the configured repository, else the linked advisory, else the source, else the master', () => {
    expect(advisoryRepositoryOf({ ...context({}), config: { ...config, advisoryRepository: 'acme/app' } })).toBe(
      'acme/app',
    );
    const link = {
      repository: 'acme/lib',
      ghsa: 'GHSA-4w7f-2j8m-q9rc',
      url: 'https://x.example',
      state: 'draft' as const,
    };
    expect(advisoryRepositoryOf(context({}, { run: { disclosure: { advisory: link } } }))).toBe('acme/lib');
    expect(advisoryRepositoryOf(context({}, { source: 'github:acme/web#7' }))).toBe('acme/web');
    expect(advisoryRepositoryOf(context({}))).toBe('acme/security');
  });
});

describe('lifting', () => {
  const ticket = (number: number, labels: string[] = [], confidential = true) =>
    issue({ ref: { project: 'acme/security', number }, labels, confidential });

  it('GitLab lifts the master and confidential release tickets; comms, kept and public ones stay', () => {
    const items = liftItems(context({}, {}, 'gitlab'), [
      { role: 'release', issue: ticket(2) },
      { role: 'release', issue: ticket(3, ['incident-keep-private']) },
      { role: 'release', issue: ticket(4, [], false) },
      { role: 'comms', issue: ticket(5) },
    ]);
    expect(items.map((i) => [i.ref.number, i.action])).toEqual([
      [1, 'lift'],
      [2, 'lift'],
      [3, 'keep'],
      [4, 'keep'],
      [5, 'keep'],
    ]);
  });

  it('GitHub writes only on the public source', () => {
    const items = liftItems(context({}), [
      { role: 'release', issue: ticket(2) },
      { role: 'source', issue: ticket(9, [], false) },
    ]);
    expect(items.map((i) => [i.ref.number, i.action])).toEqual([[9, 'summary']]);
  });

  it("a lifted description is the public summary and the person's text, without the app's block", () => {
    const body = context({}).master.body;
    const lifted = liftedBody(body, '## INC-2026-1 is public');
    expect(lifted).not.toContain('incident-desk:state');
    expect(lifted).not.toContain('incident-desk:begin');
    expect(lifted.startsWith('<!-- incident-desk:public-summary -->\n## INC-2026-1 is public\n')).toBe(true);
    expect(lifted.endsWith('the report')).toBe(true);
  });

  it('the record kept on the communications ticket is fenced longer than any fence inside it', () => {
    const record = recordOf('gitlab', { project: 'acme/security', number: 1 }, ['a\n~~~~~\nb']);
    expect(record).toContain('~~~~~~markdown\na\n~~~~~\nb\n~~~~~~');
  });
});
