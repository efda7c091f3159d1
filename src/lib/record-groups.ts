/**
 * The records a batcher holds, by the group they were added in, and how a
 * group learns that all of its records have left (see micro-batcher): the
 * settlement side of batching.
 */

export type SettleOutcome = 'sent' | 'discarded' | 'abandoned';

export interface AddOptions {
  topic?: string;
  /**
   * Total bytes of the records when the caller knows it (a file range);
   * spares measuring each record when no byte limit is set.
   */
  bytes?: number;
  /**
   * Runs once every record of this group has left or been discarded, with
   * how it ended: "abandoned" when the records were not sent because their
   * source can send them again (see MicroBatcher.abandonReplayable).
   */
  onSettled?: (outcome: SettleOutcome) => void;
  /** True when the records' source will send them again if they are not sent. */
  replayable?: () => boolean;
}

/**
 * Records added together, not yet settled: one add() call, or one message.
 * A caller may bring its own object (see `addGroup`, `addOneIn`): one
 * object per message then, its methods on a prototype, where options would
 * cost an object, a closure and a group.
 */
export interface RecordGroup {
  /** Records of the group not yet settled (the caller sets it to how many it adds). */
  remaining: number;
  /** Set once any of its records was abandoned: the whole group ends so. */
  abandoned: boolean;
  /** Runs once every record has left or been discarded (see AddOptions.onSettled). */
  onSettled?(outcome: SettleOutcome): void;
  /** True when the records' source will send them again if they are not sent. */
  replayable?(): boolean;
}

/** The group for `count` records added with `options`. */
export function groupOf(count: number, options: AddOptions): RecordGroup {
  return { remaining: count, onSettled: options.onSettled, replayable: options.replayable, abandoned: false };
}

/**
 * The groups with records in a batch, and how many records each has there
 * (two parallel arrays: no allocation per group, which may be one message).
 */
export interface Shares {
  groups: RecordGroup[];
  counts: number[];
}

export function noShares(): Shares {
  return { groups: [], counts: [] };
}

/** Notes `count` more records of `group`, in the last share when the group has it. */
export function addShare(shares: Shares, group: RecordGroup, count: number): void {
  const last = shares.groups.length - 1;
  if (last >= 0 && shares.groups[last] === group) shares.counts[last] += count;
  else {
    shares.groups.push(group);
    shares.counts.push(count);
  }
}

/** The records of `shares` have left (or were dropped): groups with none left settle. */
export function settleShares({ groups, counts }: Shares, outcome: SettleOutcome): void {
  for (let s = 0; s < groups.length; s++) {
    const group = groups[s];
    group.remaining -= counts[s];
    if (group.remaining === 0) group.onSettled?.(group.abandoned ? 'abandoned' : outcome);
  }
}

/**
 * Settles a batch's records: "sent", or, when the batch did not arrive,
 * "abandon-replayable" (records whose source reads them again end
 * "abandoned") or "abandon-all" (every source is to read them again).
 */
export function settleBatchShares(shares: Shares, how: 'sent' | 'abandon-replayable' | 'abandon-all'): void {
  if (how !== 'sent') for (const group of shares.groups) if (how === 'abandon-all' || group.replayable?.()) group.abandoned = true;
  settleShares(shares, 'sent');
}

/**
 * Settles now, as abandoned, the groups of `shares` whose source reads them
 * again (it is stopping), and returns the others, to be settled later.
 */
export function handBackReplayable(shares: Shares): Shares {
  const kept = noShares();
  const back = noShares();
  for (let s = 0; s < shares.groups.length; s++) {
    const group = shares.groups[s];
    const to = group.replayable?.() ? back : kept;
    to.groups.push(group);
    to.counts.push(shares.counts[s]);
  }
  if (back.groups.length === 0) return shares;
  for (const group of back.groups) group.abandoned = true;
  settleShares(back, 'abandoned');
  return kept;
}

/**
 * Splits `records` (laid out as `shares` says) into those whose source can
 * send them again, and the rest, in order.
 */
export function splitReplayable<T>(records: readonly T[], shares: Shares): { kept: T[]; keptShares: Shares; replayable: Shares } {
  const kept: T[] = [];
  const keptShares = noShares();
  const replayable = noShares();
  let at = 0;
  const { groups, counts } = shares;
  for (let s = 0; s < groups.length; s++) {
    const group = groups[s];
    const count = counts[s];
    const to = group.replayable?.() ? replayable : keptShares;
    if (to === keptShares) for (let i = at; i < at + count; i++) kept.push(records[i]);
    to.groups.push(group);
    to.counts.push(count);
    at += count;
  }
  return { kept, keptShares, replayable };
}
