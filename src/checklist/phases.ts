import type { PhaseDefinition, StepDefinition } from './phase-types.js';

/**
 * The checklists the app writes into tickets. Step ids are stable forever: they are the hidden markers that
 * remember a tick and the anchors of the handbook (docs/handbook.md). Rename the text freely, never the id.
 * Ids are unique across all three lists; `approve-…` is reserved for the approval boxes of the comms ticket.
 */

/** The master ticket's checklist: the phases around the public disclosure date (T-5 = five days before). */
export const INCIDENT_PHASES: readonly PhaseDefinition[] = [
  {
    id: 'before-t5',
    title: 'Earlier than T-5',
    offsetDays: null,
    dueWith: 't-5',
    steps: [
      { id: 'pick-deputy', role: 'IM', text: 'Choose a deputy incident manager and name them in Quick Links' },
      { id: 'respond-reporter', role: 'IM', text: 'Acknowledge the report and tell the reporter what happens next' },
      { id: 'open-post-mortem', role: 'IM', text: 'Start the post-mortem document and link it in Quick Links' },
      {
        id: 'check-public-leaks',
        role: 'SwEng',
        text: 'Make sure no public change request or discussion already gives the problem away',
      },
      { id: 'assign-cve', role: 'IM', text: 'Obtain a CVE identifier for the vulnerability' },
      { id: 'record-cve-cvss', role: 'SwEng', text: 'Record the CVE identifier and the CVSS score in this ticket' },
      { id: 'scope-versions', role: 'SwEng', text: 'Work out which versions and editions are affected' },
      { id: 'find-workarounds', role: 'SwEng', text: 'Find out whether a workaround or mitigation exists' },
      {
        id: 'coordinate-parties',
        role: 'SwEng',
        text: 'Coordinate with other affected parties (upstream projects, vendors) where needed',
      },
      { id: 'early-notifications', role: 'Support', text: 'Send the earliest notifications to those entitled to them' },
      { id: 'draft-advisory', role: 'Support', text: 'Open a draft security advisory with everything known so far' },
      {
        id: 'private-reproducer',
        role: 'SwEng',
        text: 'Prepare a private change with a test that reproduces the problem',
      },
      { id: 'announce-reproducer', role: 'SwEng', text: 'Tell Support that the reproducer is ready' },
      { id: 'explain-code-flow', role: 'SwEng', text: 'Write down how the code reaches the vulnerable state' },
      { id: 'private-fix', role: 'SwEng', text: 'Prepare a private change with the fix' },
      { id: 'review-fix', role: 'SwEng', text: 'Get the fix reviewed, with no discussion left open' },
      { id: 'review-fix-docs', role: 'Support', text: 'Review the documentation changes that come with the fix' },
      { id: 'backport-fix', role: 'SwEng', text: 'Backport the fix to every affected branch that is still maintained' },
      { id: 'finish-advisory', role: 'Support', text: 'Complete the security advisory' },
      {
        id: 'cycle-tracking-ticket',
        role: 'QA',
        text:
          'Create or update the private ticket that lists the fixes and reproducers of every CVE in this ' +
          'release cycle',
      },
      { id: 'merge-in-cve-order', role: 'QA', text: 'Merge the fixes in the order of their CVE identifiers' },
      {
        id: 'standalone-patches',
        role: 'QA',
        text: 'Prepare a standalone patch against the latest stable release of each affected branch',
      },
      {
        id: 'prepare-early-releases',
        role: 'QA',
        text: 'Build the releases for advance notification, as the release checklist describes',
      },
    ],
  },
  {
    id: 't-5',
    title: 'At T-5',
    offsetDays: -5,
    steps: [
      {
        id: 'send-advance-notice',
        role: 'Support',
        text: 'Send the advance security notification to eligible customers',
      },
    ],
    links: [
      {
        text:
          'The public pre-announcement of the release lives on the release ticket: written on day one, sent on day ' +
          'two, published on day three (security lead, marketing)',
        ticket: 'release',
        stepIds: ['release-write-pre-announcement', 'release-send-pre-announcement', 'release-post-pre-announcement'],
      },
    ],
  },
  {
    id: 't-4',
    title: 'At T-4',
    offsetDays: -4,
    steps: [
      {
        id: 'verify-advance-notice',
        role: 'Support',
        text: 'Confirm that every eligible customer received the advance notification',
      },
    ],
  },
  {
    id: 't-1',
    title: 'At T-1',
    offsetDays: -1,
    steps: [
      {
        id: 'notify-late-customers',
        role: 'Support',
        text: 'Confirm that new or returning customers received the advance notification too',
      },
      { id: 'notify-packagers', role: 'First IM', text: 'Notify the operating system and distribution packagers' },
    ],
  },
  {
    id: 'disclosure',
    title: 'On the day of public disclosure',
    offsetDays: 0,
    steps: [
      { id: 'clear-for-release', role: 'IM', text: 'Give Support the go-ahead to publish' },
      { id: 'publish-releases', role: 'Support', text: 'Publish the releases, as the release checklist describes' },
      { id: 'publish-advisory', role: 'Support', text: "Raise the advisory's document version and publish it" },
      { id: 'notify-third-parties', role: 'First IM', text: 'Send the disclosure notices to third parties' },
      {
        id: 'notify-cve-authority',
        role: 'First IM',
        text: 'Tell the CVE numbering authority that the CVEs are now public',
      },
      { id: 'merge-advisory', role: 'First IM', text: 'Merge the change that holds the advisory' },
      {
        id: 'close-loop-reporter',
        role: 'IM',
        text: 'Tell the reporter (when external) that the disclosure is complete',
      },
      { id: 'tell-customers-fixed', role: 'Support', text: 'Tell customers that a fix is available' },
    ],
  },
  {
    id: 'after',
    title: 'After public disclosure',
    offsetDays: null,
    steps: [
      {
        id: 'hold-post-mortem',
        role: 'IM',
        text: 'Hold the post-mortem with everyone involved and complete the post-mortem document',
      },
      { id: 'record-lessons', role: 'IM', text: 'Turn the lessons learned into follow-up tickets, each with an owner' },
      {
        id: 'lift-confidentiality',
        role: 'IM',
        text: 'Make the disclosure tickets public, only once everything about the incident is public',
      },
      {
        id: 'close-tracking-tickets',
        role: 'IM',
        text: 'Close the related tickets, then this one, once every follow-up is resolved',
      },
    ],
  },
];

