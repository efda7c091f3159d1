/**
 * How a dir-watch follows its folder now, told to its sink when that
 * changes. While the folder is missing, it is looked for every second.
 */
import { timerDelay } from './durations';

/** `refused`: the folder lies on a pseudo file system, which the options do not allow. */
export type DiscoveryMode = 'events' | 'polling' | 'missing' | 'refused';

/** How often a missing folder is looked for. */
const MISSING_CHECK_MS = 1000;

export class DiscoveryModeState {
  private current: DiscoveryMode | undefined;
  private missingTimer: NodeJS.Timeout | undefined;

  constructor(
    /** Tells a new mode (DiscoverySink.mode). */
    private readonly tell: (mode: DiscoveryMode) => void,
    /** Looks for the missing folder (a rescan). */
    private readonly lookForRoot: () => void,
    /** The periodic rescan's interval (0: none): a shorter one is the missing folder's too. */
    private readonly rescanMs: number,
    private readonly running: () => boolean,
  ) {}

  get mode(): DiscoveryMode | undefined {
    return this.current;
  }

  set(mode: DiscoveryMode): void {
    if (mode === this.current) return;
    this.current = mode;
    if (mode === 'missing') this.watchForRoot();
    this.tell(mode);
  }

  stop(): void {
    clearInterval(this.missingTimer);
  }

  /** While the folder is missing, look for it every second (the rescan may be far off). */
  private watchForRoot(): void {
    if (this.missingTimer || !this.running()) return;
    this.missingTimer = setInterval(() => {
      if (this.current !== 'missing') {
        clearInterval(this.missingTimer);
        this.missingTimer = undefined;
        return;
      }
      this.lookForRoot();
    }, timerDelay(Math.min(MISSING_CHECK_MS, this.rescanMs > 0 ? this.rescanMs : MISSING_CHECK_MS)));
    this.missingTimer.unref?.();
  }
}
