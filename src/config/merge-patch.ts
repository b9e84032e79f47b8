/**
 * Plain-JSON tree operations used by settings patches and the settings file (browser-safe).
 *
 * - `applyMergePatch`: JSON Merge Patch (RFC 7386): objects merge, null deletes, anything else
 *   (arrays included) replaces.
 * - `overlay`: the same merge with null kept as a value (for the stored diff, where null is data).
 * - `diffFromBase`: the smallest overlay that turns `base` into `value`.
 * - `changedLeafPaths`: dotted paths of the leaves that differ between two trees.
 *
 * None of them modify their arguments. Keys are written with defineProperty so a "__proto__" key in
 * parsed JSON stays an ordinary (and, for the strict schema, unknown) field instead of replacing a
 * prototype.
 */

export type JsonObject = { [key: string]: unknown };

/** Deeper than any settings path; stops a hostile patch from recursing without bound. */
export const MAX_PATCH_DEPTH = 16;

export function isPlainObject(v: unknown): v is JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function setOwn(target: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

export class PatchTooDeepError extends Error {
  constructor(readonly path: string) {
    super(`nested deeper than ${MAX_PATCH_DEPTH} levels`);
  }
}

function merge(target: unknown, patch: unknown, nullDeletes: boolean, path: string, depth: number): unknown {
  if (!isPlainObject(patch)) return patch;
  if (depth > MAX_PATCH_DEPTH) throw new PatchTooDeepError(path);
  const base = isPlainObject(target) ? target : {};
  const out: JsonObject = {};
  for (const key of Object.keys(base)) setOwn(out, key, base[key]);
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === undefined) continue; // not JSON: treat as "no change"
    if (value === null && nullDeletes) {
      delete out[key];
      continue;
    }
    const childPath = path ? `${path}.${key}` : key;
    setOwn(out, key, merge(Object.hasOwn(out, key) ? out[key] : undefined, value, nullDeletes, childPath, depth + 1));
  }
  return out;
}

/** RFC 7386 merge patch. Throws PatchTooDeepError for absurdly nested patches. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  return merge(target, patch, true, '', 0);
}

/** Deep merge where null is an ordinary value (objects merge, everything else replaces). */
export function overlay(target: unknown, patch: unknown): unknown {
  return merge(target, patch, false, '', 0);
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** The fields of `value` that differ from `base`, as an object to `overlay` onto `base`. */
export function diffFromBase(base: unknown, value: unknown): JsonObject {
  const out: JsonObject = {};
  if (!isPlainObject(value)) return out;
  const b = isPlainObject(base) ? base : {};
  for (const key of Object.keys(value)) {
    const v = value[key];
    const bv = b[key];
    if (isPlainObject(v) && isPlainObject(bv)) {
      const sub = diffFromBase(bv, v);
      if (Object.keys(sub).length > 0) setOwn(out, key, sub);
    } else if (!Object.hasOwn(b, key) || !jsonEqual(v, bv)) {
      setOwn(out, key, v);
    }
  }
  return out;
}

/**
 * Dotted paths ("outputs.vmc.port") of every leaf that differs. Arrays and null count as leaves, so
 * a new calibration reads "calibration.neutral.values", not one path per number.
 */
export function changedLeafPaths(before: unknown, after: unknown, prefix = ''): string[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    const out: string[] = [];
    for (const key of keys) out.push(...changedLeafPaths(before[key], after[key], prefix ? `${prefix}.${key}` : key));
    return out;
  }
  return jsonEqual(before, after) ? [] : [prefix];
}
