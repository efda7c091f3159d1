/**
 * The log-parse node: log lines (a string, or an array of them as file-tail
 * and micro-batch send) into objects, by a line format, in its own field
 * names or as Elastic Common Schema. Parsed lines leave on the first
 * output in the same message; lines that fail go to the second output, stay
 * in place, or are dropped, as `onError` says. `msg.batch.ids` stays aligned
 * with the lines of each output, so the node fits before a batch-ack.
 */
import type { NodeAPI, Node, NodeDef, NodeMessage, DoneFn, SendFn } from '../shared/red';
import { SettingsReader, compactCount } from '../shared/config';
import { ThrottledStatus } from '../shared/status';
import { LogParser, PARSER_FORMATS, SCHEMAS, isKnownTimezone, type LineFailure, type ParserFormat, type SchemaName } from '../../lib/index';

interface LogParseDef extends NodeDef {
  format?: string;
  pattern?: string;
  schema?: string;
  timezone?: string;
  property?: string;
  onError?: string;
}

type OnError = 'output2' | 'keep' | 'drop';

/** The parts of RED.util for message properties (not in shared/red.ts: only this node reads a configured property). */
interface PropertyUtil {
  getMessageProperty(msg: NodeMessage, expr: string): unknown;
  setMessageProperty(msg: NodeMessage, expr: string, value: unknown, createMissing?: boolean): boolean;
  normalisePropertyExpression(expr: string): (string | number)[];
}

type Batch = Record<string, unknown>;

