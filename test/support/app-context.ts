import { Writable } from 'node:stream';
import { createLogger } from '../../src/server/logger.js';
import { SettingsCache } from '../../src/config/load.js';
import { loadDefaultTemplates } from '../../src/templates/load.js';
import { MemoryDeliveryGuard } from '../../src/server/coordination/delivery-guard.js';
import type { EventContext } from '../../src/run/context.js';
import { MemoryKeyedLock } from '../../src/server/coordination/keyed-lock.js';
import type { Logger } from '../../src/server/logger.js';
import type { Tracker } from '../../src/tracker/port.js';
import { TEST_STATE_KEYS } from './state.js';

/** A logger that keeps what was logged, for assertions (and so tests print nothing). */
export function memoryLogger(): Logger & { lines: Array<{ level: string; obj: object; msg: string }> } {
  const lines: Array<{ level: string; obj: object; msg: string }> = [];
  const at = (level: string) => (obj: object, msg: string) => {
    lines.push({ level, obj, msg });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** An event context over a tracker with fresh guards; the app acts as `selfName`. */
export async function eventContext(
  tracker: Tracker,
  selfName = 'incident-desk[bot]',
  now?: () => Date,
): Promise<EventContext & { log: ReturnType<typeof memoryLogger> }> {
  return {
    tracker,
    isSelf: async (actor) => actor.username === selfName,
    deliveries: new MemoryDeliveryGuard(),
    locks: new MemoryKeyedLock(),
    handbookUrl: 'https://desk.example/handbook',
    defaultTemplates: await loadDefaultTemplates(),
    settingsCache: new SettingsCache(),
    draftListings: new Map(),
    log: memoryLogger(),
    stateKeys: TEST_STATE_KEYS,
    ...(now ? { now } : {}),
  };
}

/** The production logger (pino, with its redaction) writing its JSON lines into an array. */
export function captureLog() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, log: createLogger('info', stream) };
}
