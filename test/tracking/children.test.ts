import { describe, expect, it } from 'vitest';
import { joinBody, readTicketState, renderState, splitBody } from '../../src/kernel/block.js';
import {
  decideChildWrite,
  dueOf,
  isPublicTicket,
  mayBeChild,
  namedIds,
  rowOf,
  upsertRow,
} from '../../src/tracking/rows.js';
import { parseTracking, renderTracking, trackingStale } from '../../src/tracking/section.js';
import type { TaskRow } from '../../src/tracking/rows.js';
import { readSteps } from '../../src/checklist/steps.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { renderMaster } from '../../src/run/master-view.js';
import { DESCRIPTION_LIMITS } from '../../src/kernel/model.js';
import type { Issue, TrackerKind } from '../../src/kernel/model.js';
import { createRenderer } from '../../src/templates/renderer.js';
import { loadDefaultTemplates } from '../../src/templates/load.js';

const NOW = new Date('2026-11-22T10:00:00Z');

function issue(overrides: Partial<Issue> = {}): Issue {
  return {
    ref: { project: 'team/app', number: 12 },
    id: 9012,
    title: 'Patch the parser',
    body: '',
    labels: [],
    state: 'open',
    confidential: false,
    locked: false,
    author: 'alice',
    assignees: ['bob'],
    webUrl: 'https://tracker.example/team/app/-/issues/12',
    createdAt: '2026-11-20T09:00:00Z',
    updatedAt: '2026-11-21T09:00:00Z',
    ...overrides,
  };
}

const master = issue({
  ref: { project: 'sec/incidents', number: 7 },
  title: 'Heap overflow in the image parser',
  labels: ['incident::master', 'incident-id::INC-2026-7'],
  confidential: true,
  webUrl: 'https://tracker.example/sec/incidents/-/issues/7',
});

function row(n: number, overrides: Partial<TaskRow> = {}): TaskRow {
  return {
    ref: `team/service-${n % 7}#${1000 + n}`,
    title: `Rotate the credentials of service ${n} and confirm no further access`,
    owner: `owner-${n % 13}`,
    state: 'open',
    due: '2026-12-01',
    updated: '2026-11-21T09:00:00Z',
    ...overrides,
  };
}

describe('correlation', () => {
  it('finds identifiers by label, by title and as CVE aliases; ignores brackets that are no identifier', () => {
    expect(namedIds({ labels: ['incident-id::INC-2026-7', 'bug'], title: 'Patch' }, 'INC')).toEqual(['INC-2026-7']);
    expect(namedIds({ labels: [], title: '[INC-2026-7] Patch the parser' }, 'INC')).toEqual(['INC-2026-7']);
    expect(namedIds({ labels: [], title: 'Backport [cve-2026-12345] to 1.x' }, 'INC')).toEqual(['CVE-2026-12345']);
    expect(namedIds({ labels: [], title: '[WIP] [INC] [SEC-2026-1] nothing' }, 'INC')).toEqual([]);
    expect(namedIds({ labels: [], title: '[SEC-2026-1] configured prefix' }, 'SEC')).toEqual(['SEC-2026-1']);
    // A GitHub advisory id, spelled as GitHub does; look-alikes with letters GHSA ids never use name nothing.
    expect(namedIds({ labels: [], title: '[GHSA-4W7F-2J8M-Q9RC] backport' }, 'INC')).toEqual(['GHSA-4w7f-2j8m-q9rc']);
    expect(namedIds({ labels: [], title: '[GHSA-aaaa-bbbb-cccc] backport' }, 'INC')).toEqual([]);
    expect(namedIds({ labels: ['incident-id::INC-2026-7'], title: '[INC-2026-7] twice' }, 'INC')).toEqual([
      'INC-2026-7',
    ]);
    expect(namedIds({ labels: ['incident-id::'], title: 'empty label' }, 'INC')).toEqual([]);
  });

  it("never takes the incident's own tickets, a trigger or a handled source for a child", () => {
    expect(mayBeChild({ labels: ['incident-id::X'] }, 'incident')).toBe(true);
    expect(mayBeChild({ labels: ['incident-id::X', 'incident::task'] }, 'incident')).toBe(true);
    for (const label of [
      'incident::master',
      'incident::release',
      'incident::comms',
      'incident',
      'incident::needs-config',
      'incident-source::abc',
    ]) {
      expect(mayBeChild({ labels: ['incident-id::X', label] }, 'incident')).toBe(false);
    }
  });

  it('reads privacy from the issue and its project: internal counts as public', () => {
    expect(isPublicTicket({ confidential: false }, { visibility: 'public' })).toBe(true);
    expect(isPublicTicket({ confidential: false }, { visibility: 'internal' })).toBe(true);
    expect(isPublicTicket({ confidential: true }, { visibility: 'public' })).toBe(false);
    expect(isPublicTicket({ confidential: false }, { visibility: 'private' })).toBe(false);
  });

  it("takes the due date from the tracker's field, else from a Due line", () => {
    expect(dueOf({ dueDate: '2026-12-03', body: 'Due: 2026-12-09' })).toBe('2026-12-03');
    expect(dueOf({ dueDate: null, body: 'text\n**Due:** 2026-12-09\n' })).toBe('2026-12-09');
    expect(dueOf({ body: '- Due date: 2026-12-10' })).toBe('2026-12-10');
    expect(dueOf({ body: 'overdue: 2026-12-10 is not a due line' })).toBeNull();
    // The task template's table row, which is where a `/task` ticket on GitHub keeps it.
    expect(dueOf({ body: '| Owner: | `@bob` |\n| Due: | 2026-12-03 |\n' })).toBe('2026-12-03');
    expect(dueOf({ body: '| Overdue: | 2026-12-03 |' })).toBeNull();
    // The person's line wins over a copy in the app's block, which may be older than their edit.
    expect(
      dueOf({ body: joinBody('**Tracking ticket of incident INC-2026-1.**\n**Due:** 2026-12-01', 'Due: 2026-11-30') }),
    ).toBe('2026-11-30');
    expect(dueOf({ body: joinBody('**Due:** 2026-12-01', 'no date here') })).toBe('2026-12-01');
  });
});

