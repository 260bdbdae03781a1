/**
 * The layers of src/, checked by `npm run depcruise` (part of `npm test`). README, "Architecture", says what each
 * folder is. In short: kernel/ is a leaf; the capability folders hold pure files (decide, render, parse, …) and
 * I/O files (handle*, apply*, load, complete, …); tracker/ holds the port and its adapters; server/ and cli/ wire
 * everything. A violation names its rule.
 */

/** The capability folders, where pure and I/O files live side by side. */
const CAPABILITIES =
  '(config|templates|intake|run|checklist|commands|approvals|tracking|sweep|triage|report|disclosure)';

/** I/O files of a capability, by the role their name says: they read and write through the port. */
const IO_FILES = `^src/${CAPABILITIES}/(handle[^/]*|apply[^/]*|load|complete|fail-safe|with-master|context|package-root)\\.ts$`;

/** Pure files: the kernel, and every other file of a capability (decide, render, parse, messages, …). */
const PURE_FILES = `^src/(kernel/|${CAPABILITIES}/)`;

/** Packages and node modules that do I/O: the trackers' SDKs, Redis, logging, the file system and the network. */
const IO_MODULES = [
  '^(node:)?(fs|fs/promises|http|https|http2|net|tls|dgram|child_process|cluster|worker_threads|readline|stream)$',
  '^probot$',
  '^@gitbeaker/',
  '^@octokit/',
  '^ioredis$',
  '^pino$',
  '^marked$',
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Modules of src/ must not import each other in a circle (directly or through others, types included).',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      comment: 'Every module of src/ is reachable: imported by another, or an entry (src/index.ts, a script).',
      severity: 'error',
      from: { orphan: true, path: '^src/', pathNot: '^src/index\\.ts$' },
      to: {},
    },
    {
      name: 'pure-imports-no-io',
      comment: 'A pure file (kernel, decide, render, …) imports no I/O file of a capability.',
      severity: 'error',
      from: { path: PURE_FILES, pathNot: IO_FILES },
      to: { path: IO_FILES },
    },
    {
      name: 'pure-imports-no-io-module',
      comment: "A pure file imports no module that does I/O (file system, network, trackers' SDKs, Redis, logger).",
      severity: 'error',
      from: { path: PURE_FILES, pathNot: IO_FILES },
      to: { path: IO_MODULES },
    },
    {
      name: 'pure-imports-no-adapter',
      comment: 'A pure file imports nothing of tracker/ but the port (no adapter, no port helper doing I/O).',
      severity: 'error',
      from: { path: PURE_FILES, pathNot: IO_FILES },
      to: { path: '^src/tracker/', pathNot: '^src/tracker/port\\.ts$' },
    },
    {
      name: 'pure-imports-no-server',
      comment: 'A pure file imports no server or command-line module.',
      severity: 'error',
      from: { path: PURE_FILES, pathNot: IO_FILES },
      to: { path: '^src/(server|cli)/' },
    },
    {
      name: 'kernel-is-a-leaf',
      comment: 'The kernel imports only the kernel.',
      severity: 'error',
      from: { path: '^src/kernel/' },
      to: { path: '^src/', pathNot: '^src/kernel/' },
    },
    {
      name: 'adapters-import-kernel-and-port',
      comment: 'A tracker adapter (github/, gitlab/, memory/) imports only the kernel, the port and its own folder.',
      severity: 'error',
      from: { path: '^src/tracker/(github|gitlab|memory)/' },
      to: {
        path: '^src/',
        pathNot: ['^src/kernel/', '^src/tracker/(port|errors|retry|payload|observe)\\.ts$', '^src/tracker/$1/'],
      },
    },
  ],
  options: {
    // Type-only imports count: a cycle or a layer crossed by a type is one too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
  },
};
