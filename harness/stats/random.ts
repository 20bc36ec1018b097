/**
 * A small seeded pseudo-random generator for the simulations in bench/ and the randomized
 * tests, so each can be reproduced from its seed. Math.random cannot be seeded, hence this.
 * No statistic a command computes draws from it: kbench's intervals are t-intervals.
 *
 * Algorithm: Mulberry32 (Tommy Ettinger, 2017): a 32-bit counter stepped by an odd constant
 * (period 2^32) and passed through an integer mixing function. Statistically good enough to
 * draw simulated samples (it passes gjrand and most of PractRand); not for cryptography.
 */

/** The seed a command records when given none (--seed); fixed so outputs are reproducible. */
export const DEFAULT_SEED = 20261125;

export interface Rng {
  /** Next uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number;
  /** Uniform integer in [0, bound), without modulo bias (bound between 1 and 2^32). */
  nextIndex(bound: number): number;
  /** Uniform float in [0, 1). */
  nextFloat(): number;
}

const TWO_POW_32 = 2 ** 32;

/** Any integer seed (negative and >32-bit ones are folded to 32 bits). */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  let state = Number(BigInt.asUintN(32, BigInt(seed)));

  const nextUint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return (z ^ (z >>> 14)) >>> 0;
  };

  const nextIndex = (bound: number): number => {
    if (!Number.isInteger(bound) || bound < 1 || bound > TWO_POW_32) throw new RangeError(`index bound must be an integer in [1, 2^32], got ${bound}`);
    // Reject the top sliver of the 32-bit range that would make low indexes slightly likelier.
    const acceptBelow = TWO_POW_32 - (TWO_POW_32 % bound);
    for (;;) {
      const draw = nextUint32();
      if (draw < acceptBelow) return draw % bound;
    }
  };

  return { nextUint32, nextIndex, nextFloat: () => nextUint32() / TWO_POW_32 };
}
