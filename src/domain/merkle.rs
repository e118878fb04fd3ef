//! The audit log's Merkle tree, as RFC 9162 (and RFC 6962 before it) defines it: a leaf is
//! `SHA-256(0x00 || encoding)` ([`crate::domain::audit::leaf_hash`]), a node
//! `SHA-256(0x01 || left || right)`, and the tree of `n` leaves splits at the largest power of
//! two below `n`. Pure arithmetic over stored hashes, as Go's `sumdb/tlog` keeps them: the hash
//! of every complete subtree, addressed by its level (0 = leaves) and its index at that level,
//! which is about two hashes per leaf. Trees, roots and proofs of any size are computed from
//! those alone, never by re-hashing the leaves.
//!
//! Why not a crate: the maintained RFC 6962 crates (`ct-merkle`, `merkle-log`) keep the whole
//! tree in memory, and the tree here lives in the database and must be read a few nodes at a
//! time; the arithmetic below is short and is tested against a verifier written from the RFC.

use std::collections::{BTreeSet, HashMap};

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// Where a stored hash sits: `(level, index)`; the node covers leaves
/// `index << level .. (index + 1) << level`.
pub type Position = (u8, u64);

/// `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The positions whose stored hashes the next leaf, at index `size`, will be combined with:
/// the roots of the complete subtrees along the right edge of a tree of `size` leaves.
pub fn frontier(size: u64) -> Vec<Position> {
    (0..64u8)
        .filter(|level| size >> level & 1 == 1)
        .map(|level| (level, (size >> level) - 1))
        .collect()
}

/// The hashes to store when the leaves `leaves` are appended to a tree of `size` leaves, given
/// the stored hashes of its [`frontier`]: each leaf, and every subtree it completes.
pub fn appended(size: u64, leaves: &[Hash], frontier_hashes: &HashMap<Position, Hash>) -> Vec<(Position, Hash)> {
    let mut known = frontier_hashes.clone();
    let mut out = Vec::with_capacity(leaves.len() * 2);
    for (offset, leaf) in leaves.iter().enumerate() {
        let (mut level, mut index, mut hash) = (0u8, size + offset as u64, *leaf);
        loop {
            known.insert((level, index), hash);
            out.push(((level, index), hash));
            if index & 1 == 0 {
                break;
            }
            let Some(left) = known.get(&(level, index - 1)) else {
                break;
            };
            hash = node_hash(left, &hash);
            level += 1;
            index >>= 1;
        }
    }
    out
}

/// Rebuilds a tree from its leaves, in order, keeping only the right edge (a hash per level):
/// what verification uses to recompute every stored hash and the root at any size.
#[derive(Debug, Default, Clone)]
pub struct Builder {
    size: u64,
    /// The roots of the complete subtrees along the right edge, lowest level last.
    edge: Vec<(u8, Hash)>,
}

impl Builder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Adds the next leaf; calls `completed` with every hash that is now stored for it (the
    /// leaf and each subtree it completes), as [`appended`] does.
    pub fn push(&mut self, leaf: Hash, mut completed: impl FnMut(Position, &Hash)) {
        let index = self.size;
        let mut hash = leaf;
        let mut level = 0u8;
        completed((0, index), &hash);
        while let Some(&(top_level, left)) = self.edge.last() {
            if top_level != level {
                break;
            }
            self.edge.pop();
            hash = node_hash(&left, &hash);
            level += 1;
            completed((level, index >> level), &hash);
        }
        self.edge.push((level, hash));
        self.size += 1;
    }

    /// The root of the tree of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        let mut hashes = self.edge.iter().rev().map(|(_, h)| *h);
        let Some(mut root) = hashes.next() else {
            return empty_root();
        };
        for left in hashes {
            root = node_hash(&left, &root);
        }
        root
    }
}

/// Reads stored hashes; `None` where a position is not stored (a damaged tree).
pub trait Nodes {
    fn node(&mut self, at: Position) -> Option<Hash>;
}

impl Nodes for HashMap<Position, Hash> {
    fn node(&mut self, at: Position) -> Option<Hash> {
        self.get(&at).copied()
    }
}

