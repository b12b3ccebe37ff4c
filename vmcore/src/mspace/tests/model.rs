//! Model-based property test: random map / unmap / protect / fork / write / read / madvise /
//! populate / mlock / munlock / mremap / sweep sequences over three spaces, against a model of
//! every page's contents. Forks share page tables (`ptshare`): the window straddles a 4 MiB
//! boundary, so every later edit meets shared tables in both spaces.
//!
//! The model gives each resident page an *object* (its bytes, sparse); private pages get a
//! copy of the object on fork, shared pages keep the same object. Reads must return the
//! model's bytes (copy-on-write isolation and sharing), refusals must match the model's
//! permissions, and after every step the world checks each space's consistency and every
//! frame's reference count exactly. At the end every frame must be back.

use super::*;
use proptest::prelude::*;
use std::vec;

/// Pages in the window: 8 below a 4 MiB boundary and 8 above, so tables come and go.
const N: u32 = 16;
const BASE: u32 = 0x0C00_0000 - 8 * PAGE_SIZE;
const SPACES: usize = 3;
/// Offsets reads and writes use, so they meet.
const OFFSETS: [u32; 4] = [0, 1, 2, PAGE_SIZE - 1];

/// Protection of a model page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prot {
    None,
    Read,
    ReadWrite,
}

