//! Red zones and poison against a model: every byte outside the user data is checked, the
//! first damaged one is the one reported, and the allocator's hole nodes are the only thing
//! the poison check lets through.

use super::*;
use alloc::vec;
use alloc::vec::Vec;
use proptest::prelude::*;

/// The outer block of `g`, armed, with user data `fill`.
fn armed(g: &Geometry, fill: u8) -> Vec<u8> {
    let mut b = vec![0u8; g.outer_size];
    b[g.lead..g.lead + g.size].fill(fill);
    let h = Header { prev: 0x1000, next: 0x2000, size: g.size as u32, magic: ALIVE, callers: [0xC010_0000, 0xC020_0000] };
    arm(&mut b, g, &h);
    b
}

fn geometry() -> impl Strategy<Value = Geometry> {
    (0usize..600, 0u32..13).prop_map(|(size, a)| Geometry::new(size, 1 << a).expect("small"))
}

/// Hole nodes as the kernel recognises them: a plausible size and a next pointer in the heap.
fn is_node(size: u32, next: Option<u32>) -> bool {
    size.is_multiple_of(4) && (8..0x10_0000).contains(&size) && next.is_none_or(|n| n == 0 || (0xD000_0000..0xD010_0000).contains(&n))
}

proptest! {
    #[test]
    fn geometry_places_header_below_aligned_user_data(size in 0usize..100_000, a in 0u32..16) {
        let align = 1usize << a;
        let g = Geometry::new(size, align).expect("fits");
        prop_assert_eq!(g.lead % align, 0);
        prop_assert!(g.lead >= HEADER);
        prop_assert_eq!(g.outer_size % 4, 0);
        let trailer = g.outer_size - g.lead - size;
        prop_assert!((8..12).contains(&trailer), "trailer {}", trailer);
        prop_assert_eq!(g.outer_size, g.lead + trailer_end(size).unwrap());
    }

    #[test]
    fn an_intact_block_passes_whatever_its_data(g in geometry(), fill in any::<u8>()) {
        let b = armed(&g, fill);
        let h = check_free(&b, &g).expect("intact");
        prop_assert_eq!(h.size as usize, g.size);
        prop_assert_eq!(h.callers, [0xC010_0000, 0xC020_0000]);
        prop_assert_eq!(check_live(&b[g.header()..]), Ok(h));
    }

    #[test]
    fn any_damaged_red_byte_is_reported_at_its_offset(g in geometry(), pick in any::<prop::sample::Index>(), v in any::<u8>()) {
        prop_assume!(v != RED);
        let mut b = armed(&g, 0);
        let red: Vec<usize> = (0..g.header()).chain(g.lead - 8..g.lead).chain(g.lead + g.size..g.outer_size).collect();
        let at = red[pick.index(red.len())];
        b[at] = v;
        let want = Damage::RedZone { offset: at as isize - g.lead as isize, found: v };
        prop_assert_eq!(check_free(&b, &g), Err(want));
        // The walk sees the header's red zone and the trailer, not the front pad.
        let live = check_live(&b[g.header()..]);
        if at >= g.header() { prop_assert_eq!(live, Err(want)); } else { prop_assert!(live.is_ok()); }
    }

    #[test]
    fn header_damage_and_wrong_sizes_are_reported(g in geometry(), v in any::<u32>(), other in 0usize..600) {
        let mut b = armed(&g, 0);
        let h = g.header();
        prop_assume!(other != g.size);
        let wrong = Geometry::new(other, 1).unwrap();
        if wrong.lead == g.lead && g.outer_size.max(wrong.outer_size) <= b.len() {
            prop_assert_eq!(check_free(&b, &wrong), Err(Damage::Size { recorded: g.size as u32, freed: other }));
        }
        prop_assume!(v != ALIVE);
        b[h + 12..h + 16].copy_from_slice(&v.to_le_bytes());
        prop_assert_eq!(check_free(&b, &g), Err(Damage::Magic { found: v }));
    }

    #[test]
    fn poison_passes_with_nodes_and_catches_any_other_write(
        words in 4usize..200,
        nodes in prop::collection::vec((any::<prop::sample::Index>(), 2u32..0x4_0000, prop::bool::ANY), 0..6),
        write in prop::option::of((any::<prop::sample::Index>(), any::<u8>())),
    ) {
        let mut b = vec![0u8; words * 4];
        poison(&mut b);
        let mut taken = vec![false; words];
        for (i, size, end) in nodes {
            let w = i.index(words - 1);
            if taken[w] || taken[w + 1] { continue; }
            taken[w] = true;
            taken[w + 1] = true;
            b[w * 4..w * 4 + 4].copy_from_slice(&(size * 4).to_le_bytes());
            let next: u32 = if end { 0 } else { 0xD000_0000 + size * 4 };
            b[w * 4 + 4..w * 4 + 8].copy_from_slice(&next.to_le_bytes());
        }
        prop_assert_eq!(check_poison(&b, 40, is_node), Ok(()));
        if let Some((i, v)) = write {
            let at = i.index(words * 4);
            prop_assume!(!taken[at / 4] && v != POISON);
            b[at] = v;
            // The write is found unless it forms a node with its neighbour by chance.
            let r = check_poison(&b, 40, is_node);
            prop_assert_eq!(r, Err(Damage::Poison { offset: at as isize - 40, found: v }));
        }
    }
}