/// Records the positions a computation reads (answering zeros), so that they can be fetched
/// in one query before the computation runs again on what was fetched.
#[derive(Default)]
pub struct Needed(pub BTreeSet<Position>);

impl Nodes for Needed {
    fn node(&mut self, at: Position) -> Option<Hash> {
        self.0.insert(at);
        Some([0; 32])
    }
}

/// The hash of leaves `start..end`, where `start` is a multiple of the largest power of two
/// not above `end - start` (as every range the RFC's recursions make is).
fn range_hash(nodes: &mut dyn Nodes, start: u64, end: u64) -> Option<Hash> {
    let width = end - start;
    if width.is_power_of_two() {
        let level = width.trailing_zeros() as u8;
        return nodes.node((level, start >> level));
    }
    let split = split_point(width);
    let left = range_hash(nodes, start, start + split)?;
    let right = range_hash(nodes, start + split, end)?;
    Some(node_hash(&left, &right))
}

/// The largest power of two below `n` (n > 1): where the RFC splits a tree.
fn split_point(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// The root of the tree of the first `size` leaves.
pub fn root(nodes: &mut dyn Nodes, size: u64) -> Option<Hash> {
    if size == 0 {
        return Some(empty_root());
    }
    range_hash(nodes, 0, size)
}

/// The audit path of leaf `index` in the tree of `size` leaves (RFC 9162, 2.1.3.1), from the
/// leaf up. `None` when `index >= size` or a hash is missing.
pub fn inclusion_proof(nodes: &mut dyn Nodes, index: u64, size: u64) -> Option<Vec<Hash>> {
    if index >= size {
        return None;
    }
    let mut path = Vec::new();
    path_within(nodes, index, 0, size, &mut path)?;
    Some(path)
}

fn path_within(nodes: &mut dyn Nodes, index: u64, start: u64, end: u64, path: &mut Vec<Hash>) -> Option<()> {
    let width = end - start;
    if width == 1 {
        return Some(());
    }
    let split = split_point(width);
    if index < start + split {
        path_within(nodes, index, start, start + split, path)?;
        path.push(range_hash(nodes, start + split, end)?);
    } else {
        path_within(nodes, index, start + split, end, path)?;
        path.push(range_hash(nodes, start, start + split)?);
    }
    Some(())
}

/// The consistency proof between the trees of `from` and `to` leaves (RFC 9162, 2.1.4.1),
/// `0 < from <= to`. `None` otherwise or when a hash is missing.
pub fn consistency_proof(nodes: &mut dyn Nodes, from: u64, to: u64) -> Option<Vec<Hash>> {
    if from == 0 || from > to {
        return None;
    }
    let mut proof = Vec::new();
    subproof(nodes, from, 0, to, true, &mut proof)?;
    Some(proof)
}

fn subproof(nodes: &mut dyn Nodes, m: u64, start: u64, end: u64, whole: bool, proof: &mut Vec<Hash>) -> Option<()> {
    let n = end - start;
    if m == n {
        if !whole {
            proof.push(range_hash(nodes, start, end)?);
        }
        return Some(());
    }
    let k = split_point(n);
    if m <= k {
        subproof(nodes, m, start, start + k, whole, proof)?;
        proof.push(range_hash(nodes, start + k, end)?);
    } else {
        subproof(nodes, m - k, start + k, end, false, proof)?;
        proof.push(range_hash(nodes, start, start + k)?);
    }
    Some(())
}

/// Checks an inclusion proof (RFC 9162, 2.1.3.2).
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, path: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && r == *root
}