/** The release ticket's schedule: about a week from the first patch to public packages; every step has an owner. */
export const RELEASE_PHASES: readonly PhaseDefinition[] = [
  {
    id: 'first-steps',
    title: 'First steps',
    offsetDays: null,
    steps: [
      {
        id: 'release-scope',
        role: 'security lead',
        text:
          'Record in this ticket which releases are vulnerable and which will be patched, with a link to the ' +
          'fix once it exists',
      },
      {
        id: 'release-security-branch',
        role: 'dev team',
        text: 'Create a private security branch to push the patches to',
      },
      {
        id: 'release-draft-change',
        role: 'dev team',
        text: 'Open a draft change request assigned to the release manager of the current release',
      },
      {
        id: 'release-mitigate',
        role: 'infrastructure',
        text:
          'Mitigate the problem in production and on other vulnerable hosts, and open an infrastructure ticket ' +
          'describing the mitigation and its impact',
      },
    ],
  },
  {
    id: 'day-1',
    title: 'Day one',
    offsetDays: -3,
    steps: [
      {
        id: 'release-merge-patches',
        role: 'dev team',
        text: 'Merge every patch into the private development repository',
      },
      { id: 'release-fix-builds', role: 'release managers', text: 'Fix any build failures' },
      {
        id: 'release-write-pre-announcement',
        role: 'security lead',
        text: 'Write the pre-announcement of the security release',
      },
      {
        id: 'release-contact-packagers',
        role: 'security lead',
        text: 'Contact the downstream package maintainers about the coming announcement',
      },
    ],
    links: [
      {
        text: 'The CVE identifier is obtained on the incident ticket, earlier than T-5 (IM)',
        ticket: 'master',
        stepIds: ['assign-cve'],
      },
    ],
  },
  {
    id: 'day-2',
    title: 'Day two',
    offsetDays: -2,
    steps: [
      {
        id: 'release-cherry-pick',
        role: 'release managers',
        text: 'Cherry-pick every patch onto each release being patched',
      },
      { id: 'release-validate-current', role: 'dev team', text: 'Validate the security fixes on the current release' },
      {
        id: 'release-draft-blog',
        role: 'security lead',
        text: 'Draft the private blog post about the update, including mitigation steps and web server workarounds',
      },
      {
        id: 'release-send-pre-announcement',
        role: 'customer relations / marketing',
        text: 'Send the pre-announcement to the security mailing list and known contacts',
      },
    ],
  },
  {
    id: 'day-3',
    title: 'Day three',
    offsetDays: -1,
    steps: [
      {
        id: 'release-post-pre-announcement',
        role: 'security lead',
        text: 'Publish the pre-announcement on the website',
      },
      {
        id: 'release-build-test-packages',
        role: 'release managers',
        text: 'Build test packages for staging and production',
      },
      { id: 'release-deploy-staging', role: 'release managers', text: 'Deploy to staging' },
      { id: 'release-deploy-production', role: 'infrastructure', text: 'Deploy to production' },
      {
        id: 'release-build-packages',
        role: 'packaging team',
        text: 'Build the packages for every patched version into the private package repository',
      },
      { id: 'release-write-cve-post', role: 'security lead', text: 'Write the blog post that names the CVE' },
      {
        id: 'release-remove-mitigation',
        role: 'infrastructure',
        text: 'Remove the mitigation from the infrastructure hosts and close its ticket',
      },
    ],
  },
  {
    id: 'day-4-noon',
    title: 'Day four, before 12:00 UTC',
    offsetDays: 0,
    dueTime: '12:00',
    steps: [
      {
        id: 'release-validate-all',
        role: 'dev team / security lead',
        text: 'Validate the security fixes on every patched release',
      },
      {
        id: 'release-write-cve-notice',
        role: 'security lead',
        text: 'Write the CVE notice for the CVE numbering authority',
      },
    ],
  },
  {
    id: 'day-4-end',
    title: 'Day four, before 23:59 UTC',
    offsetDays: 0,
    dueTime: '23:59',
    steps: [
      {
        id: 'release-publish-packages',
        role: 'packaging team',
        text: 'Publish the security packages to the public package repository',
      },
      { id: 'release-publish-images', role: 'packaging team', text: 'Publish the patched container images' },
      { id: 'release-update-hosted', role: 'infrastructure', text: 'Update the other hosted instances' },
      {
        id: 'release-publish-code',
        role: 'release managers',
        text: 'Publish the patched code to the public repository',
      },
      {
        id: 'release-version-entries',
        role: 'release managers',
        text: 'Add the new versions to the version check service',
      },
      { id: 'release-publish-blog', role: 'marketing', text: 'Publish the blog post' },
      { id: 'release-announce', role: 'marketing', text: 'Announce the release by email and on social media' },
      {
        id: 'release-acknowledgements',
        role: 'security lead',
        text: 'Update the list of vulnerability acknowledgements',
      },
      {
        id: 'release-thank-reporters',
        role: 'security lead',
        text: 'Follow up with the reporters to inform and thank them',
      },
      {
        id: 'release-approve-disclosure',
        role: 'security lead',
        text: "Approve the reporters' requests for public disclosure on the bug bounty platform",
      },
    ],
    links: [
      {
        text: 'The CVE numbering authority is told on the incident ticket, on the day of public disclosure (First IM)',
        ticket: 'master',
        stepIds: ['notify-cve-authority'],
      },
      {
        text: 'The disclosure tickets are made public from the incident ticket, after public disclosure (IM)',
        ticket: 'master',
        stepIds: ['lift-confidentiality'],
      },
    ],
  },
  {
    id: 'afterwards',
    title: 'Afterwards',
    offsetDays: null,
    steps: [],
    links: [
      {
        text: 'The lessons learned are written up on the incident ticket, after public disclosure (IM)',
        ticket: 'master',
        stepIds: ['record-lessons'],
      },
    ],
  },
];

