/**
 * Minimum-cost one-to-one assignment (Hungarian algorithm, Kuhn–Munkres with potentials and
 * shortest augmenting paths, O(n²m) for an n×m matrix with n ≤ m). Rectangular matrices are
 * supported: every row of the smaller side is matched, the rest stay unmatched (-1).
 */

export interface Matching {
  /** rowToCol[r] = matched column, or -1. */
  rowToCol: Int32Array;
  /** colToRow[c] = matched row, or -1. */
  colToRow: Int32Array;
  /** Sum of the matched costs. */
  totalCost: number;
}

/** Cost matrix as rows of numbers, `cost[r][c]`. All entries must be finite. */
export type CostMatrix = readonly (readonly number[])[];

export function hungarian(cost: CostMatrix): Matching {
  const rows = cost.length;
  const cols = rows === 0 ? 0 : cost[0].length;
  for (const row of cost) {
    if (row.length !== cols) throw new Error('hungarian: ragged cost matrix');
    for (const v of row) if (!Number.isFinite(v)) throw new Error('hungarian: costs must be finite');
  }
  const rowToCol = new Int32Array(rows).fill(-1);
  const colToRow = new Int32Array(cols).fill(-1);
  if (rows === 0 || cols === 0) return { rowToCol, colToRow, totalCost: 0 };

  // The core needs n ≤ m; solve the transpose when there are more rows than columns.
  const transposed = rows > cols;
  const n = transposed ? cols : rows;
  const m = transposed ? rows : cols;
  const a = (i: number, j: number): number => (transposed ? cost[j][i] : cost[i][j]);
  const matchedRowOfCol = solveRowsLeqCols(a, n, m);

  let totalCost = 0;
  for (let j = 0; j < m; j++) {
    const i = matchedRowOfCol[j];
    if (i < 0) continue;
    const [r, c] = transposed ? [j, i] : [i, j];
    rowToCol[r] = c;
    colToRow[c] = r;
    totalCost += cost[r][c];
  }
  return { rowToCol, colToRow, totalCost };
}

/** Returns, for each of the m columns, its matched row (0-based) or -1. Requires n ≤ m. */
function solveRowsLeqCols(a: (i: number, j: number) => number, n: number, m: number): Int32Array {
  // 1-based arrays; index 0 is the virtual column/row used to start each augmenting search.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1); // p[j] = row matched to column j (1-based), 0 = free
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = a(i0 - 1, j - 1) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const out = new Int32Array(m).fill(-1);
  for (let j = 1; j <= m; j++) if (p[j] > 0) out[j - 1] = p[j] - 1;
  return out;
}
