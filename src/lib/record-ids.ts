/**
 * Stable ids for records read from files, for destinations that store by id
 * (an Elasticsearch `_id`, an SQL upsert, a keyed topic): a batch sent
 * again, or lines read again after a crash, carry the same ids, so the
 * destination holds each line once.
 *
 * An id is the file's device and inode, the line's byte offset and a hash
 * of its text. The text is in it because an inode is reused once its file
 * is deleted: a new file's line at the same offset gets another id, unless
 * its text is the same (and then overwriting it loses nothing).
 */

/** The part of a record id that names its file. */
export function fileKeyOf(dev: number, ino: number): string {
  return `${dev.toString(36)}.${ino.toString(36)}`;
}

/** The id of the record `text` that starts at byte `offset` of the file `fileKey` names. */
export function recordId(fileKey: string, offset: number, text: unknown): string {
  return `${fileKey}-${offset.toString(36)}-${textHash(text)}`;
}

/** FNV-1a (32 bits) over the UTF-16 code units: cheap, and enough to tell lines at one offset apart. */
function textHash(text: unknown): string {
  const s = typeof text === 'string' ? text : Buffer.isBuffer(text) ? text.toString('latin1') : String(text);
  let hash = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    hash ^= s.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

/**
 * Where the records of one message start in their file, in order, for
 * their ids; `given` counts those that got one (a message's records may
 * leave in several batches, always in order).
 */
export class RecordStarts {
  given = 0;

  constructor(
    readonly fileKey: string,
    readonly starts: number[],
  ) {}
}

/**
 * Where a batch's records start, group by group: taken when the batch is
 * cut (the starts of a message are handed out in order), turned into ids
 * only when they are read (see recordIdsOf).
 */
export interface BatchStarts {
  readonly fileKeys: string[];
  readonly starts: (readonly number[])[];
  /** Index into starts[s] of group s's first record. */
  readonly from: number[];
  readonly counts: readonly number[];
}

/**
 * Takes the starts of a batch's records, laid out by message as `groups`
 * and `counts` say: no work per record. Undefined unless every record came
 * from a file.
 */
export function batchRecordStarts(groups: readonly { readonly origin?: RecordStarts }[], counts: readonly number[]): BatchStarts | undefined {
  for (const group of groups) if (group.origin === undefined) return undefined;
  const fileKeys: string[] = new Array(groups.length);
  const starts: (readonly number[])[] = new Array(groups.length);
  const from: number[] = new Array(groups.length);
  let complete = true;
  for (let s = 0; s < groups.length; s++) {
    const origin = groups[s].origin!;
    fileKeys[s] = origin.fileKey;
    starts[s] = origin.starts;
    from[s] = origin.given;
    origin.given += counts[s];
    if (origin.given > origin.starts.length) complete = false;
  }
  return complete ? { fileKeys, starts, from, counts } : undefined;
}

/** The ids of `records`, cut as `at` says (see batchRecordStarts). */
export function recordIdsOf(records: readonly unknown[], at: BatchStarts): string[] {
  const ids: string[] = new Array(records.length);
  let r = 0;
  for (let s = 0; s < at.fileKeys.length; s++) {
    const fileKey = at.fileKeys[s];
    const starts = at.starts[s];
    const end = at.from[s] + at.counts[s];
    for (let k = at.from[s]; k < end; k++, r++) ids[r] = recordId(fileKey, starts[k], records[r]);
  }
  return ids;
}

/**
 * The starts of a message's records from what a file source put in
 * `msg.file` (`dev`, `inode`, and `offset` for one record or `lineOffsets`
 * for an array of them); undefined when they are missing or do not fit.
 */
export function recordStartsOf(file: unknown, records: number): RecordStarts | undefined {
  if (typeof file !== 'object' || file === null) return undefined;
  const { dev, inode, offset, lineOffsets } = file as { dev?: unknown; inode?: unknown; offset?: unknown; lineOffsets?: unknown };
  if (!isOffset(dev) || !isOffset(inode)) return undefined;
  const key = fileKeyOf(dev, inode);
  if (Array.isArray(lineOffsets)) {
    if (lineOffsets.length !== records || !lineOffsets.every(isOffset)) return undefined;
    return new RecordStarts(key, lineOffsets as number[]);
  }
  return records === 1 && isOffset(offset) ? new RecordStarts(key, [offset]) : undefined;
}

function isOffset(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
