/** Backend name -> a ready implementation, loaded on demand from the catalog (no list of its own). */
import { backendDescriptor } from './catalog.ts';
import type { Backend } from './types.ts';

/** Per-backend options by backend name (e.g. { qemu: { cacheDir } }); absent = the backend's defaults/environment. */
export type BackendOptions = Partial<Record<string, unknown>>;

export async function getBackend(name: string, options: BackendOptions = {}): Promise<Backend> {
  const descriptor = backendDescriptor(name);
  const create = (await descriptor.load()) as (options?: unknown) => Backend;
  return create(options[name]);
}
