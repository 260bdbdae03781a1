import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatConfigProblems } from '../../src/config/problems.js';
import { DEFAULT_CONFIG, configJsonSchema, configSchema } from '../../src/config/schema.js';
import { parseConfig } from '../../src/config/parse.js';
import type { ConfigProblem } from '../../src/config/problems.js';
import type { IncidentDeskConfig } from '../../src/config/schema.js';

const LOCATION = 'acme/app:.github/incident-desk.yml';

/** The problems of a file that must not parse. */
function problemsOf(text: string): ConfigProblem[] {
  try {
    parseConfig(text, LOCATION);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).location).toBe(LOCATION);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, LOCATION);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** Lines joined with `\n`, so YAML fixtures keep their indentation visible. */
const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;

/** Two required groups with approvers and back-ups, for files that name people. */
const STAFFED = yaml(
  'approvals:',
  '  groups:',
  '    security: { name: Security, approvers: [alice], backups: [bob, "@acme/security-leads"] }',
  '    legal: { name: Legal, approvers: [carol], backups: [dave, erin] }',
  '  deliverables:',
  '    blog: { name: Blog post, approve: [security, legal] }',
  '  required: [security, legal]',
);

describe('parseConfig: defaults', () => {
  it.each([
    ['an empty file', ''],
    ['only comments', '# incident-desk\n# nothing set yet\n'],
    ['an empty document', '---\n'],
    ['a null document', '~\n'],
    ['an empty mapping', '{}\n'],
  ])('%s gives the defaults', (_name, text) => {
    expect(parseConfig(text, LOCATION)).toEqual(DEFAULT_CONFIG);
  });

  it('the defaults follow the communications plan', () => {
    expect(DEFAULT_CONFIG).toMatchObject({
      label: 'incident',
      incidentProject: null,
      releaseProject: null,
      publicSource: 'redact',
      idPrefix: 'INC',
      handbookUrl: null,
      templates: {},
      children: ['release', 'comms'],
    });
    const { approvals } = DEFAULT_CONFIG;
    expect(Object.keys(approvals.groups)).toEqual([
      'security',
      'legal',
      'customer-success',
      'support',
      'corporate-comms',
      'investor-relations',
    ]);
    expect(approvals.groups['corporate-comms']).toEqual({
      name: 'Corporate Communications',
      approvers: [],
      backups: [],
    });
    expect(Object.keys(approvals.deliverables)).toEqual(['blog', 'customer-email', 'support-faq', 'media', 'social']);
    expect(approvals.deliverables.blog).toEqual({
      name: 'Blog post',
      approve: ['security', 'legal', 'customer-success', 'investor-relations'],
      fyi: ['support', 'corporate-comms'],
    });
    // Seed 000's matrix: Corporate Communications is the DRI of the media response, not only informed of it.
    expect(approvals.deliverables.media).toEqual({
      name: 'Media response',
      approve: ['security', 'legal', 'customer-success', 'investor-relations'],
      fyi: ['support'],
      dri: 'corporate-comms',
    });
    expect(approvals.deliverables['support-faq']?.approve).toEqual(['security', 'legal']);
    expect(approvals.deliverables.social?.approve).toEqual(['legal']);
    expect(approvals.deliverables.social?.fyi).toHaveLength(5);
    expect(approvals.required).toEqual(['security', 'legal', 'customer-success', 'investor-relations']);
    expect(approvals).toMatchObject({
      quorum: 2,
      responseMinutes: 30,
      cutoffMinutes: { high: 360, medium: 720, low: 1440 },
    });
    // Every group of the matrix is an approver, informed or the DRI, for every deliverable.
    for (const d of Object.values(approvals.deliverables)) {
      expect([...d.approve, ...d.fyi, ...(d.dri ? [d.dri] : [])].sort()).toEqual(Object.keys(approvals.groups).sort());
    }
  });

  it('the shared defaults are frozen and every parse gets its own objects', () => {
    expect(Object.isFrozen(DEFAULT_CONFIG.approvals.groups.security?.approvers)).toBe(true);
    const a = parseConfig('', LOCATION);
    a.children.push('release');
    a.approvals.groups.security?.approvers.push('mallory');
    expect(parseConfig('', LOCATION)).toEqual(DEFAULT_CONFIG);
  });

  it('configSchema.parse({}) is DEFAULT_CONFIG', () => {
    expect(configSchema.parse({})).toEqual(DEFAULT_CONFIG);
  });
});

