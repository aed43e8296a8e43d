/**
 * A model read from files the user chose (a folder, or model.json / weights_manifest.json plus shards) instead of a
 * URL: a {@link FetchFn} over a path → Blob map, so `loadModel('', {fetchFn: filesFetch(files)})` reads them the same
 * way it reads a served directory. Works on the page and in a Worker (Blobs cross postMessage).
 */
import type { FetchFn, ResponseLike } from './weights.ts';

/** Chosen files by path inside the chosen folder ('model.json', 'group1-shard1of2.bin', …) or by bare name. */
export type ModelFileMap = ReadonlyMap<string, Blob>;

/** Serves `files` by path; a path not found by its full name is looked up by its last segment; else HTTP 404. */
export function filesFetch(files: ModelFileMap): FetchFn {
  const byName = new Map<string, Blob>();
  for (const [path, blob] of files) byName.set(path.split('/').pop()!, blob);
  return async (url) => {
    const path = url.replace(/^\.?\/+/, '');
    const blob = files.get(path) ?? byName.get(path.split('/').pop()!);
    if (!blob) {
      const have = [...files.keys()].join(', ') || 'none';
      return { ok: false, status: 404, statusText: `not among the chosen files (${have})`, text: async () => '', arrayBuffer: async () => new ArrayBuffer(0) } satisfies ResponseLike;
    }
    return { ok: true, status: 200, text: () => blob.text(), arrayBuffer: () => blob.arrayBuffer() } satisfies ResponseLike;
  };
}
