// Kubernetes resource quantities ("10Gi", "500M", "1e3") as numbers, enough to compare storage sizes.
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

const quantityPattern = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

export function parseQuantity(text: string): number {
  const match = quantityPattern.exec(text.trim());
  if (!match) throw new Error(`not a Kubernetes quantity: ${JSON.stringify(text)}`);
  const [, number, exponent, suffix = ''] = match;
  const value = Number(number);
  if (exponent) return value * 10 ** Number(exponent.slice(1));
  return value * (binarySuffixes[suffix] ?? decimalSuffixes[suffix] ?? 1);
}