describe('parseConfig: every key is accepted', () => {
  it.each<[string, string, (c: IncidentDeskConfig) => unknown, unknown]>([
    ['label', 'label: "security::incident"', (c) => c.label, 'security::incident'],
    [
      'incidentProject (GitLab)',
      'incidentProject: acme/security/incidents',
      (c) => c.incidentProject,
      'acme/security/incidents',
    ],
    ['incidentProject (GitHub)', 'incidentProject: acme/incidents', (c) => c.incidentProject, 'acme/incidents'],
    ['incidentProject null', 'incidentProject: null', (c) => c.incidentProject, null],
    ['releaseProject', 'releaseProject: acme/releases', (c) => c.releaseProject, 'acme/releases'],
    ['publicSource', 'publicSource: delete', (c) => c.publicSource, 'delete'],
    ['idPrefix', 'idPrefix: SEC1', (c) => c.idPrefix, 'SEC1'],
    [
      'handbookUrl',
      'handbookUrl: https://handbook.example.com/security',
      (c) => c.handbookUrl,
      'https://handbook.example.com/security',
    ],
    [
      'handbookUrl (http, port)',
      'handbookUrl: http://localhost:3000/handbook',
      (c) => c.handbookUrl,
      'http://localhost:3000/handbook',
    ],
    [
      'templates',
      'templates: { incident: .github/incident.md.hbs, release: tpl/release.md.hbs, comms: comms...md.hbs }',
      (c) => c.templates,
      { incident: '.github/incident.md.hbs', release: 'tpl/release.md.hbs', comms: 'comms...md.hbs' },
    ],
    ['children (one)', 'children: [comms]', (c) => c.children, ['comms']],
    ['children (none)', 'children: []', (c) => c.children, []],
    [
      'releaseProject without a release child',
      'releaseProject: acme/releases\nchildren: [comms]',
      (c) => [c.releaseProject, c.children],
      ['acme/releases', ['comms']],
    ],
    ['approvals.quorum', 'approvals: { quorum: 4 }', (c) => c.approvals.quorum, 4],
    ['approvals.responseMinutes', 'approvals: { responseMinutes: 15 }', (c) => c.approvals.responseMinutes, 15],
    [
      'approvals.cutoffMinutes (partial)',
      'approvals: { cutoffMinutes: { high: 240 } }',
      (c) => c.approvals.cutoffMinutes,
      { high: 240, medium: 720, low: 1440 },
    ],
    [
      'approvals.required',
      'approvals: { required: [security, legal], quorum: 1 }',
      (c) => c.approvals.required,
      ['security', 'legal'],
    ],
    [
      'approvals.groups and deliverables',
      STAFFED,
      (c) => [c.approvals.groups, c.approvals.deliverables],
      [
        {
          security: { name: 'Security', approvers: ['alice'], backups: ['bob', '@acme/security-leads'] },
          legal: { name: 'Legal', approvers: ['carol'], backups: ['dave', 'erin'] },
        },
        { blog: { name: 'Blog post', approve: ['security', 'legal'], fyi: [] } },
      ],
    ],
  ])('%s', (_name, text, pick, expected) => {
    expect(pick(parseConfig(text, LOCATION))).toEqual(expected);
  });

  it('a group of a non-required kind needs no back-ups; GitLab group paths are people too', () => {
    const config = parseConfig(
      'approvals: { groups: { security: { name: S, approvers: [acme/sirt] }, legal: { name: L } }, deliverables: { ' +
        'blog: { name: B, approve: [legal], fyi: [security] } }, required: [legal], quorum: 1 }',
      LOCATION,
    );
    expect(config.approvals.groups.security?.approvers).toEqual(['acme/sirt']);
  });
});

describe('parseConfig: nested defaults of approvals', () => {
  it('approvals: { quorum: 3 } keeps the default groups, deliverables and required', () => {
    const config = parseConfig('approvals:\n  quorum: 3\n', LOCATION);
    expect(config.approvals).toEqual({ ...DEFAULT_CONFIG.approvals, quorum: 3 });
  });

  it('a groups map replaces the default map as a whole', () => {
    const config = parseConfig(STAFFED, LOCATION);
    expect(Object.keys(config.approvals.groups)).toEqual(['security', 'legal']);
  });

  it('a groups map without the groups the default deliverables and required name: one problem per default', () => {
    const problems = problemsOf(yaml('approvals:', '  groups:', '    security: { name: Security }'));
    expect(problems.map((p) => p.path)).toEqual(['approvals.deliverables', 'approvals.required']);
    for (const p of problems) {
      expect(p).toMatchObject({ line: 1, column: 1 });
      expect(p.message).toContain('is not in the file, so its default applies');
      expect(p.message).toContain('"legal"');
    }
  });

  it("a default quorum above the user's required groups says the default applies", () => {
    const problems = problemsOf('approvals: { required: [security] }\n');
    expect(problems).toEqual([
      expect.objectContaining({
        path: 'approvals.quorum',
        line: 1,
        column: 12,
        message: expect.stringContaining('`approvals.quorum` is not in the file'),
      }),
    ]);
  });
});

