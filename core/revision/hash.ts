// The revision hash: FNV-1a (32 bit) over the canonical JSON of the revision data, with the collision count
// mixed in, spelled with an alphabet that cannot form words or be mistaken for a number (the scheme
// Kubernetes uses for ControllerRevision and pod-template hashes, so names look familiar in `kubectl get`).

import { canonicalJson } from './canonical-json.ts';

const FNV32_OFFSET_BASIS = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

/** FNV-1a 32-bit over bytes, continuing from `seed` (so data can be fed in several parts). */
export function fnv1a32(bytes: Uint8Array, seed = FNV32_OFFSET_BASIS): number {
  let hash = seed >>> 0;
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, FNV32_PRIME) >>> 0;
  }
  return hash >>> 0;
}

// No vowels (no words), no 0/1/3 (no confusion with o/l/e), as in Kubernetes' rand.SafeEncodeString.
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Maps every character to the safe alphabet, keeping the length: labels and names never spell words. */
export function safeEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += SAFE_ALPHABET[text.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/**
 * The hash part of a revision name for `data`. Equal data (whatever its key order) and equal `collisionCount`
 * give the same hash; raising `collisionCount` gives a different hash for the same data, which is how a hash
 * collision between two different templates is resolved.
 */
export function revisionHash(data: unknown, collisionCount: number): string {
  const encoded = new TextEncoder().encode(canonicalJson(data));
  const count = new Uint8Array(4);
  new DataView(count.buffer).setUint32(0, collisionCount >>> 0, true);
  const hash = fnv1a32(count, fnv1a32(encoded));
  return safeEncode(String(hash));
}
