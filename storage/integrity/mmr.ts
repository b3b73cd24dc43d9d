/**
 * A Merkle mountain range (MMR): an append-only list of leaves hashed into a
 * row of perfect binary trees ("mountains"), one per set bit of the leaf count,
 * largest on the left. Appending a leaf adds it as a mountain of height 0 and
 * merges the two rightmost mountains while they have the same height, so a new
 * leaf writes at most 1 + log2(n) nodes and never changes an old one: the peaks
 * of any earlier size are nodes of every later one.
 *
 *   leaves 0..6:          6
 *                       /   \
 *                      2     5      9
 *                     / \   / \    / \
 *                    0   1 3   4  7   8  10     <- node positions, in the order written
 *
 * Hashes are lowercase hex; a parent is sha256(left + right), as in the
 * checkpoints' first (/1) Merkle tree; the root is the peaks bagged from the
 * right: root = sha256(p0 + sha256(p1 + ... sha256(p[k-2] + p[k-1]))), a single
 * peak is the root itself, and an empty range's root is sha256('').
 * The offline verifier (offlineVerifier.mjs) repeats these rules in plain
 * JavaScript; they must stay the same in both.
 *
 * Positions and proofs are worked out from leaf ranges: a node of height h
 * over the leaves [first, first + 2^h) sits at position
 * nodeCount(first) + 2^(h+1) - 2 (every node written before its first leaf,
 * then its own subtree in post-order). Pure functions, no storage.
 */
import { sha256 } from '../hash';

export const EMPTY_ROOT = sha256('');

export function parentHash(left: string, right: string): string {
  return sha256(left + right);
}

/** How many bits of n are set (n up to 2^53). */
function popcount(n: number): number {
  let count = 0;
  for (let v = n; v > 0; v = Math.floor(v / 2)) count += v % 2;
  return count;
}

/** The number of nodes of an MMR of `leaves` leaves: 2n - popcount(n). */
export function nodeCount(leaves: number): number {
  return 2 * leaves - popcount(leaves);
}

/** The position of the node of height `height` whose subtree starts at leaf `first` (a multiple of 2^height). */
export function nodePosition(first: number, height: number): number {
  return nodeCount(first) + 2 ** (height + 1) - 2;
}

/** The position of leaf `index`. */
export function leafPosition(index: number): number {
  return nodeCount(index);
}

export interface Mountain {
  /** The first leaf it covers. */
  first: number;
  height: number;
  /** Its peak's position. */
  pos: number;
}

/** The mountains of an MMR of `leaves` leaves, left (oldest, highest) to right. */
export function mountains(leaves: number): Mountain[] {
  const out: Mountain[] = [];
  let first = 0;
  for (let h = Math.floor(Math.log2(Math.max(leaves, 1))) + 1; h >= 0; h--) {
    const size = 2 ** h;
    if (leaves - first >= size) {
      out.push({ first, height: h, pos: nodePosition(first, h) });
      first += size;
    }
  }
  return out;
}

/** The root of peaks (left to right): bagged from the right; none: EMPTY_ROOT. */
export function bagPeaks(peaks: readonly string[]): string {
  if (peaks.length === 0) return EMPTY_ROOT;
  let acc = peaks[peaks.length - 1]!;
  for (let i = peaks.length - 2; i >= 0; i--) acc = parentHash(peaks[i]!, acc);
  return acc;
}

export interface AppendResult {
  /** Every node written, in position order (leaves and the parents they complete). */
  nodes: Array<{ pos: number; hash: string }>;
  /** The peaks after the append, left to right. */
  peaks: string[];
  leaves: number;
}

/**
 * Appends `added` leaves to an MMR of `leaves` leaves whose peaks are `peaks`
 * (left to right): the nodes to write and the peaks after. O(added x log n).
 */
export function appendLeaves(leaves: number, peaks: readonly string[], added: readonly string[]): AppendResult {
  const shape = mountains(leaves);
  if (shape.length !== peaks.length) throw new Error(`an MMR of ${leaves} leaves has ${shape.length} peaks, not ${peaks.length}`);
  const stack = shape.map((m, i) => ({ height: m.height, hash: peaks[i]! }));
  const nodes: AppendResult['nodes'] = [];
  let pos = nodeCount(leaves);
  for (const leaf of added) {
    nodes.push({ pos: pos++, hash: leaf });
    stack.push({ height: 0, hash: leaf });
    while (stack.length >= 2 && stack[stack.length - 1]!.height === stack[stack.length - 2]!.height) {
      const right = stack.pop()!;
      const left = stack.pop()!;
      const merged = { height: left.height + 1, hash: parentHash(left.hash, right.hash) };
      nodes.push({ pos: pos++, hash: merged.hash });
      stack.push(merged);
    }
  }
  return { nodes, peaks: stack.map((s) => s.hash), leaves: leaves + added.length };
}