/// Checks a consistency proof (RFC 9162, 2.1.4.2).
pub fn verify_consistency(from: u64, to: u64, from_root: &Hash, to_root: &Hash, proof: &[Hash]) -> bool {
    if from == 0 || from > to {
        return false;
    }
    if from == to {
        return proof.is_empty() && from_root == to_root;
    }
    if proof.is_empty() {
        return false;
    }
    let mut path: Vec<Hash> = proof.to_vec();
    if from.is_power_of_two() {
        path.insert(0, *from_root);
    }
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let (mut f_n, mut s_n) = (from - 1, to - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    fr == *from_root && sr == *to_root && s_n == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builder_stores_what_appended_stores_and_has_every_root() {
        let mut builder = Builder::new();
        let mut stored = HashMap::new();
        assert_eq!(builder.root(), empty_root());
        for i in 0..70u64 {
            let leaf: Hash = Sha256::digest(i.to_be_bytes()).into();
            let expected = appended(i, &[leaf], &stored);
            let mut got = Vec::new();
            builder.push(leaf, |at, hash| got.push((at, *hash)));
            assert_eq!(got, expected, "leaf {i}");
            stored.extend(expected);
            assert_eq!(
                Some(builder.root()),
                root(&mut stored.clone(), i + 1),
                "root of {}",
                i + 1
            );
        }
    }

    fn leaf(i: u64) -> Hash {
        crate::domain::audit::leaf_hash(format!("event {i}").as_bytes())
    }

    /// RFC 9162's MTH, straight from its definition, over the leaf hashes.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    /// A tree of `n` leaves stored as appends of uneven batches would store it.
    fn stored(n: u64) -> (Vec<Hash>, HashMap<Position, Hash>) {
        let leaves: Vec<Hash> = (0..n).map(leaf).collect();
        let mut nodes = HashMap::new();
        let mut size = 0u64;
        for batch in leaves.chunks(3) {
            let edge: HashMap<Position, Hash> = frontier(size).into_iter().map(|p| (p, nodes[&p])).collect();
            nodes.extend(appended(size, batch, &edge));
            size += batch.len() as u64;
        }
        (leaves, nodes)
    }

    #[test]
    fn stored_hashes_give_every_root_of_the_rfc() {
        let (leaves, mut nodes) = stored(70);
        // About two hashes per leaf.
        assert!(nodes.len() < 2 * leaves.len(), "{}", nodes.len());
        for size in 0..=70 {
            assert_eq!(
                root(&mut nodes, size),
                Some(mth(&leaves[..size as usize])),
                "size {size}"
            );
        }
    }

    #[test]
    fn inclusion_proofs_verify_and_forgeries_do_not() {
        let (leaves, mut nodes) = stored(40);
        for size in 1..=40u64 {
            let root = mth(&leaves[..size as usize]);
            for index in 0..size {
                let path = inclusion_proof(&mut nodes, index, size).unwrap();
                assert!(
                    verify_inclusion(&leaves[index as usize], index, size, &path, &root),
                    "{index}/{size}"
                );
                let other = leaves[((index + 1) % size) as usize];
                assert!(size == 1 || !verify_inclusion(&other, index, size, &path, &root));
            }
        }
        assert_eq!(inclusion_proof(&mut nodes, 5, 5), None);
    }

    #[test]
    fn consistency_proofs_verify_between_every_pair_and_forgeries_do_not() {
        let (leaves, mut nodes) = stored(64);
        for to in 1..=64u64 {
            let to_root = mth(&leaves[..to as usize]);
            for from in 1..=to {
                let from_root = mth(&leaves[..from as usize]);
                let proof = consistency_proof(&mut nodes, from, to).unwrap();
                assert!(
                    verify_consistency(from, to, &from_root, &to_root, &proof),
                    "{from}->{to}"
                );
                let forged = node_hash(&from_root, &from_root);
                assert!(!verify_consistency(from, to, &forged, &to_root, &proof), "{from}->{to}");
            }
        }
        assert_eq!(consistency_proof(&mut nodes, 0, 3), None);
        assert_eq!(consistency_proof(&mut nodes, 4, 3), None);
    }

    #[test]
    fn proofs_read_few_stored_hashes() {
        // What a proof reads is known before reading it, to fetch in one query.
        let mut needed = Needed::default();
        inclusion_proof(&mut needed, 123_456, 1_000_000).unwrap();
        consistency_proof(&mut needed, 999_999, 1_000_000).unwrap();
        assert!(needed.0.len() <= 2 * 2 * 20, "{}", needed.0.len());
    }
}
