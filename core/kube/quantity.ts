// Kubernetes resource quantities ("10Gi", "500m", "1.5Ti", "1e3"), parsed exactly: a resize decision must not
// depend on floating-point rounding, and "10Gi" must equal "10737418240". One module for the API schemas, the
// reconcilers and the test harness.

/**
 * Non-negative quantities, as every quantity of this API is a size or an amount of CPU. RE2-compatible, because
 * the apiserver evaluates CRD patterns with Go's regexp.
 */
export const QUANTITY_PATTERN = '^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$';
const nonNegativeQuantity = new RegExp(QUANTITY_PATTERN);

/** Whether the text is a non-negative quantity the API accepts. */
export function isQuantity(value: string): boolean {
  return nonNegativeQuantity.test(value);
}

/** An exact rational value: numerator / denominator, denominator > 0. */
export interface QuantityValue {
  numerator: bigint;
  denominator: bigint;
}

const binarySuffixes: Record<string, bigint> = {
  Ki: 2n ** 10n,
  Mi: 2n ** 20n,
  Gi: 2n ** 30n,
  Ti: 2n ** 40n,
  Pi: 2n ** 50n,
  Ei: 2n ** 60n,
};
const decimalExponents: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** The exact value of a quantity string (signed), or undefined when it is not a valid Kubernetes quantity. */
export function parseQuantity(text: string): QuantityValue | undefined {
  const match = QUANTITY.exec(text.trim());
  if (!match) return undefined;
  const [, sign = '', whole = '', fraction = '', suffix = ''] = match;
  if (whole === '' && fraction === '') return undefined;
  let numerator = BigInt(`${whole || '0'}${fraction}`) * (sign === '-' ? -1n : 1n);
  let denominator = 10n ** BigInt(fraction.length);
  let exponent = 0;
  const binary = binarySuffixes[suffix];
  if (binary !== undefined) numerator *= binary;
  else if (suffix[0] === 'e' || suffix[0] === 'E') exponent = Number(suffix.slice(1));
  else exponent = decimalExponents[suffix] ?? 0;
  if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
  else denominator *= 10n ** BigInt(-exponent);
  return { numerator, denominator };
}

/** Negative, zero or positive as `a` is smaller than, equal to or larger than `b`; undefined when one is invalid. */
export function compareQuantities(a: string, b: string): number | undefined {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  if (!x || !y) return undefined;
  const left = x.numerator * y.denominator;
  const right = y.numerator * x.denominator;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** The value as a double (bytes, cores), for display and unit conversion; never for comparisons. */
export function quantityToNumber(text: string): number | undefined {
  const value = parseQuantity(text);
  return value === undefined ? undefined : Number(value.numerator) / Number(value.denominator);
}