#[test]
fn a_node_cut_by_the_block_end_is_recognised() {
    let mut b = vec![POISON; 16];
    b[12..16].copy_from_slice(&64u32.to_le_bytes());
    assert_eq!(check_poison(&b, 0, is_node), Ok(()));
    b[12..16].copy_from_slice(&63u32.to_le_bytes());
    assert_eq!(check_poison(&b, 0, is_node), Err(Damage::Poison { offset: 12, found: 63 }));
}

#[test]
fn double_free_reads_as_a_poisoned_header() {
    let g = Geometry::new(24, 8).unwrap();
    let mut b = armed(&g, 7);
    poison(&mut b);
    assert_eq!(check_free(&b, &g), Err(Damage::Magic { found: POISON_WORD }));
    assert!(alloc::format!("{}", Damage::Magic { found: POISON_WORD }).contains("double free"));
}

#[test]
fn a_node_cut_by_the_block_start_is_recognised() {
    let mut b = vec![POISON; 16];
    b[0..4].fill(0);
    assert_eq!(check_poison(&b, 0, is_node), Ok(()));
    b[0..4].copy_from_slice(&3u32.to_le_bytes());
    assert_eq!(check_poison(&b, 0, is_node), Err(Damage::Poison { offset: 0, found: 3 }));
}

#[test]
fn overlapping_node_halves_are_recognised() {
    // A newer node {size, next} written 4 bytes below an older one overwrote the older size:
    // the older `next` (0) follows.
    let mut b = vec![POISON; 24];
    b[4..8].copy_from_slice(&64u32.to_le_bytes());
    b[8..12].copy_from_slice(&0u32.to_le_bytes());
    b[12..16].copy_from_slice(&0u32.to_le_bytes());
    assert_eq!(check_poison(&b, 0, is_node), Ok(()));
    // A newer node 4 bytes above an older one: the older size stands alone before it.
    let mut b = vec![POISON; 24];
    b[0..4].copy_from_slice(&32u32.to_le_bytes());
    b[4..8].copy_from_slice(&64u32.to_le_bytes());
    b[8..12].copy_from_slice(&0xD000_0040u32.to_le_bytes());
    assert_eq!(check_poison(&b, 0, is_node), Ok(()));
    // Three nodes made one word apart, each lower and newer: {0x18, 0} then two older `next`s.
    let mut b = vec![POISON; 24];
    b[4..8].copy_from_slice(&0x18u32.to_le_bytes());
    b[8..20].fill(0);
    assert_eq!(check_poison(&b, 0, is_node), Ok(()));
    // ... but not after poison: a lone zero word is a write.
    b[4..8].fill(POISON);
    b[8..12].fill(POISON);
    assert_eq!(check_poison(&b, 0, is_node), Err(Damage::Poison { offset: 12, found: 0 }));
    // Older sizes below a newer node, each one word up.
    let mut b = vec![POISON; 24];
    b[0..4].copy_from_slice(&40u32.to_le_bytes());
    b[4..8].copy_from_slice(&36u32.to_le_bytes());
    b[8..12].copy_from_slice(&32u32.to_le_bytes());
    b[12..16].copy_from_slice(&0u32.to_le_bytes());
    assert_eq!(check_poison(&b, 0, is_node), Ok(()));
    // A plausible size with no node after it is a write.
    b[8..16].fill(POISON);
    assert_eq!(check_poison(&b, 0, is_node), Err(Damage::Poison { offset: 0, found: 40 }));
}
