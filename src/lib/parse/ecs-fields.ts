/** Building Elastic Common Schema objects: ECS field names are dotted paths into nested objects. */

export type EcsObject = Record<string, unknown>;

/**
 * Sets `path` ('source.ip') in `target`, making the objects on the way.
 * Undefined values are left out; a path through a value that is not a plain
 * object overwrites nothing (the first value set wins).
 */
export function setEcs(target: EcsObject, path: string, value: unknown): void {
  if (value === undefined) return;
  const keys = keysOf(path);
  let at: EcsObject = target;
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i];
    const next = Object.prototype.hasOwnProperty.call(at, key) ? at[key] : undefined;
    if (next === undefined) {
      const made: EcsObject = {};
      own(at, key, made);
      at = made;
    } else if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
      at = next as EcsObject;
    } else {
      return;
    }
  }
  const last = keys[keys.length - 1];
  if (!Object.prototype.hasOwnProperty.call(at, last)) own(at, last, value);
}

/**
 * Sets an own, plain property: names come from log lines, and `at[name] = v`
 * with the name `__proto__` would change the object's prototype instead.
 */
export function own(target: EcsObject, key: string, value: unknown): void {
  // defineProperty is several times slower than an assignment: only where an assignment is not plain.
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/** The keys of the paths set most: the same few dozen names for every line. */
const pathKeys = new Map<string, readonly string[]>();
const PATH_CACHE_SIZE = 1024;

function keysOf(path: string): readonly string[] {
  let keys = pathKeys.get(path);
  if (keys === undefined) {
    keys = path.split('.');
    // Bounded: names from lines (JSON, logfmt keys) must not grow it.
    if (pathKeys.size < PATH_CACHE_SIZE) pathKeys.set(path, keys);
  }
  return keys;
}

/** An ECS object with what every format has: `@timestamp` (when known) and `event.original`. */
export function ecsBase(line: string, timestamp: unknown): EcsObject {
  const ecs: EcsObject = {};
  if (typeof timestamp === 'string') ecs['@timestamp'] = timestamp;
  ecs.event = { original: line };
  return ecs;
}

/**
 * Sets in `target` what `source` has and `target` lacks, into nested plain
 * objects: what `target` already has stays (the first value set wins, as
 * with setEcs).
 */
export function mergeAbsent(target: EcsObject, source: EcsObject): void {
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (!Object.prototype.hasOwnProperty.call(target, key)) own(target, key, value);
    else if (isPlainObject(target[key]) && isPlainObject(value)) mergeAbsent(target[key] as EcsObject, value as EcsObject);
  }
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
