/** The hidden markers of the incident report's comments: the report of a conclusion, and `/report`'s preview. */
export const REPORT_MARKERS = {
  report: '<!-- incident-desk:report -->',
  preview: '<!-- incident-desk:report-preview -->',
} as const;
