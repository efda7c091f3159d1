/** Reading editor config values, which arrive as strings or numbers. */
import * as os from 'node:os';
import * as path from 'node:path';
import type { Node, NodeAPI } from './red';

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

/**
 * A number from a typed-input setting. `problem` is set when it came from an
 * environment variable that is not set, or not a number: the adapter warns,
 * and `value` is then the default.
 */
export function readTypedNumber(
  RED: NodeAPI,
  node: Node,
  value: unknown,
  type: unknown,
  fallback: number,
): { value: number; problem?: { env: string; text: string } } {
  const setting = readTyped(RED, node, value, type, 'num');
  const n = setting.text.trim() === '' ? NaN : Number(setting.text);
  if (Number.isFinite(n)) return { value: n };
  if (setting.env !== undefined) return { value: fallback, problem: { env: setting.env, text: setting.text } };
  return { value: numberOr(value, fallback) };
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
