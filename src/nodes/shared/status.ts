/**
 * Sets a node's status at most every `intervalMs`: counters can change
 * thousands of times a second, the editor needs a few updates.
 */
import type { Node, NodeStatus } from './red';

export class ThrottledStatus {
  private last = 0;
  private pending: NodeStatus | (() => NodeStatus) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private shown = '';

  constructor(
    private readonly node: Node,
    private readonly intervalMs = 500,
  ) {}

  /**
   * Shows `status` now if the last update is old enough, else soon. A
   * function is called only when the status is really shown (formatting a
   * status with RED._ costs more than sending a message).
   */
  show(status: NodeStatus | (() => NodeStatus)): void {
    // An update already due: no clock read (this runs once per message).
    if (this.timer) {
      this.pending = status;
      return;
    }
    const now = Date.now();
    if (now - this.last >= this.intervalMs) {
      this.apply(status, now);
      return;
    }
    this.pending = status;
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        const next = this.pending;
        this.pending = undefined;
        if (next) this.apply(next, Date.now());
      }, Math.max(0, this.intervalMs - (now - this.last)));
      this.timer.unref?.();
    }
  }

  /** Shows `status` at once (a state change the user must see). */
  now(status: NodeStatus): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
    this.apply(status, Date.now());
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
    this.shown = '';
    this.node.status({});
  }

  private apply(make: NodeStatus | (() => NodeStatus), now: number): void {
    const status = typeof make === 'function' ? make() : make;
    this.last = now;
    const key = `${status.fill}|${status.shape}|${status.text}`;
    if (key === this.shown) return;
    this.shown = key;
    this.node.status(status);
  }
}
