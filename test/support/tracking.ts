import { splitBody } from '../../src/kernel/block.js';
import { parseTracking } from '../../src/tracking/section.js';
import type { TaskRow } from '../../src/tracking/rows.js';
import type { Issue, IssueRef } from '../../src/kernel/model.js';
import type { MemoryStore } from '../../src/tracker/memory/memory-store.js';

/** The rows of the master's "Tracking tickets" section, as the app rendered them. */
export function trackingRows(master: Issue): TaskRow[] {
  return parseTracking(splitBody(master.body).block);
}

/** The row of one ticket on the master. */
export function rowOf(master: Issue, ticket: Issue): TaskRow | undefined {
  const ref = `${ticket.ref.project}#${ticket.ref.number}`.toLowerCase();
  return trackingRows(master).find((r) => r.ref.toLowerCase() === ref);
}

/**
 * Everything the app writes into one project from now on, as the fake tracker hands it to the store: every issue
 * created there (title, body, labels), every patch of one of its issues, every comment the app posts or edits on
 * them, and every native link that touches one. A test asserts on what was sent, not only on what is left at the end.
 */
export function writesInto(store: MemoryStore, project: string, bot: string): string[] {
  const written: string[] = [];
  const inProject = (ref: IssueRef | string) =>
    (typeof ref === 'string' ? ref : ref.project).toLowerCase() === project.toLowerCase();
  const createIssue = store.createIssue.bind(store);
  store.createIssue = (path, input, author) => {
    if (inProject(path)) written.push(`create ${JSON.stringify(input)}`);
    return createIssue(path, input, author);
  };
  const updateIssue = store.updateIssue.bind(store);
  store.updateIssue = (ref, patch, by) => {
    if (inProject(ref)) written.push(`update ${ref.project}#${ref.number} ${JSON.stringify(patch)}`);
    // The writer passes through: the tracker records the app's writes as its own.
    return updateIssue(ref, patch, by);
  };
  const createComment = store.createComment.bind(store);
  store.createComment = (ref, body, author) => {
    // People's comments go through the store too (the worlds' `say`); only the app's count.
    if (inProject(ref) && author === bot) written.push(`comment ${body}`);
    return createComment(ref, body, author);
  };
  const updateComment = store.updateComment.bind(store);
  store.updateComment = (ref, id, body) => {
    if (inProject(ref)) written.push(`comment ${body}`);
    return updateComment(ref, id, body);
  };
  const link = store.link.bind(store);
  store.link = (parent, child) => {
    if (inProject(parent) || inProject(child))
      written.push(`link ${parent.project}#${parent.number} ${child.project}#${child.number}`);
    return link(parent, child);
  };
  return written;
}

/**
 * The pieces of a confidential master that must never reach a public ticket: its reference, project, address, title.
 */
export function masterDetails(master: Issue, title: string): string[] {
  return [`${master.ref.project}#${master.ref.number}`, master.ref.project, master.webUrl, title];
}
