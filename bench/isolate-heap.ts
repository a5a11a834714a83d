/**
 * The user worker's memory inside workerd, through workerd's V8 inspector (Chrome DevTools Protocol): what the
 * 128 MB isolate limit is about. V8's `Runtime.getHeapUsage` gives the JS heap in use and the ArrayBuffer backing
 * stores, but not WebAssembly memories (ORT's linear memory, most of the total), so those are summed separately
 * through `Runtime.queryObjects(WebAssembly.Memory.prototype)`, which also collects garbage first: the readings are
 * of the live heap. Node 20 needs `--experimental-websocket` for the global WebSocket (the npm script passes it).
 */

export interface IsolateMemory {
  /** V8 heap in use, MiB. */
  heapMiB: number;
  /** ArrayBuffer backing stores (bundle bytes, tensors), MiB. */
  backingMiB: number;
  /** Every WebAssembly.Memory's buffer (ORT's linear memory), MiB. */
  wasmMiB: number;
  /** The three together: the isolate's memory as V8 accounts for it. */
  totalMiB: number;
}

export interface IsolateInspector {
  memory(): Promise<IsolateMemory>;
  close(): void;
}

const MiB = 2 ** 20;
/** The parts of the protocol's results read here. */
type Result = { result?: { objectId?: string; value?: number }; objects?: { objectId?: string }; usedSize?: number; backingStorageSize?: number };
type Reply = { result?: Result; error?: { message: string } };

/** Connects to the user worker's isolate (`core:user:…`) of the workerd whose inspector listens on `port`. */
export async function connectIsolate(port: number): Promise<IsolateInspector> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as { id: string; webSocketDebuggerUrl: string }[];
  const user = targets.find((t) => t.id.startsWith('core:user'));
  if (!user) throw new Error(`no user worker among the inspector's targets: ${targets.map((t) => t.id).join(', ')}`);
  if (typeof WebSocket !== 'function') throw new Error('no global WebSocket: run Node 20 with --experimental-websocket');
  const ws = new WebSocket(user.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve, { once: true });
    ws.addEventListener('error', () => reject(new Error(`inspector: cannot connect to ${user.webSocketDebuggerUrl}`)), { once: true });
  });
  const pending = new Map<number, (reply: Reply) => void>();
  let contextId: number | null = null;
  ws.addEventListener('message', (m) => {
    const d = JSON.parse(String(m.data)) as Reply & { id?: number; method?: string; params?: { context?: { id: number } } };
    if (d.id !== undefined) pending.get(d.id)?.(d);
    else if (d.method === 'Runtime.executionContextCreated') contextId = d.params!.context!.id;
  });
  let next = 0;
  const send = (method: string, params: Record<string, unknown> = {}) => new Promise<Result>((resolve, reject) => {
    const id = ++next;
    const timer = setTimeout(() => reject(new Error(`inspector: no answer to ${method}`)), 30_000);
    pending.set(id, (r) => {
      clearTimeout(timer);
      pending.delete(id);
      if (r.error) reject(new Error(`inspector: ${method}: ${r.error.message}`));
      else resolve(r.result ?? {});
    });
    ws.send(JSON.stringify({ id, method, params }));
  });
  // Runtime.enable announces the worker's execution context, which evaluate needs by id (workerd has no default one).
  await send('Runtime.enable');
  if (contextId === null) throw new Error('inspector: the worker announced no execution context');

  return {
    async memory() {
      const proto = await send('Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype', contextId });
      const found = await send('Runtime.queryObjects', { prototypeObjectId: proto.result?.objectId });
      const wasm = await send('Runtime.callFunctionOn', {
        objectId: found.objects?.objectId, returnByValue: true,
        functionDeclaration: 'function () { return this.reduce((sum, m) => sum + m.buffer.byteLength, 0); }',
      });
      const usage = await send('Runtime.getHeapUsage');
      const heapMiB = (usage.usedSize ?? NaN) / MiB, backingMiB = (usage.backingStorageSize ?? 0) / MiB, wasmMiB = (wasm.result?.value ?? NaN) / MiB;
      return { heapMiB, backingMiB, wasmMiB, totalMiB: heapMiB + backingMiB + wasmMiB };
    },
    close: () => ws.close(),
  };
}
