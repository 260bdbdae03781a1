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

/**
 * The answer of a read, or null when the tracker answers 404 (the thing is gone, or out of the app's sight). Any
 * other failure is thrown as it came: only "not there" is an answer.
 */
export async function orNotFound<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
