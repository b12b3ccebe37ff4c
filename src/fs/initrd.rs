//! The initrd: a cpio "newc" archive (what `cpio -o -H newc` writes, the format of Linux's
//! initramfs) passed by GRUB as the boot module `initrd`. Its regular files are read-only
//! inodes; they back file mappings (program text and data) directly.

use super::Node;
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use spin::Once;
use vmcore::cpio::{Archive, FileType};
use vmcore::errno::Errno;
use vmcore::vma::FileObject;

/// Device number reported for initrd files (like a ramdisk's 1:0).
pub const DEV: (u32, u32) = (1, 0);

/// One regular file of the initrd.
pub struct InitrdFile {
    path: String,
    ino: u64,
    mode: u32,
    data: &'static [u8],
    /// The page cache of the file's mappings (its clean source: `data`).
    object: Arc<crate::mm::object::MemObject>,
}

impl InitrdFile {
    /// The file's bytes.
    pub fn data(&self) -> &'static [u8] {
        self.data
    }
    /// Mode bits (type and permissions) from the archive.
    pub fn mode(&self) -> u32 {
        self.mode
    }
}

impl FileObject for InitrdFile {
    fn ino(&self) -> u64 {
        self.ino
    }
    fn dev(&self) -> (u32, u32) {
        DEV
    }
    fn path(&self) -> &str {
        &self.path
    }
    fn size(&self) -> u64 {
        self.data.len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> usize {
        let start = (offset.min(self.data.len() as u64)) as usize;
        let n = buf.len().min(self.data.len() - start);
        buf[..n].copy_from_slice(&self.data[start..start + n]);
        n
    }
    fn get_page(&self, index: u32, phys: &mut dyn vmcore::mspace::PhysOps) -> Result<vmcore::addr::Frame, vmcore::vma::PageError> {
        self.object.get_page(index, phys)
    }
    fn object_id(&self) -> u64 {
        self.object.id()
    }
    fn is_resident(&self, index: u32) -> bool {
        self.object.is_resident(index)
    }
}

struct Initrd {
    files: BTreeMap<String, Arc<InitrdFile>>,
    dirs: BTreeMap<String, Vec<String>>,
}

static INITRD: Once<Initrd> = Once::new();

/// Indexes the `initrd` boot module, if there is one.
pub fn init() {
    let Some(data) = crate::mm::modules::get("initrd") else {
        log::info!("no initrd module");
        INITRD.call_once(|| Initrd { files: BTreeMap::new(), dirs: BTreeMap::new() });
        return;
    };
    let mut files = BTreeMap::new();
    let mut dirs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    dirs.insert("/".to_string(), Vec::new());
    for entry in Archive::new(data).entries() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                log::error!("initrd: malformed archive: {e:?}; files after it are missing");
                break;
            }
        };
        let Some(name) = entry.name_str() else { continue };
        if name.is_empty() || name == "." {
            continue;
        }
        let path = alloc::format!("/{name}");
        let (parent, base) = path.rsplit_once('/').map(|(p, b)| (if p.is_empty() { "/" } else { p }, b)).unwrap_or(("/", name));
        dirs.entry(parent.to_string()).or_default().push(base.to_string());
        match entry.file_type() {
            FileType::Regular => {
                let object = crate::mm::object::MemObject::new(Some(entry.data)).expect("boot: an initrd file's page cache");
                let file = InitrdFile { path: path.clone(), ino: entry.ino as u64, mode: entry.mode, data: entry.data, object };
                files.insert(path, Arc::new(file));
            }
            FileType::Directory => {
                dirs.entry(path).or_default();
            }
            _ => {}
        }
    }
    log::info!("initrd: {} files, {} KiB", files.len(), data.len() / 1024);
    INITRD.call_once(|| Initrd { files, dirs });
}

fn initrd() -> &'static Initrd {
    INITRD.get().expect("invariant: initrd indexed at boot")
}

/// Resolves an absolute path in the initrd.
pub fn lookup(path: &str) -> Result<Node, Errno> {
    let path = if path.len() > 1 { path.trim_end_matches('/') } else { path };
    let rd = initrd();
    if let Some(f) = rd.files.get(path) {
        return Ok(Node::File(f.clone()));
    }
    if let Some(d) = rd.dirs.get(path) {
        return Ok(Node::Dir(d.clone()));
    }
    Err(Errno::ENOENT)
}

/// The regular file at `path` (for execve).
pub fn file(path: &str) -> Result<Arc<InitrdFile>, Errno> {
    match lookup(path)? {
        Node::File(f) => Ok(f),
        Node::Dir(_) => Err(Errno::EACCES),
        Node::Generated(_) | Node::CharDev(_) | Node::Pagemap(_) => Err(Errno::EACCES),
    }
}
