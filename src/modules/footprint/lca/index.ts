// The LCA matrix engine: the only file other modules import.
export { minimumDegreeOrder, type Ordering } from './amd.js';
export { lcaCli, lcaSolve, type LcaSolveOptions, type LcaSolveOutput } from './cli.js';
export {
  luFactor,
  luNnz,
  luSolve,
  luSolveTransposed,
  MAX_DENSE_BLOCK,
  PIVOT_THRESHOLD,
  type LuFactors,
  type LuOptions,
} from './lu.js';
export { parseMatrixMarket, writeMatrixMarket } from './matrix-market.js';
export {
  fromDense,
  fromTriplets,
  matMulDense,
  matTVec,
  matVec,
  nnz,
  normInf,
  toDense,
  transpose,
  type Csc,
} from './sparse.js';
export {
  LcaSystem,
  MAX_REFINEMENTS,
  RESIDUAL_TOLERANCE,
  type Contribution,
  type IndicatorContributions,
  type LcaMatrices,
  type LcaNames,
  type Sensitivity,
  type Solution,
  type TreeNode,
} from './system.js';
export { parseDemandCsv, writeDemandCsv } from './vector-csv.js';
