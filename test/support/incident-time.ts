/** The moment every incident of the scenario tests is opened. */
export const T0 = new Date('2026-11-22T10:00:00Z');

/** `n` minutes after T0. */
export const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

/** The description with one box of the app's checklist ticked, as a person saves it. */
export const tickIn = (body: string, stepId: string) => body.replace(new RegExp(`- \\[ \\] (.*<!-- step:${stepId} -->)`), '- [x] $1');