impl Prot {
    fn flags(self) -> VmFlags {
        match self {
            Prot::None => VmFlags::empty(),
            Prot::Read => VmFlags::READ,
            Prot::ReadWrite => VmFlags::READ | VmFlags::WRITE,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct MPage {
    prot: Prot,
    shared: bool,
    obj: usize,
}

#[derive(Clone, Debug)]
enum Op {
    Map { s: usize, at: u32, pages: u32, prot: Prot, shared: bool },
    Unmap { s: usize, at: u32, pages: u32 },
    Protect { s: usize, at: u32, pages: u32, prot: Prot },
    Fork { from: usize, to: usize },
    Write { s: usize, page: u32, off: usize, val: u8 },
    Read { s: usize, page: u32, off: usize },
    DontNeed { s: usize, at: u32, pages: u32 },
    Populate { s: usize, at: u32, pages: u32, write: bool },
    Sweep { s: usize },
    /// `mlock` then `munlock` of the range (the model keeps no lock state: `MADV_DONTNEED`
    /// refuses locked areas).
    Lock { s: usize, at: u32, pages: u32 },
    /// `mremap(MAYMOVE | FIXED)` of one page to another place in the window.
    Move { s: usize, page: u32, to: u32 },
    /// Writes `val + page` at an offset depending on the page, in every page of `s`.
    Scribble { s: usize, val: u8 },
    /// Reads every offset of every page of `s`.
    Verify { s: usize },
}

fn prot() -> impl Strategy<Value = Prot> {
    prop_oneof![1 => Just(Prot::None), 2 => Just(Prot::Read), 4 => Just(Prot::ReadWrite)]
}

fn range() -> impl Strategy<Value = (u32, u32)> {
    (0..N, 1..=5u32).prop_map(|(at, n)| (at, n.min(N - at)))
}

fn op() -> impl Strategy<Value = Op> {
    let s = 0..SPACES;
    prop_oneof![
        4 => (s.clone(), range(), prot(), prop::bool::weighted(0.3))
            .prop_map(|(s, (at, pages), prot, shared)| Op::Map { s, at, pages, prot, shared }),
        2 => (s.clone(), range()).prop_map(|(s, (at, pages))| Op::Unmap { s, at, pages }),
        2 => (s.clone(), range(), prot())
            .prop_map(|(s, (at, pages), prot)| Op::Protect { s, at, pages, prot }),
        2 => (s.clone(), 1..SPACES).prop_map(|(from, d)| Op::Fork { from, to: (from + d) % SPACES }),
        8 => (s.clone(), 0..N, 0..OFFSETS.len(), any::<u8>())
            .prop_map(|(s, page, off, val)| Op::Write { s, page, off, val }),
        6 => (s.clone(), 0..N, 0..OFFSETS.len()).prop_map(|(s, page, off)| Op::Read { s, page, off }),
        1 => (s.clone(), range()).prop_map(|(s, (at, pages))| Op::DontNeed { s, at, pages }),
        1 => (s.clone(), range(), any::<bool>())
            .prop_map(|(s, (at, pages), write)| Op::Populate { s, at, pages, write }),
        1 => s.clone().prop_map(|s| Op::Sweep { s }),
        1 => (s.clone(), range()).prop_map(|(s, (at, pages))| Op::Lock { s, at, pages }),
        2 => (s.clone(), 0..N, 0..N).prop_map(|(s, page, to)| Op::Move { s, page, to }),
        2 => (s.clone(), any::<u8>()).prop_map(|(s, val)| Op::Scribble { s, val }),
        2 => s.prop_map(|s| Op::Verify { s }),
    ]
}

/// The model: each space's pages and the objects holding their bytes.
struct Model {
    spaces: [BTreeMap<u32, MPage>; SPACES],
    objs: Vec<BTreeMap<u32, u8>>,
}

impl Model {
    fn new_obj(&mut self) -> usize {
        self.objs.push(BTreeMap::new());
        self.objs.len() - 1
    }

    fn first_hole(&self, s: usize, at: u32, pages: u32) -> Option<u32> {
        (at..at + pages).find(|p| !self.spaces[s].contains_key(p))
    }
}

fn addr(page: u32) -> u32 {
    BASE + page * PAGE_SIZE
}

/// A write to `page` at `off`, checked against the model.
fn write(w: &mut World<'_>, model: &mut Model, id: usize, s: usize, page: u32, off: u32, val: u8) {
    let r = w.write(id, addr(page) + off, val);
    match model.spaces[s].get(&page) {
        Some(mp) if mp.prot == Prot::ReadWrite => {
            assert_eq!(r, Ok(()));
            model.objs[mp.obj].insert(off, val);
        }
        Some(_) => assert!(matches!(r, Err(Sig::Segv(SegvReason::AccessDenied { .. })))),
        None => assert_eq!(r, Err(Sig::Segv(SegvReason::NoMapping))),
    }
}

/// A read of `page` at `off`, checked against the model.
fn read(w: &mut World<'_>, model: &Model, id: usize, s: usize, page: u32, off: u32) {
    let r = w.read(id, addr(page) + off);
    match model.spaces[s].get(&page) {
        Some(mp) if mp.prot != Prot::None => {
            let expected = model.objs[mp.obj].get(&off).copied().unwrap_or(0);
            assert_eq!(r, Ok(expected), "space {s} page {page} offset {off}");
        }
        Some(_) => assert!(matches!(r, Err(Sig::Segv(SegvReason::AccessDenied { .. })))),
        None => assert_eq!(r, Err(Sig::Segv(SegvReason::NoMapping))),
    }
}

fn run(ops: Vec<Op>) {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let mut ids: [usize; SPACES] = core::array::from_fn(|_| w.create());
    let mut model = Model { spaces: Default::default(), objs: Vec::new() };
    for op in ops {
        match op {
            Op::Map { s, at, pages, prot, shared } => {
                let mut flags = prot.flags() | VmFlags::MAYREAD | VmFlags::MAYWRITE;
                if shared {
                    flags |= SHARED;
                }
                let req = MapRequest::anonymous(pages, flags).fixed(pg(addr(at)));
                assert_eq!(w.map(ids[s], req), Ok(pg(addr(at))));
                for p in at..at + pages {
                    let obj = model.new_obj();
                    model.spaces[s].insert(p, MPage { prot, shared, obj });
                }
            }
            Op::Unmap { s, at, pages } => {
                w.unmap(ids[s], addr(at), pages).unwrap();
                model.spaces[s].retain(|&p, _| !(at..at + pages).contains(&p));
            }
            Op::Protect { s, at, pages, prot } => {
                let r = w.protect(ids[s], addr(at), pages, prot.flags());
                match model.first_hole(s, at, pages) {
                    Some(hole) => assert_eq!(r, Err(ProtectError::Unmapped { at: pg(addr(hole)) })),
                    None => {
                        r.unwrap();
                        for p in at..at + pages {
                            model.spaces[s].get_mut(&p).expect("mapped").prot = prot;
                        }
                    }
                }
            }
            Op::Fork { from, to } => {
                w.destroy(ids[to]);
                ids[to] = w.fork(ids[from]).unwrap();
                let pages: Vec<(u32, MPage)> =
                    model.spaces[from].iter().map(|(&p, &mp)| (p, mp)).collect();
                model.spaces[to].clear();
                for (p, mp) in pages {
                    let obj = if mp.shared {
                        mp.obj
                    } else {
                        let copy = model.objs[mp.obj].clone();
                        model.objs.push(copy);
                        model.objs.len() - 1
                    };
                    model.spaces[to].insert(p, MPage { obj, ..mp });
                }
            }
            Op::Write { s, page, off, val } => {
                write(&mut w, &mut model, ids[s], s, page, OFFSETS[off], val);
            }
            Op::Read { s, page, off } => read(&mut w, &model, ids[s], s, page, OFFSETS[off]),
            Op::Scribble { s, val } => {
                let pages: Vec<u32> = model.spaces[s].keys().copied().collect();
                for page in pages {
                    let off = OFFSETS[page as usize % OFFSETS.len()];
                    write(&mut w, &mut model, ids[s], s, page, off, val.wrapping_add(page as u8));
                }
            }
            Op::Verify { s } => {
                for page in 0..N {
                    for off in OFFSETS {
                        read(&mut w, &model, ids[s], s, page, off);
                    }
                }
            }
            Op::DontNeed { s, at, pages } => {
                let r = w.dontneed(ids[s], addr(at), pages);
                match model.first_hole(s, at, pages) {
                    Some(hole) => assert_eq!(r, Err(AdviseError::Unmapped { at: pg(addr(hole)) })),
                    None => {
                        r.unwrap();
                        for p in at..at + pages {
                            if !model.spaces[s][&p].shared {
                                let obj = model.new_obj();
                                model.spaces[s].get_mut(&p).expect("mapped").obj = obj;
                            }
                        }
                    }
                }
            }
            Op::Populate { s, at, pages, write } => {
                let r = w.populate(ids[s], addr(at), pages, write);
                match model.first_hole(s, at, pages) {
                    Some(hole) => assert_eq!(r, Err(PopulateError::Unmapped { at: pg(addr(hole)) })),
                    None => assert_eq!(r, Ok(())),
                }
            }
            Op::Lock { s, at, pages } => {
                let r = w.lock(ids[s], addr(at), pages);
                match model.first_hole(s, at, pages) {
                    Some(hole) => assert_eq!(r, Err(LockError::Unmapped { at: pg(addr(hole)) })),
                    None => {
                        r.unwrap();
                        // Locked pages never take a write fault: no shared table is left.
                        let pdis = [addr(at) >> 22, (addr(at + pages) - 1) >> 22];
                        for pdi in pdis {
                            let pde = w.direct(ids[s]).read_pde(pdi as usize);
                            assert!(!crate::ptshare::is_shared(pde), "a locked range under a shared table");
                        }
                        w.unlock(ids[s], addr(at), pages).unwrap();
                    }
                }
            }
            Op::Move { s, page, to } => {
                let movable = model.spaces[s].get(&page).is_some_and(|mp| !mp.shared);
                if !movable || page == to {
                    continue;
                }
                let how = Remap { may_move: true, fixed: Some(pg(addr(to))), dont_unmap: false, hint: None };
                let r = w.with(ids[s], |sp, t, p| {
                    let (f, r) = sp.mremap(pg(addr(page)), 1, 1, how, &|_| true, t, p);
                    (r, f)
                });
                assert_eq!(r, Ok(pg(addr(to))));
                let mp = model.spaces[s].remove(&page).expect("mapped");
                model.spaces[s].insert(to, mp);
            }
            Op::Sweep { s } => {
                w.destroy(ids[s]);
                ids[s] = w.create();
                model.spaces[s].clear();
            }
        }
        for (s, &id) in ids.iter().enumerate() {
            assert_eq!(w.stats(id).v_size, model.spaces[s].len() as u32, "v_size of space {s}");
        }
    }
    w.finish();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]
    #[test]
    fn random_operations_across_spaces_match_the_model(ops in prop::collection::vec(op(), 1..80)) {
        run(ops);
    }
}