export default function register(RED: NodeAPI): void {
  const util = RED.util as unknown as PropertyUtil;

  function LogParseNode(this: Node, def: LogParseDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const settings = new SettingsReader(RED, node);
    const format = settings.option<ParserFormat>('format', def.format, PARSER_FORMATS, 'auto');
    const schema = settings.option<SchemaName>('schema', def.schema, SCHEMAS, 'ecs');
    const onError = settings.option<OnError>('onError', def.onError, ['output2', 'keep', 'drop'], 'output2');
    const property = readProperty(def.property);
    const status = new ThrottledStatus(node);

    const made = makeParser();
    const parser = made.parser;
    const setupError = made.error;
    if (setupError !== undefined) {
      node.error(setupError);
      status.now({ fill: 'red', shape: 'ring', text: RED._('log-parse.status.badSetting') });
    }

    /** The parser, or the cause (translated) why the settings make none. */
    function makeParser(): { parser?: LogParser; error?: string } {
      const timezone = typeof def.timezone === 'string' && def.timezone.trim() !== '' ? def.timezone.trim() : 'UTC';
      if (!isKnownTimezone(timezone)) return { error: RED._('log-parse.errors.timezone', { value: timezone }) };
      const pattern = typeof def.pattern === 'string' ? def.pattern : '';
      if (format === 'regex' && pattern === '') return { error: RED._('log-parse.errors.noPattern') };
      try {
        return { parser: new LogParser({ format, schema, pattern, timezone }) };
      } catch (err) {
        return { error: RED._('log-parse.errors.pattern', { message: err instanceof Error ? err.message : String(err) }) };
      }
    }

    /** The property's value: msg.payload read directly (the usual case, once per message). */
    function read(msg: NodeMessage): unknown {
      return property === 'payload' ? msg.payload : util.getMessageProperty(msg, property);
    }

    function write(msg: NodeMessage, value: unknown): void {
      if (property === 'payload') msg.payload = value;
      else util.setMessageProperty(msg, property, value, true);
    }

    /** A shallow copy of `msg` with the property set, copying the objects on its path (they belong to the original too). */
    function copyWith(msg: NodeMessage, value: unknown): NodeMessage {
      const copy: NodeMessage = { ...msg };
      if (property === 'payload') {
        copy.payload = value;
        return copy;
      }
      const keys = util.normalisePropertyExpression(property);
      let at: Record<string | number, unknown> = copy;
      for (let i = 0; i < keys.length - 1; i++) {
        const next = at[keys[i]];
        const made: Record<string | number, unknown> = Array.isArray(next) ? (next.slice() as unknown as Record<number, unknown>) : typeof next === 'object' && next !== null ? { ...next } : {};
        at[keys[i]] = made;
        at = made;
      }
      at[keys[keys.length - 1]] = value;
      return copy;
    }

    function showCounts(): void {
      const p = parser!;
      status.show(() =>
        p.failed === 0
          ? { fill: 'green', shape: 'dot', text: RED._('log-parse.status.parsed', { count: compactCount(p.parsed) }) }
          : { fill: 'yellow', shape: 'dot', text: RED._('log-parse.status.both', { parsed: compactCount(p.parsed), failed: compactCount(p.failed) }) },
      );
    }

    function parseOne(msg: NodeMessage, line: unknown, send: SendFn): void {
      const result = parser!.parse(line);
      if (result.ok) {
        write(msg, result.value);
        send(msg);
        return;
      }
      if (onError === 'drop') return;
      write(msg, { raw: line, error: result.error });
      send(onError === 'keep' ? msg : [null, msg]);
    }

    function parseMany(msg: NodeMessage, lines: readonly unknown[], send: SendFn): void {
      const { values, failures } = parser!.parseBatch(lines, onError === 'keep');
      if (failures.length === 0 || onError === 'keep') {
        // Every line in its place: msg.batch (its ids) still fits.
        write(msg, values);
        send(msg);
        return;
      }
      const batch = typeof msg.batch === 'object' && msg.batch !== null && !Array.isArray(msg.batch) ? (msg.batch as Batch) : undefined;
      const split = batch === undefined ? undefined : splitBatch(batch, lines.length, failures);
      let failed: NodeMessage | null = null;
      if (onError === 'output2') {
        failed = copyWith(msg, failures);
        if (split) failed.batch = split.failed;
      }
      let parsed: NodeMessage | null = null;
      // In ack delivery a batch must be answered even when none of its lines parsed.
      if (values.length > 0 || batch !== undefined) {
        write(msg, values);
        if (split) msg.batch = split.kept;
        parsed = msg;
      }
      if (parsed || failed) send([parsed, failed]);
    }

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      if (setupError !== undefined) {
        done(new Error(setupError));
        return;
      }
      const value = read(msg);
      if (typeof value === 'string' || Buffer.isBuffer(value)) parseOne(msg, value, send);
      else if (Array.isArray(value)) parseMany(msg, value, send);
      else {
        done(new Error(RED._('log-parse.errors.payload', { property })));
        return;
      }
      showCounts();
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      status.clear();
      done();
    });
  }

  RED.nodes.registerType('log-parse', LogParseNode as (this: Node, def: never) => void);
}

/** The configured message property, without a leading `msg.`; `payload` when blank. */
function readProperty(value: unknown): string {
  const text = typeof value === 'string' ? value.trim().replace(/^msg\./, '') : '';
  return text === '' ? 'payload' : text;
}

/**
 * msg.batch for the lines kept and for the lines that failed: shallow
 * copies with `count`, and `ids` (when the batch has them, one per line),
 * cut to each side's lines. `ids` is read only here: micro-batch makes it
 * when first read.
 */
function splitBatch(batch: Batch, lineCount: number, failures: readonly LineFailure[]): { kept: Batch; failed: Batch } {
  const kept: Batch = { ...batch };
  const failed: Batch = { ...batch };
  if (typeof batch.count === 'number') {
    kept.count = lineCount - failures.length;
    failed.count = failures.length;
  }
  const ids = 'ids' in batch ? kept.ids : undefined;
  if (Array.isArray(ids) && ids.length === lineCount) {
    const keptIds: unknown[] = [];
    const failedIds: unknown[] = new Array(failures.length);
    let next = 0;
    for (let i = 0; i < lineCount; i++) {
      if (next < failures.length && failures[next].index === i) failedIds[next++] = ids[i];
      else keptIds.push(ids[i]);
    }
    kept.ids = keptIds;
    failed.ids = failedIds;
  }
  return { kept, failed };
}
