import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/parse.js';
import { GITHUB_SUBSCRIBED_EVENTS } from '../../src/server/github-app.js';

/**
 * Issue 16: the files an operator runs incident-desk from. The container cannot be built on this machine (no container
 * engine); what can be checked here is that every path the Dockerfile copies exists, that the image runs the packed
 * `incident-desk serve`, and that compose.yaml runs two replicas of it on one Redis. The GitHub workflow builds it.
 */

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  bin: Record<string, string>;
  files: string[];
  scripts: Record<string, string>;
  engines: { node: string };
  homepage: string;
  license: string;
};

/** The Dockerfile's instructions, continuation lines joined, comments dropped, split by stage. */
function dockerStages(text: string): Array<{ from: string; lines: string[] }> {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Array<{ from: string; lines: string[] }> = [];
  for (const line of lines) {
    if (/^FROM\s/i.test(line)) stages.push({ from: line, lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

describe('app.yml', () => {
  const manifest = parse(read('app.yml')) as {
    url: string;
    hook_attributes: { url: string };
    default_events: string[];
    default_permissions: Record<string, string>;
  };

  it('requests exactly the events the app subscribes to', () => {
    const subscribed = [...new Set(GITHUB_SUBSCRIBED_EVENTS.map((e) => e.split('.')[0]))].sort();
    expect([...manifest.default_events].sort()).toEqual(subscribed);
  });

  it('requests the permissions the app uses, no more', () => {
    expect(manifest.default_permissions).toEqual({
      issues: 'write',
      contents: 'read',
      metadata: 'read',
      members: 'read',
      repository_advisories: 'write',
      checks: 'write',
    });
  });

  it("has real values: the project's homepage and the app's webhook route", () => {
    expect(manifest.url).toBe(pkg.homepage);
    expect(manifest.url).toMatch(/^https:\/\/github\.com\/[\w.-]+\/[\w.-]+$/);
    expect(new URL(manifest.hook_attributes.url).pathname).toBe('/api/github/webhooks');
  });
});

describe('Dockerfile', () => {
  const stages = dockerStages(read('Dockerfile'));
  const runtime = stages.at(-1)!;

  it('copies only paths that exist into the build stage, and only the build into the runtime stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const copies = stages.flatMap((s) => s.lines.filter((l) => /^COPY\s/i.test(l)));
    const fromContext = copies.filter((l) => !/--from=/.test(l));
    expect(fromContext.length).toBeGreaterThan(0);
    for (const copy of fromContext) {
      const args = copy
        .split(/\s+/)
        .slice(1)
        .filter((a) => !a.startsWith('--'));
      for (const source of args.slice(0, -1)) expect(existsSync(new URL(source, root)), source).toBe(true);
    }
    // The runtime stage takes nothing from the build context: only the packed tarball of the build stage.
    for (const copy of runtime.lines.filter((l) => /^COPY\s/i.test(l))) expect(copy).toMatch(/--from=build\b/);
  });

  it('runs the packed `incident-desk serve` as a user other than root, with production dependencies only', () => {
    const build = stages[0]!.lines.join('\n');
    expect(build).toMatch(/^RUN npm ci\b/m);
    expect(build).toMatch(/npm pack\b/);
    const run = runtime.lines.join('\n');
    expect(run).toMatch(/npm install --global --omit=dev .*incident-desk-\*\.tgz/);
    expect(run).toMatch(/^USER (?!root\b|0\b)\w+/m);
    expect(runtime.lines.at(-1)).toBe('CMD ["incident-desk", "serve"]');
    expect(run).toMatch(/^HEALTHCHECK .*\/healthz/m);
    // What the tarball holds: the executable, the templates and the handbook (npm adds package.json and README).
    expect(pkg.bin['incident-desk']).toBe('dist/src/cli/main.js');
    expect(pkg.files).toEqual(expect.arrayContaining(['dist/src', 'templates', 'docs/handbook.md']));
    expect(pkg.scripts.prepack).toMatch(/npm run build/);
    expect(pkg.scripts.start).toBe('node dist/src/cli/main.js serve');
  });

  it('keeps credentials and local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['.env', '*.pem', 'node_modules', 'dist', '.git']) expect(ignored).toContain(entry);
  });
});

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml')) as {
    services: Record<
      string,
      {
        build?: string;
        command?: string[];
        deploy?: { replicas?: number };
        environment?: Record<string, string>;
        image?: string;
        healthcheck?: unknown;
      }
    >;
  };

  it('runs two replicas of the image on one Redis, and the Redis service', () => {
    const desk = compose.services['incident-desk']!;
    expect(desk.build).toBe('.');
    expect(desk.command).toEqual(['incident-desk', 'serve']);
    expect(desk.deploy?.replicas).toBe(2);
    const redisUrl = new URL(desk.environment!.REDIS_URL!);
    expect(redisUrl.protocol).toBe('redis:');
    const redis = compose.services[redisUrl.hostname];
    expect(redis?.image).toMatch(/^redis:/);
    expect(redis?.healthcheck).toBeDefined();
  });
});

