/**
 * What the keyed formats (json, logfmt, regex) share: finding a line's time
 * among its own fields, and copying its fields into an ECS object without
 * touching the line's objects, whatever their names or depth.
 */
import type { NativeFields, ParseContext } from './format-types';
import { own, setEcs, type EcsObject } from './ecs-fields';
import { readTimestamp } from './timestamps';

/** The exact form timestamps.ts gives a normalised time (`Date.prototype.toISOString`). */
const NORMALISED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** True for a time in the form the readers normalise to. */
export function isNormalisedTime(value: unknown): value is string {
  return typeof value === 'string' && NORMALISED_TIME.test(value);
}

function hasOwn(target: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(target, key);
}

/** The value of the first of `keys` that `fields` has as a non-empty string or a number. */
export function firstTimeValue(fields: NativeFields, keys: readonly string[]): string | number | undefined {
  for (const key of keys) {
    if (!hasOwn(fields, key)) continue;
    const value = fields[key];
    if ((typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value))) return value;
  }
  return undefined;
}

/**
 * Adds the line's time to `fields`, read from the first of `keys` it has:
 * `timestamp` (normalised, when it reads) and `timestampText` (as written),
 * each only where `fields` has no field of that name: a line's own fields
 * are never replaced.
 */
export function addLineTime(fields: NativeFields, keys: readonly string[], context: ParseContext): void {
  const value = firstTimeValue(fields, keys);
  if (value === undefined) return;
  if (!hasOwn(fields, 'timestamp')) {
    const normalised = readTimestamp(value, context);
    if (normalised !== undefined) own(fields, 'timestamp', normalised);
  }
  if (!hasOwn(fields, 'timestampText')) own(fields, 'timestampText', String(value));
}

/** Two zones far apart: a time read the same in both named its own zone (or was epoch). */
const PROBE_ZONES = ['UTC', '+05:30'];

/**
 * The time for ECS `@timestamp` of a keyed format's native fields: their
 * `timestamp` when it is normalised; else (the line's own `timestamp` took
 * the name) the first of `keys` read again, only when its text names its
 * zone or is epoch, since the node's timezone is no longer known here.
 */
export function ecsTime(fields: NativeFields, keys: readonly string[]): string | undefined {
  if (isNormalisedTime(fields.timestamp)) return fields.timestamp;
  const value = firstTimeValue(fields, keys);
  if (value === undefined) return undefined;
  const now = new Date();
  const [first, second] = PROBE_ZONES.map((timezone) => readTimestamp(value, { now, timezone }));
  return first === second ? first : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Deepest a dotted name is split to: ECS names have a few parts, and a
 * hostile `a.a.a...` name of a million parts must not become an object as
 * deep (what meets it next, cloning, JSON.stringify, recurses).
 */
export const MAX_ECS_DEPTH = 64;

/**
 * Copies `entries` into `target` as ECS: a dotted name (`source.ip`) becomes
 * nested objects, nested objects are merged with what is there, and what is
 * there already wins. Objects are always made new (the line's are never
 * put in, so nothing done to the ECS object reaches the native fields);
 * arrays and other values are put in as they are. Iterative, so any depth
 * of the line's objects is safe here; a dotted name that would reach deeper
 * than MAX_ECS_DEPTH is kept whole, as one name.
 */
export function mergeEcs(target: EcsObject, entries: Iterable<readonly [string, unknown]>): void {
  const pending: Array<[EcsObject, Iterable<readonly [string, unknown]>, number]> = [[target, entries, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [into, from, depth] = next;
    for (const [name, value] of from) {
      const split = name.split('.');
      const keys = depth + split.length <= MAX_ECS_DEPTH ? split : [name];
      const parent = objectAt(into, keys);
      if (parent === undefined) continue;
      const last = keys[keys.length - 1];
      if (!isPlainObject(value)) {
        if (!hasOwn(parent, last)) own(parent, last, value);
        continue;
      }
      let child: EcsObject;
      if (!hasOwn(parent, last)) {
        child = {};
        own(parent, last, child);
      } else if (isPlainObject(parent[last])) {
        child = parent[last] as EcsObject;
      } else {
        continue;
      }
      pending.push([child, Object.entries(value), depth + keys.length]);
    }
  }
}

/** The object that holds the last of `keys`, made on the way; undefined where a value that is not an object is in the way. */
function objectAt(root: EcsObject, keys: readonly string[]): EcsObject | undefined {
  let at = root;
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i];
    if (!hasOwn(at, key)) {
      const made: EcsObject = {};
      own(at, key, made);
      at = made;
    } else if (isPlainObject(at[key])) {
      at = at[key] as EcsObject;
    } else {
      return undefined;
    }
  }
  return at;
}

/** Sets a field only when it is a non-empty string or a number (as text): for `message` and `log.level`. */
export function setEcsText(target: EcsObject, path: string, value: unknown): void {
  if (typeof value === 'string' && value !== '') setEcs(target, path, value);
  else if (typeof value === 'number' && Number.isFinite(value)) setEcs(target, path, String(value));
}

/**
 * The fields a keyed format carries into ECS: all but `timestampText` (the
 * text is in `event.original`) and a `timestamp` that `@timestamp` already
 * holds.
 */
export function ecsEntries(fields: NativeFields, skip: ReadonlySet<string> = new Set()): Array<[string, unknown]> {
  const time = fields.timestamp;
  // Object.entries: own properties only, a `__proto__` from the line included.
  return Object.entries(fields).filter(([key]) => {
    if (skip.has(key) || key === 'timestampText') return false;
    return !(key === 'timestamp' && isNormalisedTime(time));
  });
}
