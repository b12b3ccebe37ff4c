//! SMEP and SMAP: the kernel touching or executing user memory outside the copy routines is an
//! oops naming the protection. These fault cases are booted with `-cpu max` (QEMU's default
//! CPU has neither feature).

use crate::arch::protect;
use crate::arch::usercopy;
use crate::mm::aspace::AddressSpace;
use crate::ktest::session as testing;
use crate::{check, check_eq, ktest};
use vmcore::addr::{Page, VirtAddr};
use vmcore::mspace::MapRequest;
use vmcore::vma::VmFlags;

const USER_PAGE: u32 = 0x4000_0000;

fn user_page(flags: VmFlags) -> alloc::sync::Arc<AddressSpace> {
    let space = AddressSpace::new().expect("space");
    let flags = flags | VmFlags::MAYREAD | VmFlags::MAYWRITE | VmFlags::MAYEXEC;
    space.map(MapRequest::anonymous(1, flags).fixed(Page::new(VirtAddr::new(USER_PAGE)))).expect("map");
    space
}

ktest!(fn copy_routines_work_with_and_without_smap() {
    let space = user_page(VmFlags::READ | VmFlags::WRITE);
    let _session = testing::Session::new(&space);
    check!(usercopy::copy_to_user(USER_PAGE + 8, b"smap").is_ok());
    let mut back = [0u8; 4];
    check!(usercopy::copy_from_user(&mut back, USER_PAGE + 8).is_ok());
    check_eq!(&back, b"smap");
    check_eq!(crate::arch::cpu::eflags() & protect::EFLAGS_AC, 0, "user access left open after a copy");
    Ok(())
});

ktest!(fault "SMAP: kernel access to user memory outside the copy routines", fn smap_catches_a_kernel_read_of_user_memory() {
    if !protect::smap() {
        crate::kprintln!("SMAP not available on this CPU (boot with -cpu max)");
        return Ok(());
    }
    let space = user_page(VmFlags::READ | VmFlags::WRITE);
    let session = testing::Session::new(&space);
    check!(usercopy::copy_to_user(USER_PAGE, &[1]).is_ok());
    // SAFETY: deliberately reads user memory without opening access: SMAP must fault.
    let v = unsafe { (USER_PAGE as *const u8).read_volatile() };
    crate::kprintln!("read {v} from user memory without a fault");
    drop(session);
    Ok(())
});

ktest!(fault "SMEP: the kernel executed a user page", fn smep_catches_the_kernel_executing_user_memory() {
    if !protect::smep() {
        crate::kprintln!("SMEP not available on this CPU (boot with -cpu max)");
        return Ok(());
    }
    let space = user_page(VmFlags::READ | VmFlags::WRITE | VmFlags::EXEC);
    let session = testing::Session::new(&space);
    check!(usercopy::copy_to_user(USER_PAGE, &[0xC3]).is_ok()); // ret
    // SAFETY: deliberately calls into a user page: SMEP must fault on the fetch.
    let f: extern "C" fn() = unsafe { core::mem::transmute(USER_PAGE as usize) };
    f();
    crate::kprintln!("executed a user page without a fault");
    drop(session);
    Ok(())
});