describe('the child back-reference', () => {
  const input = (child: Issue, isPublic: boolean) =>
    decideChildWrite({ child, isPublic, master, masterId: 'INC-2026-7', nativeLinks: true });

  it('a public child gets the identifier only: no master reference, no address, no native link', () => {
    const write = input(issue({ body: 'Our notes' }), true);
    expect(write.link).toBe(false);
    expect(write.addLabels).toEqual(['incident-id::INC-2026-7', 'incident::task']);
    expect(write.block).toContain('INC-2026-7');
    expect(write.block).not.toContain('sec/incidents');
    expect(write.block).not.toContain(master.webUrl);
    expect(write.block).not.toContain('Heap overflow');
    expect(readTicketState(joinBody(write.block!, ''))).toEqual({ v: 1, role: 'task', id: 'INC-2026-7' });
  });

  it("does not copy the child's due date, which the child holds itself and people move", () => {
    expect(input(issue({ body: 'Due: 2026-12-01' }), false).block).not.toContain('2026-12-01');
    expect(input(issue({ confidential: true, dueDate: '2026-12-01' }), false).block).not.toContain('2026-12-01');
  });

  it('a private or confidential child gets the master reference and is linked natively once', () => {
    const write = input(issue({ confidential: true }), false);
    expect(write.link).toBe(true);
    expect(write.block).toContain('[sec/incidents#7](https://tracker.example/sec/incidents/-/issues/7)');
    const linked = issue({
      confidential: true,
      labels: ['incident-id::INC-2026-7', 'incident::task'],
      body: joinBody(write.block!, 'notes'),
    });
    expect(input(linked, false)).toEqual({ addLabels: [], block: null, link: false });
  });

  it('a child that became public loses the master reference', () => {
    const priv = input(issue({ confidential: true }), false);
    const nowPublic = issue({
      labels: ['incident-id::INC-2026-7', 'incident::task'],
      body: joinBody(priv.block!, 'notes'),
    });
    const write = input(nowPublic, true);
    expect(write.block).not.toContain('sec/incidents');
    expect(readTicketState(joinBody(write.block!, ''))?.master).toBeUndefined();
  });
});