describe('.github and the project files', () => {
  it('CI tests on Node 20, 22 and 24, runs a bench smoke and builds the image', () => {
    const ci = parse(read('.github/workflows/ci.yml')) as {
      jobs: Record<
        string,
        {
          strategy?: { matrix?: { node?: number[] } };
          services?: Record<string, { image: string }>;
          steps: Array<{ run?: string; uses?: string }>;
        }
      >;
    };
    const test = ci.jobs.test!;
    expect(test.strategy?.matrix?.node).toEqual([20, 22, 24]);
    const runs = test.steps.map((s) => s.run ?? '');
    expect(runs).toEqual(expect.arrayContaining(['npm ci', 'npm test']));
    expect(runs.some((r) => r.startsWith('npm run bench'))).toBe(true);
    const container = ci.jobs.container!;
    expect(container.services?.redis?.image).toMatch(/^redis:/);
    expect(container.steps.some((s) => s.uses?.startsWith('docker/build-push-action'))).toBe(true);
  });

  it('Dependabot updates npm (grouped), GitHub Actions and the Docker base image', () => {
    const bot = parse(read('.github/dependabot.yml')) as {
      updates: Array<{ 'package-ecosystem': string; groups?: unknown }>;
    };
    const ecosystems = bot.updates.map((u) => u['package-ecosystem']);
    expect(ecosystems.sort()).toEqual(['docker', 'github-actions', 'npm']);
    expect(bot.updates.find((u) => u['package-ecosystem'] === 'npm')?.groups).toBeDefined();
  });

  it('points security reports to SECURITY.md, not to a public issue', () => {
    const chooser = parse(read('.github/ISSUE_TEMPLATE/config.yml')) as {
      contact_links: Array<{ url: string; about: string }>;
    };
    expect(chooser.contact_links.some((l) => l.url.startsWith(pkg.homepage) && /SECURITY\.md/.test(l.about))).toBe(
      true,
    );
    expect(read('SECURITY.md')).toMatch(/Report a vulnerability/);
  });

  it('is MIT licensed, names the Node versions it runs on, and does not make them strict', () => {
    expect(pkg.license).toBe('MIT');
    expect(read('LICENSE')).toMatch(/^MIT License/);
    expect(pkg.engines.node).toMatch(/^>=20\./);
    expect(read('.nvmrc').trim()).toBe('20');
    expect(existsSync(new URL('.npmrc', root)) ? read('.npmrc') : '').not.toMatch(/engine-strict\s*=\s*true/);
  });

  it('ships example configurations that are valid, and a GitLab report template that protects the report', () => {
    expect(() => parseConfig(read('examples/.github/incident-desk.yml'), '.github/incident-desk.yml')).not.toThrow();
    expect(() => parseConfig(read('examples/.gitlab/incident-desk.yml'), '.gitlab/incident-desk.yml')).not.toThrow();
    const template = read('examples/.gitlab/issue_templates/Security report.md');
    expect(template).toMatch(/^\/confidential$/m);
    expect(template).toMatch(/^\/label ~incident$/m);
  });
});
