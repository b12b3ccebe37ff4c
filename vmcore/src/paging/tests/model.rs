//! Model-based property test: random map / unmap / update sequences against a `BTreeMap`,
//! on every access kind.

use super::*;

/// One step of the model test; indices select among a few interesting pages and frames.
#[derive(Clone, Debug)]
enum Op {
    Map {
        p: usize,
        data: u32,
        user: bool,
        writable: bool,
    },
    Unmap(usize),
    Update {
        p: usize,
        user: bool,
        writable: bool,
    },
}

const PDIS: [usize; 6] = [1, 2, 767, KERNEL_PD_FIRST, 900, 1021];
const PTIS: [usize; 3] = [0, 1, ENTRIES - 1];

fn candidate(i: usize) -> Page {
    page(PDIS[i / PTIS.len() % PDIS.len()], PTIS[i % PTIS.len()])
}

fn op() -> impl Strategy<Value = Op> {
    let n = PDIS.len() * PTIS.len();
    prop_oneof![
        3 => (0..n, 0..8u32, any::<bool>(), any::<bool>())
            .prop_map(|(p, data, user, writable)| Op::Map { p, data, user, writable }),
        2 => (0..n).prop_map(Op::Unmap),
        1 => (0..n, any::<bool>(), any::<bool>())
            .prop_map(|(p, user, writable)| Op::Update { p, user, writable }),
    ]
}

fn flags_of(user: bool, writable: bool) -> PteFlags {
    let mut f = PteFlags::empty();
    f.set(PteFlags::USER, user);
    f.set(PteFlags::WRITABLE, writable);
    f
}

proptest! {
    #[test]
    fn random_map_unmap_matches_a_model(kind in 0..3usize, ops in prop::collection::vec(op(), 0..50)) {
        let rig = Rig::new(KINDS[kind]);
        let mut env = rig.env();
        let mut model: BTreeMap<Page, (Frame, PteFlags)> = BTreeMap::new();
        let mut kernel_tables = BTreeSet::new();
        for op in ops {
            match op {
                Op::Map { p, data, user, writable } => {
                    let p = candidate(p);
                    let flags = flags_of(user, writable);
                    let r = env.mapper().map(p, fr(DATA + data), flags);
                    match model.entry(p) {
                        Entry::Occupied(_) => {
                            prop_assert!(matches!(r, Err(MapError::AlreadyMapped(q, _)) if q == p));
                        }
                        Entry::Vacant(v) => {
                            rig.flush(r.expect("map"));
                            v.insert((fr(DATA + data), flags));
                            if p.pd_index() >= KERNEL_PD_FIRST { kernel_tables.insert(p.pd_index()); }
                        }
                    }
                }
                Op::Unmap(p) => {
                    let p = candidate(p);
                    match model.remove(&p) {
                        None => prop_assert_eq!(env.mapper().unmap(p), Err(UnmapError::NotMapped(p))),
                        Some((f, fl)) => {
                            let u = env.mapper().unmap(p).expect("unmap");
                            let last = !model.keys().any(|q| q.pd_index() == p.pd_index());
                            prop_assert_eq!(u.freed_table.is_some(), last && p.pd_index() < KERNEL_PD_FIRST);
                            prop_assert_eq!(no_ad(rig.finish_unmap(u)), Pte::new(f, fl | PteFlags::PRESENT));
                        }
                    }
                }
                Op::Update { p, user, writable } => {
                    let p = candidate(p);
                    let flags = flags_of(user, writable) | PteFlags::PRESENT;
                    let r = env.mapper().update_flags(p, flags);
                    match model.get_mut(&p) {
                        None => prop_assert_eq!(r, Err(UpdateError::NotMapped(p))),
                        Some(entry) => { rig.flush(r.expect("update")); entry.1 = flags_of(user, writable); }
                    }
                }
            }
            for i in 0..PDIS.len() * PTIS.len() {
                let p = candidate(i);
                let va = at(p, 0x44);
                match model.get(&p) {
                    None => {
                        prop_assert_eq!(rig.check(va, false, false).map_err(|f| f.present), Err(false));
                        prop_assert_eq!(env.mapper().translate(va), None);
                    }
                    Some(&(f, fl)) => {
                        let pa = f.start().checked_add(0x44).unwrap();
                        prop_assert_eq!(rig.check(va, false, false), Ok(pa));
                        let user_ok = fl.contains(PteFlags::USER) && p.pd_index() < KERNEL_PD_FIRST;
                        prop_assert_eq!(rig.check(va, false, true).is_ok(), user_ok);
                        prop_assert_eq!(rig.check(va, true, false).is_ok(), fl.contains(PteFlags::WRITABLE));
                        let (tpa, tfl) = env.mapper().translate(va).expect("mapped");
                        prop_assert_eq!(tpa, pa);
                        prop_assert_eq!(tfl & URW, fl);
                    }
                }
            }
            let user_tables: BTreeSet<usize> = model.keys()
                .map(|p| p.pd_index()).filter(|&d| d < KERNEL_PD_FIRST).collect();
            for &d in &PDIS[..3] {
                let n = model.keys().filter(|p| p.pd_index() == d).count();
                prop_assert_eq!(usize::from(env.counts.get(d)), n);
            }
            prop_assert_eq!(env.pool.free_count(), POOL.len() - user_tables.len() - kernel_tables.len());
            prop_assert_eq!(&TableCounts::recount(&*env.acc), &env.counts);
        }
    }
}