interface ProblemCase {
  name: string;
  text: string;
  expected: Array<Partial<ConfigProblem> & { message?: unknown }>;
}

const PROBLEM_CASES: ProblemCase[] = [
  {
    name: 'an unknown key, with its line and a suggestion',
    text: yaml('label: incident', 'lable: oops'),
    expected: [
      {
        path: 'lable',
        line: 2,
        column: 1,
        message: expect.stringMatching(/unknown key "lable"\. Did you mean `label`\?/),
      },
    ],
  },
  {
    name: 'an unknown nested key',
    text: yaml('approvals:', '  cutoffMinutes:', '    critical: 60'),
    expected: [
      {
        path: 'approvals.cutoffMinutes.critical',
        line: 3,
        column: 5,
        message: expect.stringContaining('`high`, `medium`, `low`'),
      },
    ],
  },
  {
    name: 'a deliverable naming an unknown group',
    text: yaml(
      'approvals:',
      '  deliverables:',
      '    blog:',
      '      name: Blog post',
      '      approve: [security, legl]',
    ),
    expected: [
      {
        path: 'approvals.deliverables.blog.approve[1]',
        line: 5,
        column: 27,
        message: expect.stringContaining('unknown group "legl"'),
      },
    ],
  },
  {
    name: 'a DRI that is not a group',
    text: yaml('approvals:', '  deliverables:', '    media: { name: Media, approve: [legal], dri: corp-coms }'),
    expected: [
      {
        path: 'approvals.deliverables.media.dri',
        line: 3,
        column: 50,
        message: expect.stringContaining('unknown group "corp-coms"'),
      },
    ],
  },
  {
    name: 'a group both approve and fyi',
    text: yaml('approvals:', '  deliverables:', '    blog: { name: Blog, approve: [legal], fyi: [support, legal] }'),
    expected: [
      {
        path: 'approvals.deliverables.blog.fyi[1]',
        line: 3,
        column: 58,
        message: expect.stringContaining('both an approver and FYI'),
      },
    ],
  },
  {
    name: 'required naming an unknown group',
    text: yaml('approvals:', '  required: [security, finance]', '  quorum: 1'),
    expected: [
      {
        path: 'approvals.required[1]',
        line: 2,
        column: 24,
        message: expect.stringContaining('unknown group "finance"'),
      },
    ],
  },
  {
    name: 'quorum above the required groups',
    text: yaml('approvals:', '  quorum: 5'),
    expected: [
      {
        path: 'approvals.quorum',
        line: 2,
        column: 11,
        message: expect.stringContaining('more than the 4 required groups'),
      },
    ],
  },
  {
    name: 'quorum below 1, not a whole number',
    text: yaml('approvals:', '  quorum: 0', '  responseMinutes: 1.5'),
    expected: [
      { path: 'approvals.quorum', line: 2, column: 11 },
      { path: 'approvals.responseMinutes', line: 3, column: 20, message: expect.stringContaining('whole number') },
    ],
  },
  {
    name: 'a required group with approvers and fewer than 2 back-ups',
    text: yaml(
      'approvals:',
      '  groups:',
      '    security:',
      '      name: Security',
      '      approvers: [alice]',
      '      backups: [bob]',
      '    legal: { name: Legal }',
      '  deliverables: {}',
      '  required: [security, legal]',
    ),
    expected: [
      {
        path: 'approvals.groups.security.backups',
        line: 6,
        column: 16,
        message: expect.stringContaining('at least 2 back-up approvers (it has 1)'),
      },
    ],
  },
  {
    name: 'a required group with approvers and no back-ups key',
    text: yaml(
      'approvals:',
      '  groups:',
      '    security:',
      '      name: Security',
      '      approvers: [alice]',
      '  deliverables: {}',
      '  required: [security]',
      '  quorum: 1',
    ),
    expected: [
      { path: 'approvals.groups.security.backups', line: 3, column: 5, message: expect.stringContaining('(it has 0)') },
    ],
  },
  {
    name: 'a back-up who is already an approver, a duplicate approver',
    text: yaml(
      'approvals:',
      '  groups:',
      '    security: { name: S, approvers: [alice, "@Alice"], backups: [bob, alice] }',
      '  deliverables: {}',
      '  required: [security]',
      '  quorum: 1',
    ),
    expected: [
      {
        path: 'approvals.groups.security.approvers[1]',
        line: 3,
        column: 45,
        message: expect.stringContaining('listed twice'),
      },
      {
        path: 'approvals.groups.security.backups[1]',
        line: 3,
        column: 71,
        message: expect.stringContaining('already an approver'),
      },
    ],
  },
  {
    name: 'a group id that is not kebab-case and a group without a name',
    text: yaml(
      'approvals:',
      '  groups:',
      '    Security_Team: { name: S }',
      '    legal: { approvers: [] }',
      '  deliverables: {}',
      '  required: [legal]',
      '  quorum: 1',
    ),
    expected: [
      { path: 'approvals.groups.Security_Team', line: 3, column: 5, message: expect.stringContaining('kebab-case') },
      {
        path: 'approvals.groups.legal.name',
        line: 4,
        column: 12,
        message: expect.stringMatching(/^missing: every group needs a `name`/),
      },
    ],
  },
  {
    name: 'a bad idPrefix',
    text: 'idPrefix: inc-\n',
    expected: [{ path: 'idPrefix', line: 1, column: 11, message: expect.stringContaining('uppercase letter') }],
  },
  {
    name: 'an idPrefix too long',
    text: 'idPrefix: ABCDEFGHIJK\n',
    expected: [{ path: 'idPrefix', line: 1, column: 11 }],
  },
  {
    name: 'handbookUrl not a URL',
    text: 'handbookUrl: handbook.example.com/security\n',
    expected: [{ path: 'handbookUrl', line: 1, column: 14, message: expect.stringContaining('http or https URL') }],
  },
  {
    name: 'handbookUrl with another scheme',
    text: 'handbookUrl: "javascript:alert(1)"\n',
    expected: [{ path: 'handbookUrl', line: 1, column: 14 }],
  },
  {
    name: 'templates with `..` and an absolute path',
    text: yaml(
      'templates:',
      '  incident: ../../etc/passwd',
      '  release: /etc/release.hbs',
      '  comms: templates/../../x.hbs',
    ),
    expected: [
      { path: 'templates.incident', line: 2, column: 13, message: expect.stringContaining('no `..` segments') },
      { path: 'templates.release', line: 3, column: 12 },
      { path: 'templates.comms', line: 4, column: 10 },
    ],
  },
  {
    name: 'an unknown template name',
    text: yaml('templates:', '  postmortem: x.hbs'),
    expected: [{ path: 'templates.postmortem', line: 2, column: 3 }],
  },
  {
    name: 'children: unknown and duplicate',
    text: 'children: [release, postmortem, release]\n',
    expected: [
      { path: 'children[1]', line: 1, column: 21, message: 'must be `release` or `comms`' },
      { path: 'children[2]', line: 1, column: 33, message: expect.stringContaining('listed twice') },
    ],
  },
  {
    name: 'publicSource not an option',
    text: 'publicSource: hide\n',
    expected: [{ path: 'publicSource', line: 1, column: 15, message: 'must be `redact` or `delete`' }],
  },
  {
    name: 'incidentProject not a path',
    text: 'incidentProject: incidents\nreleaseProject: acme/../x\n',
    expected: [
      { path: 'incidentProject', line: 1, column: 18 },
      { path: 'releaseProject', line: 2, column: 17 },
    ],
  },
  {
    name: 'a label with a comma, an empty key',
    text: 'label: "a,b"\ntemplates:\n',
    expected: [
      { path: 'label', line: 1, column: 8 },
      { path: 'templates', line: 2, column: 1, message: expect.stringContaining('expected object') },
    ],
  },
  {
    name: 'a top-level list',
    text: '- label: incident\n',
    expected: [{ path: '', line: 1, column: 1, message: expect.stringContaining('must be a mapping') }],
  },
  {
    name: 'a top-level scalar',
    text: 'incident\n',
    expected: [{ path: '', line: 1, column: 1, message: expect.stringContaining('not a single value') }],
  },
];

