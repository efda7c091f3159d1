/** Reading editor config values, which arrive as strings or numbers. */
import * as os from 'node:os';
import * as path from 'node:path';
import type { Node, NodeAPI } from './red';
import { MAX_TIMER_MS, clampDelay } from '../../lib/index';

/** A number from config, or the default when empty or not a number. */
export function numberOr(value: unknown, fallback: number): number {
  if (value === '' || value === null || value === undefined) return fallback;
  const n = Number(value);
  return Number.isFinite(n) ? n : fallback;
}

/** One of the allowed values, or the default. */
export function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

/**
 * The kinds of value the editor's typed inputs offer in this pack: typed as
 * text (`str`), as a number (`num`), or the name of an environment variable
 * (`env`: of the node's group or flow, else of the Node-RED process).
 */
export type ValueType = 'str' | 'num' | 'env';

/** A typed-input setting read when the node starts. */
export interface TypedSetting {
  /** The value as text: as typed, or the environment variable's value. */
  text: string;
  /** The variable named, when the type is `env`; its value may be empty. */
  env?: string;
}

/**
 * Reads a typed-input setting (`value` and its hidden `...Type` property).
 * Flows saved before the setting had a type have none: they get
 * `defaultType`, which is what the value always was.
 */
export function readTyped(RED: NodeAPI, node: Node, value: unknown, type: unknown, defaultType: 'str' | 'num'): TypedSetting {
  const raw = value === undefined || value === null ? '' : String(value);
  if (oneOf<ValueType>(type, ['str', 'num', 'env'], defaultType) !== 'env') return { text: raw };
  const name = raw.trim();
  const found = name === '' ? '' : RED.util.evaluateNodeProperty(name, 'env', node, null);
  return { text: found === undefined || found === null ? '' : String(found).trim(), env: name };
}

/** What a number setting may be. */
export interface NumberRule {
  /** The documented default, used for a value that breaks the rule. */
  fallback: number;
  min: number;
  /** The value must be above `min`, not equal to it. */
  aboveMin?: boolean;
  integer?: boolean;
}

export type NumberCheck = { ok: true; value: number } | { ok: false };

/**
 * A setting's value checked against its rule. Absent (undefined or null,
 * as in flows saved before the setting existed) is the default, silently;
 * anything else must be a finite number within the rule (a numeric string
 * counts, as the editor stores typed numbers as text).
 */
export function checkNumber(value: unknown, rule: NumberRule): NumberCheck | { ok: 'absent' } {
  if (value === undefined || value === null) return { ok: 'absent' };
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  const inRange = Number.isFinite(n) && (rule.aboveMin ? n > rule.min : n >= rule.min) && (!rule.integer || Number.isInteger(n));
  return inRange ? { ok: true, value: n } : { ok: false };
}

/** The longest duration setting, in seconds: what a timer can wait (about 24.8 days). */
export const MAX_SECONDS = MAX_TIMER_MS / 1000;

/** A delimiter as typed: at least one character; a backslash only starts \n \r \t \0 \\ \xHH or \uHHHH (as the editor checks). */
export function isValidDelimiter(text: unknown): text is string {
  return typeof text === 'string' && /^(?:[^\\]|\\(?:[nrt0\\]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}))+$/.test(text);
}

/**
 * Reads a node's settings. A bad value (not a number, out of range, an
 * unknown option, a broken delimiter escape) gets the documented default,
 * and a duration (in seconds) too long for a timer gets the longest one: either way the
 * node warns, naming the setting (its label in the editor), the value given
 * and the value used. Warnings use `<type>.warnings.badSetting` and
 * `<type>.warnings.tooLong` of the node's own catalog.
 */
export class SettingsReader {
  constructor(
    private readonly RED: NodeAPI,
    private readonly node: Node,
  ) {}

  /** A number setting; `prop` names its label (`<type>.label.<prop>`). */
  number(prop: string, value: unknown, rule: NumberRule): number {
    const checked = checkNumber(value, rule);
    if (checked.ok === true) return checked.value;
    if (checked.ok === false) this.bad(prop, value, rule.fallback);
    return rule.fallback;
  }

  /** A duration setting in seconds, as ms: checked as a number, then cut to the longest timer. */
  seconds(prop: string, value: unknown, rule: NumberRule): number {
    return this.clampSeconds(prop, this.number(prop, value, rule));
  }

  /** `seconds` in ms, cut to the longest timer (warned about). */
  clampSeconds(prop: string, seconds: number): number {
    const { ms, clamped } = clampDelay(seconds * 1000);
    if (clamped) this.node.warn(this.RED._(`${this.node.type}.warnings.tooLong`, { setting: this.label(prop), value: seconds, max: MAX_SECONDS }));
    return ms;
  }

  /** One of the allowed values; an absent one is the default, silently. */
  option<T extends string>(prop: string, value: unknown, allowed: readonly T[], fallback: T): T {
    if (allowed.includes(value as T)) return value as T;
    if (value !== undefined && value !== null) this.bad(prop, value, fallback);
    return fallback;
  }

  /** A delimiter with its escapes turned into characters; an invalid one is a new line. */
  delimiter(prop: string, value: unknown): string {
    if (isValidDelimiter(value)) return unescapeDelimiter(value);
    if (value !== undefined && value !== null) this.bad(prop, value, '\\n');
    return '\n';
  }

  /** Text that must not be blank. */
  text(prop: string, value: unknown, fallback: string): string {
    if (typeof value === 'string' && value.trim() !== '') return value;
    if (value !== undefined && value !== null) this.bad(prop, value, fallback);
    return fallback;
  }

  /** Warns that `value` is not valid for `prop`, and that `fallback` is used. */
  bad(prop: string, value: unknown, fallback: unknown): void {
    this.node.warn(this.RED._(`${this.node.type}.warnings.badSetting`, { setting: this.label(prop), value: shown(value), fallback: String(fallback) }));
  }

  private label(prop: string): string {
    return this.RED._(`${this.node.type}.label.${prop}`);
  }
}

/** A value as the warning quotes it: strings as they are, the rest as JSON (control characters escaped). */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value).slice(1, -1) : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** Turns the escapes a user types for a delimiter (\n, \r, \t, \0, \\) into characters. */
export function unescapeDelimiter(text: unknown): string {
  if (typeof text !== 'string' || text === '') return '\n';
  return text.replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/g, (_all, code: string) => {
    switch (code[0]) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case '0':
        return '\0';
      case 'u':
      case 'x':
        return code.length > 1 ? String.fromCharCode(parseInt(code.slice(1), 16)) : code;
      default:
        return code;
    }
  });
}

/** Where the pack keeps its state: `logIngestDir` in settings.js, else under the user directory. */
export function stateDir(RED: NodeAPI): string {
  const configured = RED.settings.logIngestDir;
  if (typeof configured === 'string' && configured !== '') return configured;
  const userDir = typeof RED.settings.userDir === 'string' ? RED.settings.userDir : path.join(os.homedir(), '.node-red');
  return path.join(userDir, 'log-ingest');
}

/** Compact counts for status texts: 999, 1.2k, 45k, 1.2M. */
export function compactCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 10_000) return `${(n / 1000).toFixed(1)}k`;
  if (n < 1_000_000) return `${Math.floor(n / 1000)}k`;
  if (n < 10_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  return `${Math.floor(n / 1_000_000)}M`;
}