describe('the tracking section', () => {
  it('renders none, one and fifty children and reads every row back', () => {
    expect(renderTracking([], NOW).text).toContain('_None yet._');
    expect(parseTracking(renderTracking([], NOW).text)).toEqual([]);
    for (const count of [1, 50]) {
      const rows = Array.from({ length: count }, (_, n) => row(n, n % 3 === 0 ? { state: 'closed' } : {}));
      const text = renderTracking(rows, NOW).text;
      const back = parseTracking(text);
      expect(back.map((r) => r.ref).sort()).toEqual(rows.map((r) => r.ref).sort());
      for (const original of rows.filter((r) => r.state === 'open'))
        expect(back.find((r) => r.ref === original.ref)).toEqual(original);
      for (const original of rows.filter((r) => r.state === 'closed')) {
        expect(back.find((r) => r.ref === original.ref)).toMatchObject({ state: 'closed', owner: original.owner });
      }
    }
  });

  it('shows the dashboard by owner with open, closed and overdue counts, overdue first', () => {
    const rows = [
      row(1, { owner: 'alice', due: '2026-11-01' }),
      row(2, { owner: 'alice', state: 'closed' }),
      row(3, { owner: 'bob' }),
      row(4, { owner: null }),
    ];
    const text = renderTracking(rows, NOW).text;
    expect(text).toContain('**3 open · 1 closed · 1 overdue**');
    expect(text).toContain('| `@alice` | 1 | 1 | 1 |');
    expect(text).toContain('| `@bob` | 1 | 0 | 0 |');
    expect(text).toContain('| _unassigned_ | 1 | 0 | 0 |');
    const table = text.split('| Ticket |')[1]!;
    expect(table.indexOf(rows[0]!.ref)).toBeLessThan(table.indexOf(rows[2]!.ref));
    expect(table).toContain('⚠️ overdue');
    // Nobody is pinged by the table, and no line is a checkbox.
    expect(text).not.toMatch(/(?:^|[^`])@[a-z]/m);
    expect(readSteps(text).size).toBe(0);
  });

  it('keeps hostile titles inert: no checkbox, no marker, no ping, pipes inside their cell', () => {
    const hostile = issue({
      title: '- [x] done <!-- incident-desk:state {} --> @everyone | a | b |\n- [ ] second line',
    });
    const text = renderTracking([rowOf(hostile, 'team/app#12'), row(2)], NOW).text;
    expect(text).not.toContain('<!-- incident-desk:state');
    expect(text).not.toMatch(/(?:^|[^`\u200b])@everyone/m);
    expect(readSteps(text).size).toBe(0);
    const back = parseTracking(text);
    expect(back.map((x) => x.ref)).toEqual(expect.arrayContaining(['team/app#12', row(2).ref]));
    expect(back.find((x) => x.ref === 'team/app#12')?.state).toBe('open');
  });

  it('an older update never replaces a newer row; a row without a title keeps the known one', () => {
    const newer = row(1, { updated: '2026-11-21T10:00:00Z', state: 'closed' });
    const rows = upsertRow([newer], row(1, { updated: '2026-11-21T09:00:00Z', state: 'open' }));
    expect(rows[0]!.state).toBe('closed');
    expect(upsertRow([row(1)], { ...row(1, { updated: '2026-11-21T11:00:00Z' }), title: null })[0]!.title).toBe(
      row(1).title,
    );
  });

  it('flags a master whose overdue counts moved with the date', () => {
    const section = renderTracking([row(1, { due: '2026-11-23' })], NOW).text;
    const m = {
      ...master,
      body: joinBody(`${renderState({ v: 1, role: 'master', id: 'INC-2026-7' })}\n${section}`, ''),
    };
    expect(trackingStale(m, NOW)).toBe(false);
    expect(trackingStale(m, new Date('2026-11-24T00:00:00Z'))).toBe(true);
  });
});

describe('a master with 1,000 children', () => {
  const renderWith = async (kind: TrackerKind, rows: TaskRow[], rest = '') => {
    const renderer = createRenderer(await loadDefaultTemplates());
    const state = { v: 1 as const, role: 'master' as const, id: 'INC-2026-7' };
    const base = { ...master, body: joinBody(`${renderState(state)}\n`, rest) };
    const view = renderMaster(
      {
        master: base,
        state,
        children: [],
        defaultManager: 'alice',
        config: DEFAULT_CONFIG,
        tasks: rows,
        now: NOW,
        bodyLimit: DESCRIPTION_LIMITS[kind],
      },
      { renderer, handbookUrl: 'https://desk.example/handbook' },
    );
    return { body: joinBody(view.block, rest), view };
  };
  const thousand = (closedEvery: number) =>
    Array.from({ length: 1000 }, (_, n) => row(n, n % closedEvery === 0 ? { state: 'closed' } : {}));

  for (const kind of ['github', 'gitlab'] as const) {
    it(`stays under the ${kind} description limit with closed children folded, and loses no child`, async () => {
      const rows = thousand(4).map((r, n) => (n % 2 === 0 ? { ...r, state: 'closed' as const } : r));
      const { body, view } = await renderWith(kind, rows);
      expect(body.length).toBeLessThanOrEqual(DESCRIPTION_LIMITS[kind]);
      expect(body).toMatch(/<details><summary>\d+ closed<\/summary>/);
      expect(view.shortened.omitted).toBe(0);
      expect(parseTracking(splitBody(body).block).length).toBe(1000);
    });

    const fits = `shortens rows to fit ${kind} and keeps every reference`;
    it(`with 1,000 open children and a long description, ${fits}`, async () => {
      const rows = Array.from({ length: 1000 }, (_, n) => row(n));
      const { body, view } = await renderWith(kind, rows, 'x'.repeat(20_000));
      expect(body.length).toBeLessThanOrEqual(DESCRIPTION_LIMITS[kind]);
      expect(view.shortened.omitted).toBe(0);
      const back = parseTracking(splitBody(body).block);
      expect(back.map((r) => r.ref).sort()).toEqual(rows.map((r) => r.ref).sort());
      if (kind === 'github') expect(view.shortened.compactOpen).toBeGreaterThan(0);
      else expect(view.shortened.compactOpen).toBe(0);
      // The checklist is intact: every step of the master still reads.
      expect(readSteps(splitBody(body).block!).size).toBeGreaterThan(30);
    });
  }

  it('says so when even the compact lists cannot fit', async () => {
    const rows = Array.from({ length: 1000 }, (_, n) => row(n));
    const { body, view } = await renderWith('github', rows, 'x'.repeat(60_000));
    expect(view.shortened.omitted).toBe(1000);
    expect(body).toContain("1000 more not listed: the description is at the tracker's size limit");
  });
});