/** The communications ticket's process steps; each approval box links to `comms-approvals-requested`. */
export const COMMS_STEPS: readonly StepDefinition[] = [
  { id: 'comms-assign-owner', role: 'SIMOC', text: 'Assign this ticket to the SecCMOC who runs the communications' },
  {
    id: 'comms-drafting-started',
    role: 'SecCMOC',
    text: 'Drafting of the deliverables has started (the approval cut-off counts from this tick)',
  },
  { id: 'comms-ready-for-review', role: 'SecCMOC', text: 'Drafts of every deliverable are ready for review' },
  {
    id: 'comms-cutoff-announced',
    role: 'SecCMOC',
    text: 'The cut-off time for approvals is announced in the chat channel and here',
  },
  {
    id: 'comms-approvals-requested',
    role: 'SecCMOC',
    text: 'The approvers of every deliverable are asked for their approval',
  },
  {
    id: 'comms-deliverables-published',
    role: 'external communications',
    text: 'Every approved deliverable is published or sent',
  },
  { id: 'comms-ticket-closed', role: 'SecCMOC', text: 'Final versions are linked here and the ticket is closed' },
];

/** Every step id of every checklist, in order. */
export function allStepIds(): string[] {
  return [
    ...INCIDENT_PHASES.flatMap((p) => p.steps.map((s) => s.id)),
    ...RELEASE_PHASES.flatMap((p) => p.steps.map((s) => s.id)),
    ...COMMS_STEPS.map((s) => s.id),
  ];
}
