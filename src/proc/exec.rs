//! Loading a program: a static i386 ELF from the initrd becomes file-backed private areas (one
//! per PT_LOAD, the bss tail through the file limit), a growable stack with Linux's start-up
//! layout (argc, argv, envp, auxv), and a brk heap after the highest segment.

use crate::arch::cpu;
use crate::fs::initrd;
use crate::mm::aspace::AddressSpace;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use vmcore::addr::{Page, VirtAddr, PAGE_SIZE};
use vmcore::errno::Errno;
use vmcore::exec::{build_stack, plan, AuxInput};
use vmcore::layout::USER_END;
use vmcore::mspace::MapRequest;
use vmcore::vma::{FileObject, VmFlags, VmaName};

/// Pages of stack mapped at exec; the area grows down on demand (up to the stack limit).
pub const STACK_PAGES: u32 = 32;
/// Most arguments plus environment strings execve accepts.
pub const MAX_ARGS: usize = 1024;

/// Where a loaded program starts.
pub struct Image {
    /// Entry point.
    pub entry: u32,
    /// Initial stack pointer (at argc).
    pub sp: u32,
}

/// The last component of a path.
pub fn basename(path: &str) -> String {
    String::from(path.rsplit('/').next().unwrap_or(path))
}

/// Loads the program at `path` into the empty address space `aspace`. On failure the space
/// may hold part of the program; the caller drops it (which frees everything).
pub fn load(aspace: &Arc<AddressSpace>, path: &str, args: &[&[u8]], env: &[&[u8]]) -> Result<Image, Errno> {
    let file = initrd::file(path)?;
    if file.mode() & 0o111 == 0 {
        return Err(Errno::EACCES);
    }
    let plan = plan(file.data()).map_err(Errno::from)?;
    let object: Arc<dyn FileObject> = file.clone();
    for seg in &plan.segments {
        let req = MapRequest::anonymous(seg.pages, seg.flags).backed_by(seg.backing(object.clone())).fixed(seg.start);
        aspace.map(req)?;
    }
    let stack_flags = VmFlags::READ | VmFlags::WRITE | VmFlags::MAYREAD | VmFlags::MAYWRITE | VmFlags::MAYEXEC | VmFlags::GROWSDOWN;
    let stack_start = Page::new(VirtAddr::new(USER_END - STACK_PAGES * PAGE_SIZE));
    aspace.map(MapRequest::anonymous(STACK_PAGES, stack_flags).fixed(stack_start).named(VmaName::Stack))?;
    aspace.init_heap(Page::containing(plan.brk_start.align_up(PAGE_SIZE).ok_or(Errno::ENOEXEC)?))?;

    let mut random = [0u8; 16];
    crate::random::fill(&mut random);
    let mut aux = AuxInput::from_plan(&plan, random);
    // Linux's ELF_HWCAP on i386: CPUID leaf 1's EDX.
    aux.hwcap = cpu::cpuid(1, 0).3;
    aux.execfn = Some(path.as_bytes());
    aux.platform = Some(b"i686");
    let image = build_stack(VirtAddr::new(USER_END), args, env, &aux).map_err(Errno::from)?;
    aspace.poke(image.sp, &image.bytes)?;
    aspace.set_exec_layout(layout(&plan, &image));
    Ok(Image { entry: plan.entry.as_u32(), sp: image.sp.as_u32() })
}

/// Linux's `mm_struct` addresses of the image: text and data from the executable and the
/// writable segments, brk, the start stack, the argument and environment strings.
fn layout(plan: &vmcore::exec::ExecPlan, image: &vmcore::exec::StackImage) -> crate::mm::aspace::ExecLayout {
    let span = |want_exec: bool| {
        plan.segments
            .iter()
            .filter(|s| s.flags.contains(VmFlags::EXEC) == want_exec && (want_exec || s.flags.contains(VmFlags::WRITE)))
            .map(|s| (s.start.start().as_u32(), s.start.start().as_u32() + s.pages * PAGE_SIZE))
            .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
            .unwrap_or((0, 0))
    };
    crate::mm::aspace::ExecLayout {
        code: span(true),
        data: span(false),
        brk_start: plan.brk_start.as_u32(),
        stack_start: image.sp.as_u32(),
        args: (image.arg_strings.0.as_u32(), image.arg_strings.1.as_u32()),
        env: (image.env_strings.0.as_u32(), image.env_strings.1.as_u32()),
    }
}

/// Most bytes of argument and environment strings together (NULs included) that execve reads:
/// what the start stack can hold (`MAX_STACK_IMAGE`). Counting while reading keeps the kernel
/// heap from holding more than that for one execve.
pub const MAX_ARG_BYTES: usize = vmcore::exec::MAX_STACK_IMAGE;

/// Reads a NULL-terminated array of string pointers from user memory. `budget` is the number
/// of string bytes (NULs included) still allowed: E2BIG beyond, before more is copied.
pub fn read_string_array(ptr: crate::syscall::uptr::UserPtr<u32>, budget: &mut usize) -> Result<Vec<Vec<u8>>, Errno> {
    let mut out = Vec::new();
    if ptr.is_null() {
        return Ok(out);
    }
    for i in 0..=MAX_ARGS as u32 {
        let p = ptr.add(i)?.read()?;
        if p == 0 {
            return Ok(out);
        }
        if *budget == 0 {
            return Err(Errno::E2BIG);
        }
        let max = (*budget - 1).min(128 * 1024);
        let s = crate::syscall::uptr::UserPtr::<u8>::new(p).read_cstr(max).map_err(|e| {
            if e == Errno::ENAMETOOLONG { Errno::E2BIG } else { e }
        })?;
        *budget -= s.len() + 1;
        out.push(s);
    }
    Err(Errno::E2BIG)
}
