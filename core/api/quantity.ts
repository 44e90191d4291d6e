// Kubernetes resource quantities ("10Gi", "500m", "1.5", "2e3"), limited to non-negative values: every quantity
// in this API is a size or an amount of CPU. The pattern is RE2-compatible: the apiserver evaluates it.

export const QUANTITY_PATTERN = '^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$';
const quantityRegex = new RegExp(QUANTITY_PATTERN);

const binarySuffixes: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const decimalSuffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

export function isQuantity(value: string): boolean {
  return quantityRegex.test(value);
}

/**
 * The value of a quantity as a number (bytes, cores), or undefined when it is not a quantity. Doubles are exact
 * enough to compare sizes (1Ei is 2^60) and CPU amounts; use it for comparisons, not for arithmetic on money.
 */
export function parseQuantity(value: string): number | undefined {
  const match = quantityRegex.exec(value);
  if (!match) return undefined;
  const number = Number(match[1]);
  const suffix = match[3] ?? '';
  if (suffix in binarySuffixes) return number * (binarySuffixes[suffix] as number);
  if (suffix in decimalSuffixes) return number * (decimalSuffixes[suffix] as number);
  return number * 10 ** Number(suffix.slice(1));
}
