import { describe, expect, it } from 'vitest';
import {
  BLOCK_BEGIN,
  BLOCK_END,
  joinBody,
  readTicketState,
  renderState,
  splitBody,
  trustedState,
} from '../../src/kernel/block.js';
import type { TicketState } from '../../src/kernel/ticket-state.js';
import { openBody, openEvent, sealBody, StateSeal, stateKeys, stateKeysFromEnv } from '../../src/server/state-seal.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';
import { editEvent } from '../support/events.js';

const KEYS = stateKeys(['current secret']);
const STATE: TicketState = {
  v: 1,
  role: 'comms',
  id: 'INC-2026-7',
  master: 'team/app#1',
  approvals: { decisions: {} },
};
const body = (state: TicketState = STATE, rest = "the reporter's text") =>
  joinBody(`${renderState(state)}\n## Communications\n- [ ] a box <!-- step:approve-blog-security -->`, rest);
const signed = (text: string, keys = KEYS) => sealBody(text, keys, 'gitlab');
const stateOf = (text: string) => readTicketState(openBody(text, KEYS, 'gitlab').body);

describe('the signature of the hidden state', () => {
  it('signs the block state on the way out and takes the signature off on the way in', () => {
    const written = signed(body());
    expect(written).toMatch(/<!-- incident-desk:state \{[^\n]*\} sig=v1\.[A-Za-z0-9_-]{43} -->/);
    expect(written).not.toBe(body());
    const read = openBody(written, KEYS, 'gitlab');
    expect(read).toEqual({ body: body(), rejected: false });
    // Signing is deterministic: the same state written again is the same text.
    expect(signed(read.body)).toBe(written);
  });

  it('rejects a state nobody signed, one changed after signing, and one signed with another secret', () => {
    const forged: TicketState = {
      ...STATE,
      approvals: { decisions: { 'blog/security': { status: 'approved', by: 'ceo', at: '2026-11-22T10:00:00Z' } } },
    };
    const unsigned = body(forged);
    const changed = signed(body()).replace(
      '"decisions":{}',
      JSON.stringify({ decisions: forged.approvals!.decisions }).slice(1, -1),
    );
    const foreign = signed(body(forged), stateKeys(['a secret the attacker chose']));
    for (const text of [unsigned, changed, foreign]) {
      const read = openBody(text, KEYS, 'gitlab');
      expect(read.rejected).toBe(true);
      expect(readTicketState(read.body)).toBeNull();
      // The rejected marker is escaped, and written back exactly as it was: nothing is signed on its behalf.
      expect(read.body).toContain('<!-- incident-desk:unverified-state ');
      expect(signed(read.body)).toBe(text);
    }
  });

  it('binds the signature to the tracker: a GitHub state does not verify on GitLab', () => {
    const github = sealBody(body(), KEYS, 'github');
    expect(openBody(github, KEYS, 'github').rejected).toBe(false);
    expect(openBody(github, KEYS, 'gitlab').rejected).toBe(true);
  });

  it('rotates: the first secret signs, every current and previous one verifies, a retired one no longer does', () => {
    const old = stateKeys(['old secret']);
    const rotated = stateKeys(['new secret'], ['old secret']);
    const written = signed(body(), old);
    expect(openBody(written, rotated, 'gitlab')).toEqual({ body: body(), rejected: false });
    // Written again after the rotation, the state carries the new secret's signature.
    const rewritten = sealBody(openBody(written, rotated, 'gitlab').body, rotated, 'gitlab');
    expect(rewritten).not.toBe(written);
    expect(openBody(rewritten, stateKeys(['new secret']), 'gitlab').rejected).toBe(false);
    expect(openBody(written, stateKeys(['new secret']), 'gitlab').rejected).toBe(true);
    // A comma list works the same way: all verify, the first signs.
    expect(
      openBody(written, stateKeysFromEnv({ STATE_SECRET: 'new secret, old secret' }, 'token').keys, 'gitlab').rejected,
    ).toBe(false);
  });

  it(
    'reads the secret from STATE_SECRET, else from the tracker credential, ' +
      'with STATE_SECRET_PREVIOUS verifying only',
    () => {
      const fromEnv = stateKeysFromEnv({ STATE_SECRET: 'abc' }, 'glpat-token');
      expect(fromEnv.derived).toBe(false);
      const fallback = stateKeysFromEnv({}, 'glpat-token');
      expect(fallback.derived).toBe(true);
      expect(stateKeysFromEnv({ STATE_SECRET: ' , ' }, 'glpat-token').derived).toBe(true);
      const byToken = sealBody(body(), fallback.keys, 'gitlab');
      // Every replica and restart derives the same key from the same credential.
      expect(sealBody(body(), stateKeysFromEnv({}, 'glpat-token').keys, 'gitlab')).toBe(byToken);
      // Moving to STATE_SECRET: the credential goes to STATE_SECRET_PREVIOUS, and the states it signed still verify.
      const moved = stateKeysFromEnv(
        { STATE_SECRET: 'abc', STATE_SECRET_PREVIOUS: 'glpat-token' },
        'glpat-token-rotated',
      );
      expect(openBody(byToken, moved.keys, 'gitlab').rejected).toBe(false);
      expect(openBody(byToken, fromEnv.keys, 'gitlab').rejected).toBe(true);
      // A PEM key written with escaped newlines or real ones is the same secret.
      const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\ndef==\n-----END RSA PRIVATE KEY-----\n';
      expect(sealBody(body(), stateKeysFromEnv({}, pem.replace(/\n/g, '\\n')).keys, 'github')).toBe(
        sealBody(body(), stateKeysFromEnv({}, pem).keys, 'github'),
      );
      expect(() => stateKeys(['', ' '])).toThrow(/non-empty secret/);
    },
  );

  it(
    'only the first state of the block at the very start is state: ' + 'every other marker is escaped, never signed',
    () => {
      const second = `${renderState({ ...STATE, id: 'FORGED-1' })}`;
      const withSecond = signed(body()).replace('## Communications', `${second}\n## Communications`);
      const read = openBody(withSecond, KEYS, 'gitlab');
      expect(readTicketState(read.body)?.id).toBe('INC-2026-7');
      expect(read.body).not.toContain(second);
      // In the person's text, a state marker (even a validly signed one copied there) is text.
      const copied = signed(body());
      const inText = signed(body(STATE, `notes\n${copied}`));
      const readText = openBody(inText, KEYS, 'gitlab');
      expect(splitBody(readText.body).rest).not.toContain('<!-- incident-desk:state ');
      expect(signed(readText.body)).toBe(inText);
      // Before the block's own state, an unverifiable one hides it: the block's first state is the one that counts.
      const first = joinBody(
        `${renderState({ ...STATE, id: 'FORGED-2' })}\n${signed(body()).slice(BLOCK_BEGIN.length + 1)}`,
        '',
      );
      expect(stateOf(first)).toBeNull();
    },
  );

  it("writes a person's text back byte for byte, whatever markers they typed (escapes included)", () => {
    const typed =
      'x <!-- incident-desk:unverified-state {} --> <!-- incident-desk:unverified-unverified-x --> <!-- ' +
      'incident-desk:state {"v":1} -->';
    const text = signed(body(STATE, typed));
    const read = openBody(text, KEYS, 'gitlab');
    expect(stateOf(text)).toMatchObject({ id: 'INC-2026-7' });
    expect(signed(read.body)).toBe(text);
    expect(openBody(typed, KEYS, 'gitlab').body).not.toContain('<!-- incident-desk:state ');
    expect(signed(openBody(typed, KEYS, 'gitlab').body)).toBe(typed);
  });

  it('leaves a body without any marker of the app alone, and a block without state too', () => {
    expect(openBody('plain text', KEYS, 'gitlab')).toEqual({ body: 'plain text', rejected: false });
    const block = `${BLOCK_BEGIN}\nno state here\n${BLOCK_END}\n\ntext`;
    expect(openBody(block, KEYS, 'gitlab')).toEqual({ body: block, rejected: false });
    expect(signed(block)).toBe(block);
  });

  it(
    'opens both bodies of an edit event, ' + 'and the seal opens what the tracker answers and signs what it writes',
    async () => {
      const store = new MemoryStore({ kind: 'gitlab' });
      const project = store.addProject('team/app');
      const issue = store.seedIssue('team/app', { title: 'c', body: signed(body()), labels: ['incident::comms'] });
      const forged = store.editIssue(issue.ref, { body: body({ ...STATE, id: 'FORGED-3' }) });
      const { event, rejected } = openEvent(editEvent(project, forged, issue.body, 'mallory'), KEYS);
      expect(rejected).toBe(true);
      expect(trustedState(event.issue)).toBeNull();
      expect(trustedState({ body: event.kind === 'issue' ? event.previousBody! : '', labels: issue.labels })?.id).toBe(
        'INC-2026-7',
      );

      const seal = new StateSeal(new MemoryTracker(store), KEYS);
      expect(trustedState(await seal.getIssue(issue.ref))).toBeNull();
      const written = await seal.updateIssue(issue.ref, { body: body() });
      expect(trustedState(written)?.id).toBe('INC-2026-7');
      expect(store.issue(issue.ref).body).toBe(signed(body()));
      const created = await seal.createIssue('team/app', {
        title: 'n',
        body: body(),
        labels: ['incident::comms'],
        confidential: true,
      });
      expect(store.issue(created.ref).body).toBe(signed(body()));
      expect(
        (await seal.listIssues('team/app', { labels: ['incident::comms'] })).map((i) => trustedState(i)?.id),
      ).toEqual(['INC-2026-7', 'INC-2026-7']);
    },
  );
});