/** The root of an MMR over `leaves` (appended from empty). */
export function mmrRoot(leaves: readonly string[]): string {
  return bagPeaks(appendLeaves(0, [], leaves).peaks);
}

/**
 * The siblings on the way from the node of height `height` over the leaves
 * starting at `first` up to the peak of its mountain in an MMR of `leaves`
 * leaves: their positions, bottom up, and which peak the way ends at.
 */
export function pathPositions(first: number, height: number, leaves: number): { siblings: number[]; peakIndex: number } {
  const shape = mountains(leaves);
  const peakIndex = shape.findIndex((m) => first >= m.first && first < m.first + 2 ** m.height);
  const mountain = shape[peakIndex];
  if (!mountain || height > mountain.height || (first - mountain.first) % 2 ** height !== 0)
    throw new Error(`no node of height ${height} starts at leaf ${first} in an MMR of ${leaves} leaves`);
  const siblings: number[] = [];
  let start = first;
  for (let h = height; h < mountain.height; h++) {
    const span = 2 ** h;
    const isRight = Math.floor((start - mountain.first) / span) % 2 === 1;
    siblings.push(nodePosition(isRight ? start - span : start + span, h));
    if (isRight) start -= span;
  }
  return { siblings, peakIndex };
}

/**
 * Climbs from `hash` (the node of height `height` over the leaves starting at
 * `first`) with the sibling hashes `path`, bottom up, to its mountain's peak in
 * an MMR of `leaves` leaves. Returns the peak's hash and index, or null when
 * the path's length does not fit the place.
 */
export function climb(
  hash: string,
  first: number,
  height: number,
  leaves: number,
  path: readonly string[],
): { peak: string; peakIndex: number } | null {
  const shape = mountains(leaves);
  const peakIndex = shape.findIndex((m) => first >= m.first && first < m.first + 2 ** m.height);
  const mountain = shape[peakIndex];
  if (!mountain || path.length !== mountain.height - height) return null;
  let acc = hash;
  for (const [i, sibling] of path.entries()) {
    const span = 2 ** (height + i);
    const isRight = Math.floor((first - mountain.first) / span) % 2 === 1;
    acc = isRight ? parentHash(sibling, acc) : parentHash(acc, sibling);
  }
  return { peak: acc, peakIndex };
}

/** An inclusion proof of one leaf under the root of an MMR of `leaves` leaves. */
export interface InclusionProof {
  leaf: string;
  leafIndex: number;
  leaves: number;
  /** Sibling hashes from the leaf up to its mountain's peak. */
  path: string[];
  /** Every peak, left to right. */
  peaks: string[];
}

/** The root an inclusion proof leads to, or null when it does not hold together (wrong length, wrong peak). */
export function rootFromInclusion(p: InclusionProof): string | null {
  if (!Number.isSafeInteger(p.leafIndex) || p.leafIndex < 0 || p.leafIndex >= p.leaves) return null;
  if (p.peaks.length !== mountains(p.leaves).length) return null;
  const up = climb(p.leaf, p.leafIndex, 0, p.leaves, p.path);
  if (!up || p.peaks[up.peakIndex] !== up.peak) return null;
  return bagPeaks(p.peaks);
}

/**
 * That the MMR of `older` leaves is a prefix of the one of `newer` leaves:
 * each older peak with the path from it up to a newer peak.
 */
export interface ConsistencyProof {
  older: number;
  newer: number;
  olderPeaks: string[];
  /** For each older peak, the sibling hashes up to the newer peak over it. */
  paths: string[][];
  newerPeaks: string[];
}

/** The positions a consistency proof needs: the older peaks, and each one's path in the newer MMR. */
export function consistencyPositions(older: number, newer: number): { olderPeaks: number[]; paths: number[][] } {
  if (older > newer) throw new Error(`an MMR of ${older} leaves cannot be a prefix of one of ${newer}`);
  const old = mountains(older);
  return { olderPeaks: old.map((m) => m.pos), paths: old.map((m) => pathPositions(m.first, m.height, newer).siblings) };
}

/** Whether a consistency proof shows `olderRoot` (of `older` leaves) is a prefix of `newerRoot`. */
export function verifyConsistency(p: ConsistencyProof, olderRoot: string, newerRoot: string): boolean {
  const old = mountains(p.older);
  if (p.older > p.newer || p.olderPeaks.length !== old.length || p.paths.length !== old.length) return false;
  if (p.newerPeaks.length !== mountains(p.newer).length) return false;
  if (bagPeaks(p.olderPeaks) !== olderRoot || bagPeaks(p.newerPeaks) !== newerRoot) return false;
  return old.every((m, i) => {
    const up = climb(p.olderPeaks[i]!, m.first, m.height, p.newer, p.paths[i]!);
    return up !== null && p.newerPeaks[up.peakIndex] === up.peak;
  });
}
