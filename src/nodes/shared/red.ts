/**
 * The parts of the Node-RED runtime API these nodes use, typed here rather
 * than through @types/node-red, which lags the runtime (no `done`, no
 * `removed` on close) and pulls in express types.
 */

export interface NodeMessage {
  _msgid?: string;
  payload?: unknown;
  topic?: string;
  [key: string]: unknown;
}

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'dot' | 'ring';
  text?: string;
}

export type SendFn = (msg: NodeMessage | (NodeMessage | NodeMessage[] | null)[] | null) => void;
export type DoneFn = (err?: Error) => void;

export interface NodeDef {
  id: string;
  type: string;
  name?: string;
  z?: string;
  wires?: string[][];
}

export interface Node {
  id: string;
  type: string;
  name?: string;
  on(event: 'input', handler: (msg: NodeMessage, send: SendFn, done: DoneFn) => void): void;
  on(event: 'close', handler: (removed: boolean, done: () => void) => void): void;
  send(msg: NodeMessage | (NodeMessage | NodeMessage[] | null)[] | null): void;
  status(status: NodeStatus): void;
  log(msg: unknown): void;
  warn(msg: unknown): void;
  error(msg: unknown, original?: NodeMessage): void;
}

export interface NodeAPI {
  nodes: {
    createNode(node: Node, def: NodeDef): void;
    registerType(type: string, ctor: (this: Node, def: never) => void, options?: Record<string, unknown>): void;
    getNode(id: string): Node | null;
  };
  settings: Record<string, unknown> & { userDir?: string };
  events?: { on(event: string, listener: (payload: never) => void): void };
  _: (key: string, substitutions?: Record<string, unknown>) => string;
  log: {
    info(msg: unknown): void;
    warn(msg: unknown): void;
  };
}
