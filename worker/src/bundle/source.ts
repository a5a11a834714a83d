import type { Env, WorkerConfig } from '../env.js';

/** Where bundle files come from: an R2 bucket or the Workers static assets, same `<path>/<file>` layout. */
export interface BundleSource {
  /** Says where a file lives, for refusal reasons (`r2://…`, `assets:/…`); operator-facing only. */
  describe(path: string, file: string): string;
  /** The file's bytes, or null when it does not exist. */
  read(path: string, file: string): Promise<Uint8Array | null>;
  /**
   * What storage says about a file without reading it (R2: size, etag and upload time; assets: size and etag), or
   * 'missing'. Any change to the bytes changes it, so comparing these for every file of a bundle notices a new or
   * corrupted file under an unchanged manifest without re-reading and re-hashing the bundle.
   */
  stat(path: string, file: string): Promise<string>;
}

/** The source `BUNDLE_SOURCE` names, or why it cannot be used. */
export function bundleSource(env: Env, kind: WorkerConfig['source']): BundleSource | string {
  if (kind === 'r2') {
    const bucket = env.BUNDLES;
    if (!bucket) return 'BUNDLE_SOURCE is "r2" but the worker has no BUNDLES (R2) binding';
    return {
      describe: (path, file) => `r2://BUNDLES/${path}/${file}`,
      read: async (path, file) => {
        const object = await bucket.get(`${path}/${file}`);
        return object ? new Uint8Array(await object.arrayBuffer()) : null;
      },
      stat: async (path, file) => {
        const head = await bucket.head(`${path}/${file}`);
        return head ? `${head.size}:${head.etag}:${head.uploaded.getTime()}` : 'missing';
      },
    };
  }
  const assets = env.ASSETS;
  if (!assets) return 'BUNDLE_SOURCE is "assets" but the worker has no ASSETS (static assets) binding';
  // The host is irrelevant to the assets binding; only the path selects the file.
  const fetchAsset = async (path: string, file: string, method: 'GET' | 'HEAD') => {
    const res = await assets.fetch(new Request(`https://assets.invalid/${path}/${file}`, { method }));
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`static assets answered ${res.status} for ${path}/${file}`);
    return res;
  };
  return {
    describe: (path, file) => `assets:/${path}/${file}`,
    read: async (path, file) => {
      const res = await fetchAsset(path, file, 'GET');
      return res ? new Uint8Array(await res.arrayBuffer()) : null;
    },
    stat: async (path, file) => {
      const res = await fetchAsset(path, file, 'HEAD');
      await res?.body?.cancel();
      return res ? `${res.headers.get('content-length')}:${res.headers.get('etag')}` : 'missing';
    },
  };
}
