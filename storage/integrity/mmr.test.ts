import { sha256 } from '../hash';
import {
  appendLeaves,
  bagPeaks,
  climb,
  consistencyPositions,
  EMPTY_ROOT,
  leafPosition,
  mmrRoot,
  mountains,
  nodeCount,
  pathPositions,
  rootFromInclusion,
  verifyConsistency,
  type InclusionProof,
} from './mmr';

const leavesOf = (n: number) => Array.from({ length: n }, (_, i) => sha256(`document ${i}`));

/** The reference: each mountain a plain Merkle tree over its leaves, split by the bits of n, the roots bagged from the right. */
function referenceRoot(leaves: string[]): string {
  const tree = (xs: string[]): string =>
    xs.length === 1 ? xs[0]! : sha256(tree(xs.slice(0, xs.length / 2)) + tree(xs.slice(xs.length / 2)));
  const peaks: string[] = [];
  let rest = leaves;
  while (rest.length > 0) {
    const size = 2 ** Math.floor(Math.log2(rest.length));
    peaks.push(tree(rest.slice(0, size)));
    rest = rest.slice(size);
  }
  let root = peaks.length === 0 ? sha256('') : peaks.at(-1)!;
  for (let i = peaks.length - 2; i >= 0; i--) root = sha256(peaks[i]! + root);
  return root;
}

/** Every node of an MMR of these leaves, by position (appended one at a time). */
function allNodes(leaves: string[]): string[] {
  const nodes: string[] = [];
  let peaks: string[] = [];
  leaves.forEach((leaf, i) => {
    const r = appendLeaves(i, peaks, [leaf]);
    for (const n of r.nodes) {
      expect(n.pos).toBe(nodes.length);
      nodes.push(n.hash);
    }
    peaks = r.peaks;
  });
  return nodes;
}

function proofOf(nodes: string[], leaves: string[], index: number, size: number): InclusionProof {
  const { siblings } = pathPositions(index, 0, size);
  return {
    leaf: leaves[index]!,
    leafIndex: index,
    leaves: size,
    path: siblings.map((p) => nodes[p]!),
    peaks: mountains(size).map((m) => nodes[m.pos]!),
  };
}

const flip = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);

