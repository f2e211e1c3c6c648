import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  leafHashList,
  treeRoot,
  TreeFrontier,
  verifyConsistency,
  verifyInclusion,
} from '../../src/ledger/merkle.js';

// The eight leaves and tree roots of Certificate Transparency's reference tests (RFC 6962 and
// RFC 9162 hash trees identically).
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

const ctLeaves = leafHashList(LEAVES.map((hex) => leafHash(Buffer.from(hex, 'hex'))));

void test('tree roots match the Certificate Transparency reference vectors, whole and built leaf by leaf', () => {
  const frontier = new TreeFrontier();
  ROOTS.forEach((root, i) => {
    assert.equal(treeRoot(ctLeaves, i + 1).toString('hex'), root, `root of ${i + 1} leaves`);
    frontier.push(ctLeaves.at(i));
    assert.equal(frontier.root().toString('hex'), root, `frontier root of ${i + 1} leaves`);
  });
  assert.equal(
    treeRoot(ctLeaves, 0).toString('hex'),
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'the empty tree hashes to SHA-256 of nothing',
  );
});

const many = leafHashList(Array.from({ length: 70 }, (_, i) => leafHash(`leaf ${i}`)));

void test('every inclusion proof verifies, and fails for another leaf, another index or a changed hash', () => {
  for (let size = 1; size <= many.length; size++) {
    const root = treeRoot(many, size);
    for (let index = 0; index < size; index++) {
      const proof = inclusionProof(many, index, size);
      assert.ok(verifyInclusion(index, size, many.at(index), proof, root), `leaf ${index} of ${size}`);
      const other = (index + 1) % size;
      if (other !== index) assert.ok(!verifyInclusion(index, size, many.at(other), proof, root));
      if (size > 1) assert.ok(!verifyInclusion(other, size, many.at(index), proof, root));
      if (proof.length > 0) {
        const bent = proof.map((h, i) => (i === proof.length - 1 ? leafHash('x') : h));
        assert.ok(!verifyInclusion(index, size, many.at(index), bent, root));
      }
    }
  }
});

void test('every consistency proof verifies, and fails against a tree that is not an extension', () => {
  for (let newSize = 1; newSize <= 40; newSize++) {
    const newRoot = treeRoot(many, newSize);
    for (let oldSize = 1; oldSize <= newSize; oldSize++) {
      const oldRoot = treeRoot(many, oldSize);
      const proof = consistencyProof(many, oldSize, newSize);
      assert.ok(verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof), `${oldSize} → ${newSize}`);
      assert.ok(!verifyConsistency(oldSize, newSize, leafHash('forged'), newRoot, proof));
      if (oldSize < newSize)
        assert.ok(!verifyConsistency(oldSize, newSize, oldRoot, leafHash('forged'), proof));
    }
  }
  // A rewritten history: leaf 3 replaced, everything after recomputed.
  const rewritten = leafHashList(
    Array.from({ length: 20 }, (_, i) => (i === 3 ? leafHash('rewritten') : many.at(i))),
  );
  assert.ok(
    !verifyConsistency(
      10,
      20,
      treeRoot(many, 10),
      treeRoot(rewritten, 20),
      consistencyProof(rewritten, 10, 20),
    ),
  );
});

void test('impossible proofs are refused with the sizes named', () => {
  assert.throws(() => inclusionProof(many, 5, 5), /no leaf 5 in a tree of 5 leaves/);
  assert.throws(() => consistencyProof(many, 9, 8), /from size 9 to size 8/);
});
