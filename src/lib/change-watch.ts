/**
 * When a follower looks at its file again: on events from a watch on the
 * file's folder, on a stat poll as a safety net where events do not arrive
 * (network shares, containers), and once an idle timer runs out.
 */
import { watch, type FSWatcher } from 'node:fs';
import { timerDelay } from './durations';

export interface ChangeWatchTarget {
  /** The followed file's folder. */
  dir: string;
  /** The followed file's name in `dir`. */
  base: string;
  /** Something may have changed. */
  changed(): void;
  /** Any name's event counts, not only the file's: rotated files (under other names) are being finished. */
  everyNameCounts(): boolean;
}

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

  constructor(private readonly target: ChangeWatchTarget) {}

  /** Watches and polls as `settings` say; the first look is the caller's. */
  start(settings: ChangeWatchSettings): void {
    const watching = settings.watch;
    if (watching) this.watchFolder();
    if (settings.pollIntervalMs > 0) {
      this.pollTimer = setInterval(() => {
        if (watching && !this.watcher) this.watchFolder();
        this.target.changed();
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
      this.watcher = watch(this.target.dir, { persistent: false }, (_event, name) => {
        if (name === this.target.base || this.target.everyNameCounts() || name === null) this.target.changed();
      });
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
