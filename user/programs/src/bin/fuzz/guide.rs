//! Coverage guidance: the runner's half (the host's half is tools/covguide.py; the loop is
//! described in docs/coverage.md).
//!
//! A batch's *input* is a genome: up to `SEGS` segments `(seed, from_call)`. The batch child
//! starts with the first segment's stream and, at the first operation boundary at or after
//! call `from_call` of the next segment, continues with that segment's stream. A plain batch
//! is one segment `(batch_seed(S, B), 0)`.
//!
//! With `--corpus FILE` (genomes the host kept because their batches reached kernel code no
//! batch had reached before), batch B is, 3 times in 4, a mutation of a corpus entry chosen by
//! a stream seeded from (S, B): the entry's prefix up to a random call C, then the fresh stream
//! `(batch_seed(S, B), C)`. Results the kernel returns feed later choices, so the prefix
//! replays the entry's calls and the tail explores from the state they reached. The choice is
//! a pure function of (S, B, FILE): a batch replays with the same corpus file.
//!
//! With `--marks` the runner tells the host where each batch starts in QEMU's `-d in_asm`
//! trace: before forking batch B it writes `mov eax, B; ret` into a code page of its own (in
//! the sacred fixture block) and calls it. Writing a page that holds translated code makes
//! QEMU drop that code, so the call is translated (and printed) again, with B in the text.
//! It also prints `fuzz: input B GENOME` for every batch.

use crate::rng::{self, Rng};
use crate::world::{FIX, PG};
use core::ffi::CStr;
use core::fmt;
use rt::abi::flags::*;
use rt::prelude::*;

/// Most segments in a genome.
pub const SEGS: usize = 4;
/// The marker code page (inside the fixture block, which the generator never touches).
pub const MARK: u32 = FIX + 10 * PG;

/// A batch's input: `seg[..n]`, each `(seed, from_call)`, `from_call` increasing, the first 0.
#[derive(Clone, Copy)]
pub struct Genome {
    pub seg: [(u64, u32); SEGS],
    pub n: usize,
}

impl Genome {
    pub fn plain(seed: u64) -> Genome {
        Genome { seg: [(seed, 0); SEGS], n: 1 }
    }

    fn push(&mut self, seed: u64, from: u32) {
        let i = self.n.min(SEGS - 1);
        self.seg[i] = (seed, from);
        self.n = i + 1;
    }

    /// Parses `SEEDHEX@CALL+SEEDHEX@CALL...` (the first CALL is 0).
    fn parse(s: &[u8]) -> Option<Genome> {
        let mut g = Genome { seg: [(0, 0); SEGS], n: 0 };
        for part in s.split(|&b| b == b'+') {
            let at = part.iter().position(|&b| b == b'@')?;
            let seed = hex(&part[..at])?;
            let from = dec(&part[at + 1..])?;
            if g.n == SEGS || (g.n == 0) != (from == 0) || (g.n > 0 && from <= g.seg[g.n - 1].1) {
                return None;
            }
            g.push(seed, from);
        }
        (g.n > 0).then_some(g)
    }
}

impl fmt::Display for Genome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (seed, from)) in self.seg[..self.n].iter().enumerate() {
            write!(f, "{}{:x}@{}", if i > 0 { "+" } else { "" }, seed, from)?;
        }
        Ok(())
    }
}

fn hex(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 16 {
        return None;
    }
    s.iter().try_fold(0u64, |v, &b| Some(v << 4 | (b as char).to_digit(16)? as u64))
}

fn dec(s: &[u8]) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    s.iter().try_fold(0u32, |v, &b| v.checked_mul(10)?.checked_add((b as char).to_digit(10)?))
}

/// The kept inputs (in the runner's heap; children get a copy of the one they run).
pub struct Corpus(Vec<Genome>);

impl Corpus {
    pub const EMPTY: Corpus = Corpus(Vec::new());

    /// Reads whitespace-separated genomes from `path`; a malformed one is an error.
    pub fn load(path: &[u8]) -> Result<Corpus, &'static str> {
        let mut z = [0u8; 256];
        if path.len() >= z.len() {
            return Err("corpus path too long");
        }
        z[..path.len()].copy_from_slice(path);
        let c = CStr::from_bytes_until_nul(&z).map_err(|_| "bad corpus path")?;
        let text = rt::fs::read_file(c).map_err(|_| "cannot read the corpus file")?;
        let mut v = Vec::new();
        for word in text.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty()) {
            v.push(Genome::parse(word).ok_or("malformed genome in the corpus file")?);
        }
        Ok(Corpus(v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Batch `index`'s genome: plain, or (3 in 4 with a corpus) a mutated corpus entry.
    pub fn pick(&self, seed: u64, index: u64, calls: u32) -> Genome {
        let fresh = rng::batch_seed(seed, index);
        if self.0.is_empty() {
            return Genome::plain(fresh);
        }
        let mut r = Rng::new(fresh ^ 0xC0DE_C0DE);
        if r.chance(1, 4) {
            return Genome::plain(fresh);
        }
        let parent = self.0[r.below(self.0.len() as u32) as usize];
        let cut = 1 + r.below(calls.max(2) - 1);
        let mut g = Genome { seg: parent.seg, n: 0 };
        for &(s, from) in parent.seg[..parent.n].iter().take_while(|(_, from)| *from < cut) {
            g.push(s, from);
        }
        g.push(fresh, cut);
        g
    }
}

/// Maps the marker page (read, write, execute).
pub fn map_mark_page() -> Result<(), Errno> {
    let flags = (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED) as usize;
    let prot = (PROT_READ | PROT_WRITE | PROT_EXEC) as usize;
    // SAFETY: MARK lies in the fixture block, which nothing else of this program maps or uses.
    let r = unsafe { sys::syscall6(sys::nr::SYS_MMAP2, MARK as usize, PG as usize, prot, flags, usize::MAX, 0) };
    Errno::from_ret(r).map(|_| mark(u32::MAX))
}

/// Writes `mov eax, value; ret` into the marker page and runs it (see the module doc).
pub fn mark(value: u32) {
    let code = [0xB8, value as u8, (value >> 8) as u8, (value >> 16) as u8, (value >> 24) as u8, 0xC3];
    // SAFETY: MARK is our own read-write-execute page (map_mark_page); the six bytes written
    // are a complete function (`mov eax, imm32; ret`) with the C ABI's return register only.
    unsafe {
        for (i, b) in code.iter().enumerate() {
            (MARK as *mut u8).add(i).write_volatile(*b);
        }
        let f: extern "C" fn() -> u32 = core::mem::transmute(MARK as usize);
        core::hint::black_box(f());
    }
}

/// The schedule of a running batch child: when to switch to the next segment's stream.
#[derive(Clone, Copy)]
pub struct Schedule {
    g: Genome,
    next: usize,
}

impl Schedule {
    pub fn new(g: Genome) -> Schedule {
        Schedule { g, next: 1 }
    }

    pub fn first_seed(&self) -> u64 {
        self.g.seg[0].0
    }

    /// The stream to continue with once `calls` calls are made, if a segment starts there.
    pub fn switch(&mut self, calls: u32) -> Option<Rng> {
        if self.next < self.g.n && calls >= self.g.seg[self.next].1 {
            self.next += 1;
            return Some(Rng::new(self.g.seg[self.next - 1].0));
        }
        None
    }
}
