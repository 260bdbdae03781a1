import { describe, expect, it } from 'vitest';
import { acceptsReportsFrom, acceptsTrackingFrom, covers, mayTriage } from '../../src/config/admission.js';

describe('which projects may bring work into an incident project', () => {
  it('a path covers itself and what lies inside it, segment by segment, case aside', () => {
    expect(covers('acme', 'acme/web')).toBe(true);
    expect(covers('acme', 'acme/sub/web')).toBe(true);
    expect(covers('Acme/Web', 'acme/web')).toBe(true);
    expect(covers('acme', 'acme-evil/web')).toBe(false);
    expect(covers('acme/web', 'acme/website')).toBe(false);
    expect(covers('acme/web', 'acme')).toBe(false);
  });

  it('reports: the incident project itself and what its own configuration lists, nothing else', () => {
    expect(acceptsReportsFrom({ reportsFrom: [] }, 'sec/incidents', 'sec/incidents')).toBe(true);
    expect(acceptsReportsFrom({ reportsFrom: [] }, 'sec/incidents', 'team/app')).toBe(false);
    expect(acceptsReportsFrom({ reportsFrom: ['team'] }, 'sec/incidents', 'team/app')).toBe(true);
    expect(acceptsReportsFrom({ reportsFrom: ['team'] }, 'sec/incidents', 'teams/app')).toBe(false);
  });

  it("tracking tickets: the incident project, the incident's report's project, reportsFrom and trackingFrom", () => {
    const config = { reportsFrom: ['acme/web'], trackingFrom: ['partner'] };
    const state = { source: 'gitlab:team/app#4' };
    for (const project of ['sec/incidents', 'team/app', 'acme/web', 'partner/tools', 'partner/x/y']) {
      expect(acceptsTrackingFrom(config, 'sec/incidents', state, project), project).toBe(true);
    }
    for (const project of ['team/api', 'acme/api', 'sec/other', 'partners/tools']) {
      expect(acceptsTrackingFrom(config, 'sec/incidents', state, project), project).toBe(false);
    }
    expect(acceptsTrackingFrom({ reportsFrom: [], trackingFrom: [] }, 'sec/incidents', null, 'team/app')).toBe(false);
  });

  it('triage (GitHub) or Reporter (GitLab) and more may file tracking tickets; read and none may not', () => {
    expect(['none', 'read', 'triage', 'write', 'maintain', 'admin'].map((l) => mayTriage(l as never))).toEqual([
      false,
      false,
      true,
      true,
      true,
      true,
    ]);
  });
});