describe('the Merkle mountain range', () => {
  const leaves = leavesOf(64);
  const nodes = allNodes(leaves);

  test('no leaves: the root of the empty string; one leaf: the leaf itself', () => {
    expect(mmrRoot([])).toBe(EMPTY_ROOT);
    expect(bagPeaks([])).toBe(sha256(''));
    expect(mmrRoot([leaves[0]!])).toBe(leaves[0]);
  });

  test('the root equals the reference recomputation for every size from 1 to 64', () => {
    for (let n = 1; n <= 64; n++)
      expect({ n, root: mmrRoot(leaves.slice(0, n)) }).toEqual({ n, root: referenceRoot(leaves.slice(0, n)) });
  });

  test('appending in batches of any size writes the same nodes as one at a time, at the positions the arithmetic gives', () => {
    expect(nodes).toHaveLength(nodeCount(64));
    for (const batch of [1, 3, 7, 16, 64]) {
      const written: string[] = [];
      let peaks: string[] = [];
      for (let i = 0; i < 64; i += batch) {
        const r = appendLeaves(i, peaks, leaves.slice(i, i + batch));
        for (const n of r.nodes) written[n.pos] = n.hash;
        peaks = r.peaks;
        expect(bagPeaks(peaks)).toBe(referenceRoot(leaves.slice(0, r.leaves)));
      }
      expect(written).toEqual(nodes);
    }
    for (let i = 0; i < 64; i++) expect(nodes[leafPosition(i)]).toBe(leaves[i]);
    // The peaks of every size are nodes the MMR already holds, and bag to its root.
    for (let n = 1; n <= 64; n++)
      expect(bagPeaks(mountains(n).map((m) => nodes[m.pos]!))).toBe(referenceRoot(leaves.slice(0, n)));
  });

  test('refuses peaks that do not fit the size', () => {
    expect(() => appendLeaves(3, [leaves[0]!], [leaves[1]!])).toThrow(/has 2 peaks, not 1/);
  });

  test('every leaf of every size has an inclusion proof that leads to the root', () => {
    for (let n = 1; n <= 64; n++) {
      const root = referenceRoot(leaves.slice(0, n));
      for (let i = 0; i < n; i++) expect(rootFromInclusion(proofOf(nodes, leaves, i, n))).toBe(root);
    }
  });

  test('a tampered leaf, sibling, peak or index does not lead to the root', () => {
    const n = 45;
    const root = referenceRoot(leaves.slice(0, n));
    for (const i of [0, 17, 31, 32, 40, 44]) {
      const p = proofOf(nodes, leaves, i, n);
      expect(rootFromInclusion(p)).toBe(root);
      expect(rootFromInclusion({ ...p, leaf: flip(p.leaf) })).not.toBe(root);
      expect(rootFromInclusion({ ...p, leaf: leaves[(i + 1) % n]! })).not.toBe(root);
      if (p.path.length > 0) expect(rootFromInclusion({ ...p, path: [flip(p.path[0]!), ...p.path.slice(1)] })).toBeNull();
      if (p.path.length > 1) expect(rootFromInclusion({ ...p, path: p.path.slice(0, -1) })).toBeNull();
      expect(rootFromInclusion({ ...p, peaks: p.peaks.map((x, k) => (k === 0 ? flip(x) : x)) })).not.toBe(root);
      expect(rootFromInclusion({ ...p, peaks: p.peaks.slice(1) })).toBeNull();
      // The same leaf claimed at a neighbouring place. (The size is not the proof's to choose: a
      // checkpoint signs it beside the root, and a proof is checked with the size signed.)
      const moved = rootFromInclusion({ ...p, leafIndex: i ^ 1 });
      if (moved !== null) expect(moved).not.toBe(root);
      expect(rootFromInclusion({ ...p, leafIndex: n })).toBeNull();
      expect(rootFromInclusion({ ...p, leafIndex: -1 })).toBeNull();
    }
  });

  test('every older size is a prefix of every newer one, shown by its peaks and their paths; a changed history is not', () => {
    for (let older = 0; older <= 40; older++) {
      for (const newer of [older, older + 1, 41, 64]) {
        if (newer < older) continue;
        const pos = consistencyPositions(older, newer);
        const proof = {
          older,
          newer,
          olderPeaks: pos.olderPeaks.map((p) => nodes[p]!),
          paths: pos.paths.map((path) => path.map((p) => nodes[p]!)),
          newerPeaks: mountains(newer).map((m) => nodes[m.pos]!),
        };
        const olderRoot = referenceRoot(leaves.slice(0, older));
        const newerRoot = referenceRoot(leaves.slice(0, newer));
        expect(verifyConsistency(proof, olderRoot, newerRoot)).toBe(true);
        if (older > 0) {
          // An older checkpoint over a different history (one leaf changed) is not a prefix of the newer one.
          const other = [...leaves.slice(0, older)];
          other[older - 1] = flip(other[older - 1]!);
          const otherNodes = allNodes(other);
          const forged = { ...proof, olderPeaks: mountains(older).map((m) => otherNodes[m.pos]!) };
          expect(verifyConsistency(forged, referenceRoot(other), newerRoot)).toBe(false);
          expect(verifyConsistency(proof, flip(olderRoot), newerRoot)).toBe(false);
        }
      }
    }
  });

  test('a path that does not fit its place is refused', () => {
    expect(climb(leaves[0]!, 0, 0, 8, [])).toBeNull();
    expect(() => pathPositions(3, 1, 8)).toThrow(/no node of height 1 starts at leaf 3/);
  });
});
