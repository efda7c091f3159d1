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

/** The parts of an express request and response the admin endpoints use. */
export interface AdminRequest {
  params: Record<string, string>;
  body?: unknown;
  /** The query string's values (express). */
  query?: Record<string, unknown>;
  /** Set by Node-RED's admin auth when it is configured. */
  user?: { username?: string };
  get(header: string): string | undefined;
}

export interface AdminResponse {
  status(code: number): AdminResponse;
  json(body: unknown): void;
}

export type AdminHandler = (req: AdminRequest, res: AdminResponse, next: (err?: unknown) => void) => void;

export interface NodeAPI {
  nodes: {
    createNode(node: Node, def: NodeDef): void;
    registerType(type: string, ctor: (this: Node, def: never) => void, options?: Record<string, unknown>): void;
    getNode(id: string): Node | null;
    /** Every node of the deployed flows, as configured (also those not yet started). */
    eachNode?(visit: (def: NodeDef & Record<string, unknown>) => void): void;
  };
  settings: Record<string, unknown> & { userDir?: string };
  events?: {
    on(event: string, listener: (payload: never) => void): void;
    removeListener(event: string, listener: (payload: never) => void): void;
  };
  hooks?: { add(name: string, hook: (event: never) => void): void; remove(name: string): void };
  _: (key: string, substitutions?: Record<string, unknown>) => string;
  util: {
    /** Node-RED's reading of a typed-input value (`str`, `num`, `env`…); `env` looks in the node's group, flow, then process. */
    evaluateNodeProperty(value: unknown, type: string, node: Node, msg: NodeMessage | null): unknown;
  };
  log: {
    info(msg: unknown): void;
    warn(msg: unknown): void;
  };
  /** The editor's express app; absent when the admin API is disabled (httpAdminRoot: false). */
  httpAdmin?: {
    get(path: string, ...handlers: AdminHandler[]): void;
    post(path: string, ...handlers: AdminHandler[]): void;
  };
  auth?: { needsPermission(permission: string): AdminHandler };
}
