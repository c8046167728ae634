// The ledger's verification library: no database, no server, no Node-only module, so that the
// browser and third parties check GreenTrade's entries, proofs and checkpoints themselves.
export { toHex, fromHex, equalBytes } from './hex.js';
export {
  defaultSha256,
  leafHash,
  nodeHash,
  rangeHash,
  rootHash,
  inclusionPath,
  consistencyProof,
  verifyInclusion,
  verifyConsistency,
  isPowerOfTwo,
  type Hash,
  type Sha256,
  type NodeSource,
  type Check,
} from './merkle.js';
export { canonicalEntry, entryLeafHash, parseEntry, type LedgerEntry } from './entry.js';
export { checkpointBody, noteKeyId, signedNote, verifyCheckpoint, type Checkpoint } from './checkpoint.js';
export {
  checkInclusionProof,
  checkConsistencyProof,
  type InclusionProof,
  type ConsistencyProof,
} from './proof.js';
