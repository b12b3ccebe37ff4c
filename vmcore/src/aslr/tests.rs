use super::*;
use proptest::prelude::*;

const STACK8M: u64 = 8 * 1024 * 1024;

fn input(personality: u32, level: u32, stack_limit: u64) -> LayoutInput {
    LayoutInput { personality, randomize_va_space: level, stack_limit }
}

#[test]
fn without_randomization_the_layout_is_linux_fixed_one() {
    for (p, level) in [(ADDR_NO_RANDOMIZE, 2), (0, 0)] {
        let l = plan(input(p, level, STACK8M), Draws { stack: 5, align: 77, mmap: 9, brk: 3 }, 0x0804_a123);
        assert_eq!(l, ProcessLayout { stack_end: 0xC000_0000, stack_top: 0xC000_0000, mmap_base: 0xB800_0000, top_down: true, brk_start: 0x0804_b000 });
    }
}

#[test]
fn stack_limits_move_mmap_base_within_the_clamp() {
    let base = |limit| plan(input(ADDR_NO_RANDOMIZE, 2, limit), Draws::default(), 0).mmap_base;
    assert_eq!(base(STACK8M), TASK_SIZE - MIN_GAP);
    assert_eq!(base(512 << 20), TASK_SIZE - (512 << 20) - STACK_GUARD_GAP);
    assert_eq!(base(RLIM_INFINITY), TASK_SIZE - MAX_GAP);
    assert_eq!(base(u64::MAX - 1), TASK_SIZE - MAX_GAP, "no overflow near infinity");
}

#[test]
fn compat_layout_is_bottom_up_from_a_third() {
    let l = plan(input(ADDR_COMPAT_LAYOUT | ADDR_NO_RANDOMIZE, 2, STACK8M), Draws::default(), 0x0804_8000);
    assert_eq!((l.mmap_base, l.top_down), (0x4000_0000, false));
    let l = plan(input(ADDR_COMPAT_LAYOUT, 2, STACK8M), Draws { mmap: 0x1ff, ..Draws::default() }, 0x0804_8000);
    assert_eq!((l.mmap_base, l.top_down), (0x4000_0000 + 0xff000, false));
}

proptest! {
    #[test]
    fn randomized_layouts_stay_in_linux_ranges(
        stack in any::<u32>(), align in any::<u32>(), mmap in any::<u32>(), brk in any::<u32>(),
        level in 1u32..3, end in 0x0804_8000u32..0x1000_0000,
    ) {
        let l = plan(input(0, level, STACK8M), Draws { stack, align, mmap, brk }, end);
        prop_assert!(l.stack_end.is_multiple_of(PAGE_SIZE) && l.stack_end <= TASK_SIZE);
        prop_assert!(TASK_SIZE - l.stack_end <= STACK_RND_MASK << PAGE_SHIFT);
        prop_assert!(l.stack_top.is_multiple_of(16) && l.stack_top <= l.stack_end && l.stack_end - l.stack_top < STACK_ALIGN_RND + 16);
        prop_assert!(l.top_down && l.mmap_base.is_multiple_of(PAGE_SIZE));
        prop_assert!((TASK_SIZE - MIN_GAP - (1 << 20) + PAGE_SIZE..=TASK_SIZE - MIN_GAP).contains(&l.mmap_base));
        let aligned = (end + PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
        if level == 2 {
            prop_assert!(l.brk_start.is_multiple_of(PAGE_SIZE) && l.brk_start >= aligned && l.brk_start < aligned + BRK_RND_RANGE);
        } else {
            prop_assert_eq!(l.brk_start, aligned);
        }
    }
}
