/**
 * Validating a settings change as a whole (browser-safe: the UI can pre-check a form with it).
 *
 * The patch is applied to a copy of the current settings with JSON Merge Patch semantics, and the
 * result is validated against the one schema. Either every field is fine and the caller gets the new
 * settings and the changed paths, or the caller gets every bad field with its path and reason and
 * nothing changes: the current settings object is never modified.
 */
import type { z } from 'zod';
import { applyMergePatch, changedLeafPaths, isPlainObject, PatchTooDeepError } from './merge-patch';
import { SettingsSchema, type Settings } from './schema';

/** One bad field: `path` is dotted ("outputs.vmc.port"; "" for the patch itself). */
export interface SettingsIssue {
  path: string;
  message: string;
}

export type SettingsPatchResult =
  | { ok: true; settings: Settings; changed: string[] }
  | { ok: false; issues: SettingsIssue[] };

function dotted(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join('.');
}

/** Fields a newer settings version replaced, for the refusal of a client that still sends them. */
const REPLACED_FIELDS: Readonly<Record<string, string>> = {
  'outputs.vmc.host': 'outputs.vmc.targets',
  'outputs.vmc.port': 'outputs.vmc.targets',
  'outputs.openSeeFace.host': 'outputs.openSeeFace.targets',
  'outputs.openSeeFace.port': 'outputs.openSeeFace.targets',
};

/** zod issues as one entry per bad field (an unknown-keys issue becomes one entry per key). */
export function issuesFromZod(error: z.ZodError): SettingsIssue[] {
  const out: SettingsIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = dotted([...issue.path, key]);
        const now = REPLACED_FIELDS[path];
        out.push({ path, message: now ? `unknown field (replaced by ${now}, a list of {host, port})` : 'unknown field' });
      }
    } else {
      out.push({ path: dotted(issue.path), message: issue.message });
    }
  }
  return out;
}

/**
 * Apply `patch` (a JSON merge patch: objects merge, null puts a field back to its default, arrays
 * replace) to `current` and validate the result. `current` is not modified. `changed` lists the
 * dotted leaf paths whose values differ, so the service re-applies only what changed (see `touches`).
 */
export function validateSettingsPatch(current: Settings, patch: unknown): SettingsPatchResult {
  if (!isPlainObject(patch)) {
    return { ok: false, issues: [{ path: '', message: 'a settings change must be a JSON object' }] };
  }
  let merged: unknown;
  try {
    merged = applyMergePatch(current, patch);
  } catch (err) {
    if (err instanceof PatchTooDeepError) return { ok: false, issues: [{ path: err.path, message: err.message }] };
    throw err;
  }
  const parsed = SettingsSchema.safeParse(merged);
  if (!parsed.success) return { ok: false, issues: issuesFromZod(parsed.error) };
  return { ok: true, settings: parsed.data, changed: changedLeafPaths(current, parsed.data) };
}

/** Whether any changed path lies at or under `prefix` ("camera", "outputs.vmc"). */
export function touches(changed: readonly string[], prefix: string): boolean {
  return changed.some((p) => p === prefix || p.startsWith(`${prefix}.`));
}
