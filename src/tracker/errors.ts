/** A tracker API call failed. Adapters throw it with the HTTP status and the original error; they never swallow it. */
export class TrackerError extends Error {
  override readonly name = 'TrackerError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for a 404 from the tracker. */
export function isNotFound(error: unknown): boolean {
  return error instanceof TrackerError && error.status === 404;
}
