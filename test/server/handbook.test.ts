import { describe, expect, it } from 'vitest';
import { allStepIds } from '../../src/checklist/phases.js';
import { loadHandbook, renderHandbookHtml } from '../../src/server/handbook.js';
import { findPackageRoot } from '../../src/templates/package-root.js';

describe('handbook page', () => {
  it('is a complete page with an element per step id', async () => {
    const html = renderHandbookHtml(await loadHandbook());
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<title>incident-desk handbook</title>');
    for (const id of allStepIds()) expect(html).toContain(`<a id="${id}"></a>`);
    // Every anchor is followed by a real heading, not swallowed into the HTML block.
    expect((html.match(/<h3>/g) ?? []).length).toBeGreaterThanOrEqual(allStepIds().length);
    expect(html).not.toContain('### ');
  });

  it('finds the package root from anywhere inside it', async () => {
    const root = await findPackageRoot();
    expect(await findPackageRoot(`${root}/src/templates`)).toBe(root);
    await expect(findPackageRoot('/')).rejects.toThrow(/incident-desk/);
  });
});