describe('parseConfig: problems', () => {
  it.each(PROBLEM_CASES)('$name', ({ text, expected }) => {
    expect(problemsOf(text)).toEqual(expected.map((e) => expect.objectContaining(e)));
  });

  it('reports several problems at once, in file order, each with its line', () => {
    const text = yaml(
      'label: incident',
      'idPrefix: inc',
      'publicSource: remove',
      'colour: red',
      'approvals:',
      '  quorum: 9',
      '  deliverables:',
      '    blog: { name: Blog, approve: [nobody] }',
    );
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['idPrefix', 2],
      ['publicSource', 3],
      ['colour', 4],
      ['approvals.quorum', 6],
      ['approvals.deliverables.blog.approve[0]', 8],
    ]);
  });

  it.each([
    ['an unclosed flow list', 'label: incident\nchildren: [release\napprovals: {}\n', 3],
    ['a tab indentation', 'approvals:\n\tquorum: 2\n', 2],
    ['a duplicate key', 'label: a\nlabel: b\n', 2],
    ['two documents', 'label: a\n---\nlabel: b\n', 2],
  ])('reports bad YAML (%s) with its line', (_name, text, line) => {
    const problems = problemsOf(text);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({ path: '', line, message: expect.stringMatching(/^YAML syntax: /) });
    expect(problems[0]?.column).toBeGreaterThan(0);
  });

  it('ConfigError says where the file is and how many problems it has', () => {
    const error = errorOf('idPrefix: x\nlabel: ""\n');
    expect(error.message).toContain(LOCATION);
    expect(error.message).toContain('2 configuration problems');
    expect(error.problems).toHaveLength(2);
  });
});

