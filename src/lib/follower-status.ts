/**
 * A follower's state and errors as its listener hears of them: a state when it
 * changes, an error once per reason until the follower gets back to reading
 * or waiting (a path that stays unreadable is not reported at every poll).
 */
import type { FollowerError, FollowerOptions, FollowerEvents, FollowerState } from './follower-types';
import { errorCode } from './followed-path';

export class FollowerStatus {
  private state: FollowerState | undefined;
  private lastErrorReason: string | undefined;

  constructor(
    private readonly options: FollowerOptions,
    private readonly events: FollowerEvents,
  ) {}

  /** The state last told; 'waiting' before any. */
  get current(): FollowerState {
    return this.state ?? 'waiting';
  }

  set(state: FollowerState): void {
    if (state === this.state) return;
    this.state = state;
    this.events.state(state);
  }

  /** Reading or waiting again: the next error is told, whatever its reason. */
  recovered(state: FollowerState): void {
    this.lastErrorReason = undefined;
    this.set(state);
  }

  error(reason: FollowerError['reason'], err: unknown): void {
    this.set('error');
    if (this.lastErrorReason === reason) return;
    this.lastErrorReason = reason;
    this.events.error({
      path: this.options.path,
      reason,
      code: errorCode(err) ?? 'EUNKNOWN',
      message: err instanceof Error ? err.message : String(err),
    });
  }
}
