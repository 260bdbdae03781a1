/**
 * The app's configuration (`.github/incident-desk.yml`, `.gitlab/incident-desk.yml`): one zod schema is the
 * single source of the types, the defaults, the generated JSON Schema and the documentation. Every key is
 * optional; every problem in a file is reported at once, with the line and column it is on.
 * Pure: no file system, no environment.
 */
import { z } from 'zod';
import { ADVISORY_ECOSYSTEMS } from '../kernel/advisory.js';
import { checkApprovals, isRecord, quote } from './problems.js';
import { EXTENDS_PATTERN } from './extends.js';

// ---------------------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------------------

/** kebab-case ids of approval groups and deliverables. */
const ID_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
/** A label: 1 to 50 characters, no comma (GitLab's API separates labels with commas), no outer spaces. */
const LABEL_PATTERN = /^[^,\s](?:[^,\r\n]{0,48}[^,\s])?$/;
/** `group/sub/project` or `owner/repo`: at least two segments, none of them `.` or `..`. */
const PROJECT_PATTERN = /^(?!(?:.*\/)?\.{1,2}(?:\/|$))[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+$/;
/** A project, repository, group or owner: one or more segments, none of them `.` or `..`. */
const NAMESPACE_PATTERN = /^(?!(?:.*\/)?\.{1,2}(?:\/|$))[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;
/** A file in the repository: relative, no `..` segment, no control characters (the JSON Schema carries it as is). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const REPO_PATH_PATTERN = /^(?![/\\])(?![A-Za-z]:)(?!(?:.*[/\\])?\.\.(?:[/\\]|$))[^\u0000-\u001f]+$/;
/** A username (`alice`, `@alice`), a GitHub team (`@org/team`) or a GitLab group path (`group/sub`). */
const PERSON_PATTERN = /^@?[A-Za-z0-9_][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/;

const MAX_MINUTES = 30 * 24 * 60;

/** Array members must be unique; a duplicate is reported at its index (also while other entries are bad). */
function uniqueItems<T extends z.ZodType>(item: T, what: string, normalize: (v: string) => string = (v) => v) {
  return z
    .array(item)
    .superRefine(
      (items, ctx) => {
        const seen = new Set<string>();
        (items as unknown[]).forEach((value, index) => {
          if (typeof value !== 'string') return;
          const key = normalize(value);
          if (seen.has(key))
            ctx.addIssue({ code: 'custom', path: [index], message: `${quote(value)} is listed twice in ${what}` });
          seen.add(key);
        });
      },
      { when: (payload) => Array.isArray(payload.value) },
    )
    .meta({ uniqueItems: true });
}

const minutes = (fallback: number, what: string) =>
  z
    .int({ error: `must be a whole number of minutes from 1 to ${MAX_MINUTES}` })
    .min(1, { error: `must be a whole number of minutes from 1 to ${MAX_MINUTES}` })
    .max(MAX_MINUTES, { error: `must be a whole number of minutes from 1 to ${MAX_MINUTES}` })
    .default(fallback)
    .describe(what);

const person = z
  .string({ error: 'must be a username, an `@org/team` or a GitLab group path' })
  .regex(PERSON_PATTERN, {
    error: 'must be a username (`alice`), a GitHub team (`@org/team`) or a GitLab group path (`group/sub`)',
  })
  .max(255);

const namespace = z
  .string({ error: 'must be a project, repository, group or owner path like `acme/web` or `acme`' })
  .regex(NAMESPACE_PATTERN, { error: 'must be a project, repository, group or owner path like `acme/web` or `acme`' })
  .max(255);

const idKey = (what: string) =>
  z
    .string()
    .regex(ID_PATTERN, { error: `${what} ids must be kebab-case, like \`customer-success\`` })
    .max(40);

const groupRef = z
  .string({ error: 'must be a group id (a key of `approvals.groups`)' })
  .min(1, { error: 'must be a group id' });

const groupSchema = z
  .object({
    name: z
      .string({ error: 'every group needs a `name` (shown in the approval matrix)' })
      .min(1, { error: 'must not be empty' })
      .max(100, { error: 'must be at most 100 characters' })
      .describe('Display name of the group, shown in the approval matrix. Required for every group you define.'),
    approvers: uniqueItems(person, 'approvers', (v) => v.replace(/^@/, '').toLowerCase())
      .default(() => [])
      .describe(
        'The designated key approvers: usernames (`alice` or `@alice`), GitHub teams (`@org/team`) or GitLab group ' +
          'paths (`group/sub`). Named in the comms ticket without a ping.',
      ),
    backups: uniqueItems(person, 'backups', (v) => v.replace(/^@/, '').toLowerCase())
      .default(() => [])
      .describe(
        'Back-up approvers, engaged when an approver has not answered within `responseMinutes`. A required group ' +
          'that names approvers must name at least 2 back-ups.',
      ),
  })
  .strict()
  .describe('An approval group: who approves on its behalf, and who backs them up.');

const deliverableSchema = z
  .object({
    name: z
      .string({ error: 'every deliverable needs a `name` (shown in the approval matrix)' })
      .min(1, { error: 'must not be empty' })
      .max(100, { error: 'must be at most 100 characters' })
      .describe('Display name of the deliverable. Required for every deliverable you define.'),
    approve: uniqueItems(groupRef, 'approve')
      .default(() => [])
      .describe('Ids of the groups that must approve this deliverable (one checkbox each in the comms ticket).'),
    fyi: uniqueItems(groupRef, 'fyi')
      .default(() => [])
      .describe('Ids of the groups that are kept informed (FYI only) but do not approve.'),
    dri: groupRef
      .optional()
      .describe(
        'Id of the group that is the DRI of this deliverable (directly responsible: it owns the text and its ' +
          'publication, like Corporate Communications for the media response). Shown in the matrix; its approvers ' +
          'are mentioned when the review of the deliverable starts. It may also approve the deliverable; listed ' +
          'under `fyi` it is shown as the DRI.',
      ),
  })
  .strict()
  .describe('A communications deliverable and the groups that approve it or are informed of it.');

type Group = z.output<typeof groupSchema>;
type Deliverable = z.output<typeof deliverableSchema>;

/** The approval groups of the security communications plan. */
const DEFAULT_GROUPS: Record<string, Group> = {
  security: { name: 'Security', approvers: [], backups: [] },
  legal: { name: 'Legal', approvers: [], backups: [] },
  'customer-success': { name: 'Customer Success', approvers: [], backups: [] },
  support: { name: 'Support', approvers: [], backups: [] },
  'corporate-comms': { name: 'Corporate Communications', approvers: [], backups: [] },
  'investor-relations': { name: 'Investor Relations', approvers: [], backups: [] },
};

/** The plan's approval matrix: who approves each deliverable, who is informed, who is DRI (Corporate Comms: media). */
const DEFAULT_DELIVERABLES: Record<string, Deliverable> = {
  blog: {
    name: 'Blog post',
    approve: ['security', 'legal', 'customer-success', 'investor-relations'],
    fyi: ['support', 'corporate-comms'],
  },
  'customer-email': {
    name: 'Customer email',
    approve: ['security', 'legal', 'customer-success', 'investor-relations'],
    fyi: ['support', 'corporate-comms'],
  },
  'support-faq': {
    name: 'FAQ for support teams',
    approve: ['security', 'legal'],
    fyi: ['customer-success', 'support', 'corporate-comms', 'investor-relations'],
  },
  media: {
    name: 'Media response',
    approve: ['security', 'legal', 'customer-success', 'investor-relations'],
    fyi: ['support'],
    dri: 'corporate-comms',
  },
  social: {
    name: 'Social and forum response',
    approve: ['legal'],
    fyi: ['security', 'customer-success', 'support', 'corporate-comms', 'investor-relations'],
  },
};

const DEFAULT_PHASE_OFFSETS = { 't-5': -5, 't-4': -4, 't-1': -1, disclosure: 0 };
const offsetDays = (fallback: number, what: string) =>
  z
    .int({ error: 'must be a whole number of days from -60 to 0' })
    .min(-60, { error: 'must be a whole number of days from -60 to 0' })
    .max(0, { error: 'must be a whole number of days from -60 to 0' })
    .default(fallback)
    .describe(what);

const phaseOffsetsSchema = z
  .object({
    't-5': offsetDays(DEFAULT_PHASE_OFFSETS['t-5'], 'Days before public disclosure when the "At T-5" phase is due.'),
    't-4': offsetDays(DEFAULT_PHASE_OFFSETS['t-4'], 'Days before public disclosure when the "At T-4" phase is due.'),
    't-1': offsetDays(DEFAULT_PHASE_OFFSETS['t-1'], 'Days before public disclosure when the "At T-1" phase is due.'),
    disclosure: offsetDays(
      DEFAULT_PHASE_OFFSETS.disclosure,
      'Offset of the "On the day of public disclosure" phase (0: the disclosure date).',
    ),
  })
  .strict()
  .default(() => ({ ...DEFAULT_PHASE_OFFSETS }))
  .describe(
    'Days relative to the Public Disclosure Date at which each dated phase of the master checklist is due. Headings ' +
      'show the dates; a phase whose date arrives with open steps is nudged once.',
  );

/** Minutes per severity (`high`, `medium`, `low`), each key optional with its own default. */
function perSeverity(
  defaults: Record<'high' | 'medium' | 'low', number>,
  what: Record<'high' | 'medium' | 'low', string>,
  description: string,
) {
  return z
    .object({
      high: minutes(defaults.high, what.high),
      medium: minutes(defaults.medium, what.medium),
      low: minutes(defaults.low, what.low),
    })
    .strict()
    .default(() => ({ ...defaults }))
    .describe(description);
}

const sitrepSchema = perSeverity(
  { high: 60, medium: 720, low: 1440 },
  {
    high: 'Minutes between situation reports for a high-severity incident.',
    medium: 'Minutes between situation reports for a medium-severity incident.',
    low: 'Minutes between situation reports for a low-severity incident.',
  },
  'Sitrep cadence per severity (`/severity`): when a sitrep is overdue, the app reminds the Incident Manager once ' +
    'per missed window.',
);

/** People to tell per severity: an unacknowledged incident escalates to them, and setting a severity informs them. */
const escalationSchema = z
  .object({
    high: uniqueItems(person, 'escalation.high', (v) => v.replace(/^@/, '').toLowerCase())
      .default(() => [])
      .describe(
        'Told when a high-severity (or not yet assessed) incident is not acknowledged, and when it is set high.',
      ),
    medium: uniqueItems(person, 'escalation.medium', (v) => v.replace(/^@/, '').toLowerCase())
      .default(() => [])
      .describe('Told when a medium-severity incident is not acknowledged, and when it is set medium.'),
    low: uniqueItems(person, 'escalation.low', (v) => v.replace(/^@/, '').toLowerCase())
      .default(() => [])
      .describe('Told when a low-severity incident is not acknowledged, and when it is set low.'),
  })
  .strict()
  .default(() => ({ high: [], medium: [], low: [] }))
  .describe(
    'Who is escalated to, per severity: usernames, GitHub teams (`@org/team`) or GitLab group paths. They are ' +
      'mentioned when an incident of that severity (high until assessed) is not acknowledged within `ackMinutes`, ' +
      'and once when `/severity` sets that level (security leadership for a high one, say).',
  );

const DEFAULT_REQUIRED = ['security', 'legal', 'customer-success', 'investor-relations'];
const cutoffSchema = perSeverity(
  { high: 360, medium: 720, low: 1440 },
  {
    high: 'Minutes from the start of drafting to the approval cut-off for a high-impact (S1) incident.',
    medium: 'Minutes to the approval cut-off for a medium-impact incident.',
    low: 'Minutes to the approval cut-off for a low-impact incident.',
  },
  'Per severity, minutes from the start of drafting (the "Drafting started" step or `/drafting` on the comms ticket; ' +
    'its creation when nobody says) to the cut-off announced when a review starts, after which a deliverable goes ' +
    'out once `quorum` of its required groups approved.',
);

const approvalsObject = z
  .object({
    groups: z
      .record(idKey('group'), groupSchema)
      .default(() => structuredClone(DEFAULT_GROUPS))
      .describe(
        'Approval groups by kebab-case id. When given, this map REPLACES the default map (Security, Legal, Customer ' +
          'Success, Support, Corporate Communications, Investor Relations): list every group the deliverables and ' +
          '`required` name.',
      ),
    deliverables: z
      .record(idKey('deliverable'), deliverableSchema)
      .default(() => structuredClone(DEFAULT_DELIVERABLES))
      .describe(
        'Communications deliverables by kebab-case id, in the order of the approval matrix. When given, this map ' +
          'REPLACES the default map (blog, customer-email, support-faq, media, social).',
      ),
    required: uniqueItems(groupRef, 'required')
      .default(() => [...DEFAULT_REQUIRED])
      .describe('Ids of the required groups: communications go out at the cut-off once `quorum` of them approved.'),
    quorum: z
      .int({ error: 'must be a whole number, at least 1' })
      .min(1, { error: 'must be a whole number, at least 1' })
      .max(100, { error: 'must be at most 100' })
      .default(2)
      .describe(
        'How many of the `required` groups must have approved a deliverable for it to go ahead at the cut-off, ' +
          'counted among the required groups that approve that deliverable: one that fewer required groups approve ' +
          'needs all of them, one that no required group approves never goes ahead at quorum. At most the number ' +
          'of required groups.',
      ),
    responseMinutes: minutes(30, 'Minutes each approver has to answer before their back-ups are engaged.'),
    cutoffMinutes: cutoffSchema,
  })
  .strict()
  .superRefine(checkApprovals, { when: (payload) => isRecord(payload.value) });

const DEFAULT_ADVISORIES = {
  syncMinutes: 60,
  ecosystem: 'other' as const,
  package: null,
  draftsFrom: [] as string[],
  draftMaxAgeHours: 24,
};

/** At most this many repositories are watched for drafts: each costs one listing per `syncMinutes`. */
export const MAX_DRAFT_REPOSITORIES = 20;

const advisoriesSchema = z
  .object({
    syncMinutes: minutes(
      DEFAULT_ADVISORIES.syncMinutes,
      "How often, at most, the sweep reads an open incident's advisory for what GitHub sends no webhook for (a CVE " +
        'assigned, a severity or state changed, a withdrawal).',
    ),
    ecosystem: z
      .enum(ADVISORY_ECOSYSTEMS, { error: `must be one of ${ADVISORY_ECOSYSTEMS.join(', ')}` })
      .default(DEFAULT_ADVISORIES.ecosystem)
      .describe('The package ecosystem a new draft advisory names as affected (GitHub requires one).'),
    package: z
      .string({ error: 'must be a package name, or null' })
      .min(1, { error: 'must not be empty' })
      .max(214, { error: 'must be at most 214 characters' })
      .nullable()
      .default(DEFAULT_ADVISORIES.package)
      .describe("The package a new draft advisory names as affected. null: the advisory repository's name."),
    draftsFrom: uniqueItems(
      z
        .string({ error: 'must be a repository path like `owner/repo`' })
        .regex(PROJECT_PATTERN, { error: 'must be a repository path like `owner/repo`' })
        .max(255),
      'advisories.draftsFrom',
      (v) => v.toLowerCase(),
    )
      .max(MAX_DRAFT_REPOSITORIES, { error: `must list at most ${MAX_DRAFT_REPOSITORIES} repositories` })
      .default(() => [])
      .describe(
        "GitHub. Read from the incident project's own configuration (for the incident projects with an open master) " +
          "and from the installation owner's shared configuration (`<owner>/.github`, for the `incidentProject` it " +
          'names). Repositories whose draft security advisories created by a maintainer (GitHub sends no webhook for ' +
          'those) open incidents there, like a private vulnerability report: the sweep lists their drafts at most ' +
          'every `syncMinutes`. Only drafts created within `draftMaxAgeHours` are taken in, never the ones the app ' +
          "drafted itself; each repository's own configuration must send its reports to that incident project, " +
          'which must take them (itself or `reportsFrom`). [] (the default): none, and nothing is listed.',
      ),
    draftMaxAgeHours: z
      .int({ error: 'must be a whole number of hours from 1 to 720' })
      .min(1, { error: 'must be a whole number of hours from 1 to 720' })
      .max(720, { error: 'must be a whole number of hours from 1 to 720' })
      .default(DEFAULT_ADVISORIES.draftMaxAgeHours)
      .describe(
        'How old, at most, a draft in `draftsFrom` may be to open an incident (counted from its creation; never less ' +
          'than two `syncMinutes`): a repository newly listed brings in only its recent drafts, not its backlog.',
      ),
  })
  .strict()
  .default(() => ({ ...DEFAULT_ADVISORIES, draftsFrom: [] }))
  .describe('GitHub repository security advisories: how they are kept in sync, and what a new draft names.');

/** The configuration schema: the single source of the types, the defaults and the JSON Schema. */
export const configSchema = z
  .object({
    label: z
      .string({ error: 'must be a label name' })
      .regex(LABEL_PATTERN, {
        error: 'must be a label name of 1 to 50 characters, without commas or leading/trailing spaces',
      })
      .default('incident')
      .describe(
        'The trigger label: an issue opened with it, or labeled with it later, becomes (or opens) an incident.',
      ),
    incidentProject: z
      .string({ error: 'must be a project path like `group/project` or `owner/repo`, or null' })
      .regex(PROJECT_PATTERN, { error: 'must be a project path like `group/project` or `owner/repo`' })
      .nullable()
      .default(null)
      .describe(
        'Project (`group/sub/project`) or repository (`owner/repo`) where master tickets live. null: the source ' +
          "issue's own project. Required (and must be private) to handle issues of a public GitHub repository.",
      ),
    reportsFrom: uniqueItems(namespace, 'reportsFrom', (v) => v.toLowerCase())
      .default(() => [])
      .describe(
        "Read from the incident project's own configuration, and only there. Projects or repositories, or whole " +
          'groups and owners (`acme` covers `acme/web`), whose reports may open incidents in this project besides ' +
          'the project itself. A project whose configuration names this one as its `incidentProject` is refused ' +
          'unless it is listed here: its report is protected (made confidential on GitLab; ' +
          '`incident::needs-config` on a public GitHub repository) and nothing is created.',
      ),
    trackingFrom: uniqueItems(namespace, 'trackingFrom', (v) => v.toLowerCase())
      .default(() => [])
      .describe(
        "Read from the incident project's own configuration, and only there. Projects or repositories, or whole " +
          'groups and owners, whose issues may become tracking tickets of incidents in this project (by the label ' +
          '`incident-id::<ID>` or `[<ID>]` in the title), besides this project, the ones in `reportsFrom` and the ' +
          "project an incident's report came from. The person who labelled or titled the issue must also have " +
          'triage (GitHub) or Reporter (GitLab) access or more to this project.',
      ),
    releaseProject: z
      .string({ error: 'must be a project path like `group/project` or `owner/repo`, or null' })
      .regex(PROJECT_PATTERN, { error: 'must be a project path like `group/project` or `owner/repo`' })
      .nullable()
      .default(null)
      .describe(
        'Where release tickets are opened. null: the incident project. Ignored when `children` has no `release`.',
      ),
    publicSource: z
      .enum(['redact', 'delete'], { error: 'must be `redact` or `delete`' })
      .default('redact')
      .describe(
        'What happens to a public GitHub source issue once its details were moved to the private incident project: ' +
          '`redact` (title and body replaced by a notice, conversation locked) or `delete` (needs admin rights; ' +
          'redacts when refused).',
      ),
    idPrefix: z
      .string({ error: 'must be 2 to 10 characters: an uppercase letter, then uppercase letters or digits' })
      .regex(/^[A-Z][A-Z0-9]{1,9}$/, {
        error:
          'must be 2 to 10 characters: an uppercase letter, then uppercase letters or digits (like `INC` or `SEC1`)',
      })
      .default('INC')
      .describe(
        'Prefix of incident identifiers when the issue names no CVE: `<idPrefix>-<year>-<master number>`, like ' +
          '`INC-2026-42`.',
      ),
    handbookUrl: z
      .url({
        protocol: /^https?$/,
        error: 'must be an http or https URL, like `https://handbook.example.com/security`',
      })
      .max(2048, { error: 'must be at most 2048 characters' })
      .meta({ pattern: '^[hH][tT][tT][pP][sS]?://' })
      .nullable()
      .default(null)
      .describe(
        "Handbook the checklist's 🔗 links point at (one section per step). null: the handbook this app serves at " +
          '`PUBLIC_URL/handbook`.',
      ),
    templates: z
      .object({
        incident: repoPath('Template of the master block (Handlebars markdown).'),
        release: repoPath('Template of the release ticket (Handlebars markdown).'),
        comms: repoPath('Template of the communications ticket (Handlebars markdown).'),
        task: repoPath('Template of a tracking ticket opened with `/task` (Handlebars markdown).'),
        report: repoPath(
          'Template of the incident report posted when the incident is resolved or closed, and by `/report` ' +
            '(Handlebars markdown).',
        ),
        advisory: repoPath(
          'Template of the description of the draft advisory `/advisory` writes (GitHub; Handlebars markdown).',
        ),
        publicSummary: repoPath(
          'Template of the public summary `/disclose lift confirm` posts on a redacted public source (GitHub; ' +
            'Handlebars markdown).',
        ),
      })
      .strict()
      .default(() => ({}))
      .describe(
        "Paths of Handlebars templates in the configuration's repository (default branch) that replace the built-in " +
          'ones. Relative paths, no `..` segments.',
      ),
    children: uniqueItems(z.enum(['release', 'comms'], { error: 'must be `release` or `comms`' }), 'children')
      .default((): ('release' | 'comms')[] => ['release', 'comms'])
      .describe('Which confidential child tickets intake opens next to the master: `release`, `comms`. Empty: none.'),
    phaseOffsets: phaseOffsetsSchema,
    sitrepMinutes: sitrepSchema,
    handoffMinutes: minutes(
      60,
      'Minutes a pending `/handoff` may wait for `/accept` before the app reports it (once) on the master.',
    ),
    closeGuard: z
      .boolean({ error: 'must be true or false' })
      .default(true)
      .describe(
        'Closing the master while tracking tickets (or the release or communications ticket) are open reopens it, ' +
          'with a comment listing the open ones.',
      ),
    taskDueDays: z
      .int({ error: 'must be a whole number of days from 1 to 365' })
      .min(1, { error: 'must be a whole number of days from 1 to 365' })
      .max(365, { error: 'must be a whole number of days from 1 to 365' })
      .default(7)
      .describe(
        'The SLA of a tracking ticket: `/task` without `due YYYY-MM-DD` sets its due date this many days ahead.',
      ),
    _extends: z
      .string({ error: 'must name a file to inherit from, like `other-repo`, `owner/repo` or `owner/repo:path.yml`' })
      .regex(EXTENDS_PATTERN, {
        error:
          'must name a file to inherit from: a project (`other-repo`, `owner/repo`, `group/sub/project`), ' +
          'optionally followed by `:path/to/file.yml`',
      })
      .optional()
      .describe(
        "Probot's `_extends`: inherit from another project's file and override it here. A bare name is a project " +
          "beside this one (same owner or group); without `:path`, the other project's file at this file's path. The " +
          'files are deep-merged (mappings key by key; a list or value here replaces the inherited one), up to five ' +
          'files deep. Template paths are read from this project.',
      ),
    ackMinutes: minutes(
      10,
      'Minutes the Incident Manager has to acknowledge a declared incident (`/ack`, or any command or tick of ' +
        'theirs) before the app escalates to the `escalation` list of its severity (high while none is assessed); ' +
        'it escalates again after every further such window without an acknowledgement.',
    ),
    escalation: escalationSchema,
    postMortem: z
      .enum(['comment', 'issue'], { error: 'must be `comment` or `issue`' })
      .default('comment')
      .describe(
        'Where the incident report goes when the incident is resolved or closed: `comment` (a comment on the ' +
          'master) or `issue` (a confidential post-mortem ticket in the incident project, owned by the Incident ' +
          'Manager, linked from the Post-mortem row of Quick Links and tracked like a `/task`).',
      ),
    advisoryRepository: z
      .string({ error: 'must be a repository path like `owner/repo`, or null' })
      .regex(PROJECT_PATTERN, { error: 'must be a repository path like `owner/repo`' })
      .nullable()
      .default(null)
      .describe(
        'GitHub: the repository whose security advisory `/advisory` drafts. null: the repository the incident was ' +
          "reported in (the advisory's own repository for a private vulnerability report, else the source issue's, " +
          "else the master's).",
      ),
    advisories: advisoriesSchema,
    approvals: approvalsObject
      .default(() => approvalsObject.parse({}))
      .describe(
        'The approval matrix of the communications ticket. Keys you leave out keep their defaults (`approvals: { ' +
          'quorum: 3 }` keeps the default groups and deliverables), but a `groups` or `deliverables` map you give ' +
          'replaces the default map as a whole.',
      ),
  })
  .strict()
  .meta({
    title: 'incident-desk configuration',
    description:
      'Configuration of incident-desk, read from `.github/incident-desk.yml` (GitHub) or ' +
      '`.gitlab/incident-desk.yml` (GitLab). Every key is optional.',
  });

export type IncidentDeskConfig = z.output<typeof configSchema>;

function repoPath(description: string) {
  return z
    .string({ error: 'must be a file path in the repository' })
    .regex(REPO_PATH_PATTERN, {
      error: 'must be a relative path inside the repository (no leading `/`, no `..` segments)',
    })
    .max(1024, { error: 'must be at most 1024 characters' })
    .optional()
    .describe(description);
}

// ---------------------------------------------------------------------------------------------------------
// Defaults and JSON Schema
// ---------------------------------------------------------------------------------------------------------

/** The configuration when no file exists (deep-frozen: it is shared). */
export const DEFAULT_CONFIG: IncidentDeskConfig = deepFreeze(configSchema.parse({}));

/** The JSON Schema of the configuration file, as an editor validates it: defaults shown, no key required. */
export function configJsonSchema(): object {
  return z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' });
}

/** Freezes `value` and everything it holds: a configuration shared between events cannot be changed by one of them. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
