/**
 * Polls `predicate` until it holds; fails after `timeoutMs` (generous: CI machines vary), naming
 * `what` (default: the predicate's source).
 */
export async function waitUntil(predicate: () => boolean, what: string = predicate.toString(), timeoutMs = 30_000, pollMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
