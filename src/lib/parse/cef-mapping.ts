/** Moving CEF and LEEF key=value pairs into ECS fields, by a table, with values checked for their ECS type. */
import { isIP } from 'node:net';
import { own, setEcs, type EcsObject } from './ecs-fields';

/**
 * How a value goes into its ECS field: as it is, as a port or number, as an
 * IP, lowercased; a protocol as a name (`transport`, lowercased) or a
 * number (`iana`, for network.iana_number).
 */
export type EcsKind = 'text' | 'port' | 'number' | 'ip' | 'lower' | 'transport' | 'iana';

export interface EcsMapping {
  readonly from: string;
  readonly to: string;
  readonly kind: EcsKind;
}

/** `value` as ECS field `kind` wants it, or undefined when it is not one (an IP field that holds a name). */
export function ecsValue(value: string, kind: EcsKind): string | number | undefined {
  switch (kind) {
    case 'text':
      return value === '' ? undefined : value;
    case 'lower':
      return value === '' ? undefined : value.toLowerCase();
    case 'transport':
      return value === '' || /^\d+$/.test(value) ? undefined : value.toLowerCase();
    case 'iana':
      return /^\d{1,3}$/.test(value) ? value : undefined;
    case 'ip':
      return isIP(value) === 0 ? undefined : value;
    case 'port': {
      if (!/^\d{1,5}$/.test(value)) return undefined;
      const port = Number(value);
      return port <= 65535 ? port : undefined;
    }
    case 'number':
      return /^-?\d{1,15}(?:\.\d{1,15})?$/.test(value) ? Number(value) : undefined;
  }
}

/** Sets each mapped pair of `values` (own properties only) in `ecs`. */
export function mapToEcs(ecs: EcsObject, values: Record<string, string>, table: readonly EcsMapping[]): void {
  for (const { from, to, kind } of table) {
    if (!Object.prototype.hasOwnProperty.call(values, from)) continue;
    setEcs(ecs, to, ecsValue(values[from], kind));
  }
}

/** A copy of `values` made of own properties (keys come from lines). */
export function copyPairs(values: Record<string, string>): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const key of Object.keys(values)) own(copy, key, values[key]);
  return copy;
}
