/** Building Elastic Common Schema objects: ECS field names are dotted paths into nested objects. */

export type EcsObject = Record<string, unknown>;

/**
 * Sets `path` ('source.ip') in `target`, making the objects on the way.
 * Undefined values are left out; a path through a value that is not a plain
 * object overwrites nothing (the first value set wins).
 */
export function setEcs(target: EcsObject, path: string, value: unknown): void {
  if (value === undefined) return;
  const keys = path.split('.');
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
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** An ECS object with what every format has: `@timestamp` (when known) and `event.original`. */
export function ecsBase(line: string, timestamp: unknown): EcsObject {
  const ecs: EcsObject = {};
  if (typeof timestamp === 'string') ecs['@timestamp'] = timestamp;
  setEcs(ecs, 'event.original', line);
  return ecs;
}
