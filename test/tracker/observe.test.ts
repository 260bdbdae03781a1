import { describe, expect, it } from 'vitest';
import { routeTemplate } from '../../src/tracker/observe.js';

describe('routeTemplate', () => {
  it.each([
    ['/repos/{owner}/{repo}/issues/{issue_number}', '/repos/{owner}/{repo}/issues/{issue_number}'],
    ['https://api.github.com/repositories/12345/issues?page=2', '/repositories/{}/issues'],
    ['/repos/acme/security/issues/12/labels/incident-id::INC-2026-42', '/repos/{}/issues/{}/labels/{}'],
    ['/repos/acme/sec/contents/.github/incident-desk.yml', '/repos/{}/contents/{}'],
    ['/api/v4/projects/acme%2Fsecurity/issues/3/notes/77', '/api/v4/projects/{}/issues/{}/notes/{}'],
    [
      '/api/v4/projects/9/repository/files/.gitlab%2Fincident-desk.yml/raw?ref=main',
      '/api/v4/projects/{}/repository/files/{}/raw',
    ],
    ['/graphql', '/graphql'],
    ['/search/issues?q=label:incident::master+user:acme', '/search/issues'],
  ])('%s', (url, route) => {
    expect(routeTemplate(url)).toBe(route);
  });
});
