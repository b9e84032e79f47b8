/** Minimal `--name value` / `--flag` argument parsing for bench scripts (no dependency). */

export interface ParsedArgs {
  get(name: string): string | undefined;
  number(name: string, fallback: number): number;
  flag(name: string): boolean;
}

export function parseArgs(argv: readonly string[] = process.argv.slice(2)): ParsedArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}' (options are --name value or --flag)`);
    const [name, inline] = a.slice(2).split('=', 2);
    if (inline !== undefined) values.set(name, inline);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) values.set(name, argv[++i]);
    else flags.add(name);
  }
  return {
    get: (name) => values.get(name),
    number: (name, fallback) => {
      const v = values.get(name);
      if (v === undefined) return fallback;
      const n = Number(v);
      if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got '${v}'`);
      return n;
    },
    flag: (name) => flags.has(name),
  };
}