describe('formatConfigProblems', () => {
  it('lists every problem with its path and position, and says what happens next', () => {
    const text = formatConfigProblems(errorOf('idPrefix: x\napprovals:\n  quorum: 0\n'));
    expect(text).toMatch(/^### /);
    expect(text).toContain(`\`${LOCATION}\``);
    expect(text).toContain('- `idPrefix` (line 1, column 11): must be 2 to 10 characters');
    expect(text).toContain('- `approvals.quorum` (line 3, column 11): ');
    expect(text).toContain('Nothing else was done');
    expect(text).toContain('re-apply the trigger label');
  });

  it('a YAML syntax problem is about the file', () => {
    expect(formatConfigProblems(errorOf('children: [a\nx: 1\n'))).toMatch(
      /^- file \(line 2, column \d+\): YAML syntax: /m,
    );
  });

  it('text from the file can neither ping nor forge a marker', () => {
    const text = formatConfigProblems(
      errorOf(
        yaml(
          '"@everyone <!-- incident-desk:begin -->": 1',
          'approvals:',
          '  deliverables:',
          '    blog: { name: Blog, approve: ["@everyone", "`@everyone`", "<!-- x -->\\n- [x] done"] }',
        ),
      ),
    );
    expect(text).not.toMatch(/@everyone/);
    expect(text).not.toMatch(/@[\w]/);
    expect(text).not.toContain('<!--');
    expect(text).not.toContain('-->');
    expect(text).not.toContain('[x]');
    expect(text.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(4);
  });

  it('a file broken everywhere gives a bounded comment', () => {
    const many = Array.from({ length: 80 }, (_, i) => `key${i}: 1`).join('\n');
    const text = formatConfigProblems(errorOf(many));
    expect(text).toContain('… and 30 more');
    expect(text.length).toBeLessThan(30_000);
  });
});

describe('JSON Schema', () => {
  it('the committed schema file is the one the zod schema generates (run `npm run schema`)', () => {
    const committed = readFileSync(new URL('../../schema/incident-desk.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  });

  it('requires no key, shows the defaults and rejects unknown keys', () => {
    const schema = configJsonSchema() as {
      required?: string[];
      additionalProperties: boolean;
      properties: Record<string, { default?: unknown; description?: string }>;
    };
    expect(schema.required).toBeUndefined();
    expect(schema.additionalProperties).toBe(false);
    for (const [key, property] of Object.entries(schema.properties)) {
      expect(property.description, key).toBeTruthy();
      expect(property.default, key).toEqual((DEFAULT_CONFIG as Record<string, unknown>)[key]);
    }
  });
});

describe('docs/configuration.md', () => {
  const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  const examples = [...doc.matchAll(/```yaml\n(?<yaml>[\s\S]*?)```/g)].map((m) => m.groups?.yaml ?? '');

  it('has the examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples.map((text, i) => [i, text] as const))('example %i is a valid configuration', (_i, text) => {
    expect(() => parseConfig(text, LOCATION)).not.toThrow();
  });

  it('names every key of the schema', () => {
    const keys = (schema: unknown, prefix: string): string[] => {
      const s = schema as { properties?: Record<string, unknown>; additionalProperties?: unknown };
      const own = Object.entries(s.properties ?? {}).flatMap(([k, v]) => [
        `${prefix}${k}`,
        ...keys(v, `${prefix}${k}.`),
      ]);
      return own;
    };
    for (const key of keys(configJsonSchema(), '')) expect(doc, key).toContain(`\`${key}\``);
  });
});
