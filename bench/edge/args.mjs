// The edge benchmarks' command-line numbers (bench.mjs, profile.mjs).

/** The positive integer after `--name` on the command line, or `fallback` when the flag is absent. */
export function positiveInt(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} wants a positive integer, got ${process.argv[i + 1]}`);
  return value;
}
