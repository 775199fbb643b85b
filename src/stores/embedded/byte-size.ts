// DuckDB's size settings as bytes: '64MB' (powers of 1000) or '64MiB' (powers of 1024).
const UNITS: Record<string, number> = {
  B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KIB: 2 ** 10, MIB: 2 ** 20, GIB: 2 ** 30, TIB: 2 ** 40,
};

export function byteSize(text: string): number {
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]+)\s*$/.exec(text);
  const unit = match ? UNITS[match[2]!.toUpperCase()] : undefined;
  if (!match || unit === undefined) throw new Error(`"${text}" is not a size: write it like 64MB or 1GiB`);
  return Number(match[1]) * unit;
}
