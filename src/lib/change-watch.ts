/**
 * When a follower looks at its file again: on events from a watch on the
 * file's folder, on a stat poll as a safety net where events do not arrive
 * (network shares, containers), and once an idle timer runs out.
 */
import { watch, type FSWatcher } from 'node:fs';
import { timerDelay } from './durations';

/**
 * Told that something in the folder may have changed: `name` is the entry an
 * event was about, or null when that is not known (a poll, or an event the
 * system gave no name).
 */
export type ChangeListener = (name: string | null) => void;

export interface ChangeWatchSettings {
  /** Watch the folder; off when a watcher elsewhere tells the follower. */
  watch: boolean;
  /** Look this often whatever the watch says; 0 = never. */
  pollIntervalMs: number;
}

export class ChangeWatch {
  private watcher: FSWatcher | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    /** The followed file's folder. */
    private readonly dir: string,
    private readonly changed: ChangeListener,
  ) {}

  /** Watches and polls as `settings` say; the first look is the caller's. */
  start(settings: ChangeWatchSettings): void {
    const watching = settings.watch;
    if (watching) this.watchFolder();
    if (settings.pollIntervalMs > 0) {
      this.pollTimer = setInterval(() => {
        if (watching && !this.watcher) this.watchFolder();
        this.changed(null);
      }, timerDelay(Math.max(10, settings.pollIntervalMs)));
      this.pollTimer.unref?.();
    }
  }

  /** Ends the watch, the poll and an armed idle timer. */
  stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
    clearInterval(this.pollTimer);
    clearTimeout(this.idleTimer);
  }

  get idleArmed(): boolean {
    return this.idleTimer !== undefined;
  }

  /** Calls `idle` once, `delayMs` from now. */
  armIdle(delayMs: number, idle: () => void): void {
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      idle();
    }, timerDelay(delayMs));
    this.idleTimer.unref?.();
  }

  private watchFolder(): void {
    try {
      this.watcher = watch(this.dir, { persistent: false }, (_event, name) => this.changed(name));
      this.watcher.on('error', () => {
        // The folder went away or the system ran out of watches: the poll
        // carries on and tries to watch again.
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined;
    }
  }
}
