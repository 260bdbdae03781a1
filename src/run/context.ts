import type { TemplateSources } from '../templates/renderer.js';
import type { Tracker } from '../tracker/port.js';
import type { DeliveryGuard } from '../server/coordination/delivery-guard.js';
import type { KeyedLock } from '../server/coordination/keyed-lock.js';
import type { Batches } from '../server/coordination/coalesce.js';
import type { Logger } from '../server/logger.js';
import type { StateKeys } from '../server/state-seal.js';
import type { SettingsCache, SettingsContext } from '../config/load.js';
import type { SweepSchedule } from '../server/coordination/sweep-schedule.js';

/** Everything a handler needs to handle an event from one tracker: the guarded tracker, locks, clock, settings. */
export interface EventContext {
  tracker: Tracker;
  /** True when the actor is the app itself: its own events are never answered. */
  isSelf(actor: { username: string; id: number }): Promise<boolean>;
  deliveries: DeliveryGuard;
  locks: KeyedLock;
  /**
   * Folds the events that queue behind one incident's lock into one read and one write (`withMaster` with
   * `coalesce`); without it every event runs on its own.
   */
  batches?: Batches;
  /** Lets the next queued event of this incident start while this one waits in a batch (the server's work queue). */
  yieldTurn?: () => void;
  /** The handbook the 🔗 links point at when `handbookUrl` is not configured. */
  handbookUrl: string;
  defaultTemplates: TemplateSources;
  /** Parsed configurations and compiled templates, kept for the server's life (see `SettingsCache`). */
  settingsCache?: SettingsCache;
  /** The settings this event has read, by project: each is read once per event (see `SettingsContext`). */
  settingsRead?: SettingsContext['settingsRead'];
  log: Logger;
  /** The clock (tests pass a fixed one); the core never reads one itself. */
  now?: () => Date;
  /**
   * When the sweep last listed each watched repository's draft advisories (lower-case `owner/repo` → epoch ms), kept by
   * the server for its life; without it the sweep lists them at every pass.
   */
  draftListings?: Map<string, number>;
  /** The keys of the hidden state's signature on this tracker (see `StateSeal`). */
  stateKeys: StateKeys;
  /** Told of every event that may have changed an incident, so that the next sweep lists (see `sweepOnSchedule`). */
  sweepSchedule?: Pick<SweepSchedule, 'changed'>;
}

export type EventOutcome = 'ignored-self' | 'duplicate' | 'not-a-trigger' | 'config-error' | 'stopped' | 'done';
