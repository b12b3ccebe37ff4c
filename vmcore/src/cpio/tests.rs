use super::*;
use proptest::prelude::*;
use std::format;
use std::string::String;
use std::vec::Vec;

const REG: u32 = 0o100_644;
const DIR: u32 = 0o040_755;
const LNK: u32 = 0o120_777;

/// A minimal newc writer, as `cpio -o -H newc` lays archives out.
struct Writer {
    buf: Vec<u8>,
    crc: bool,
    next_ino: u32,
}

impl Writer {
    fn new() -> Self {
        Writer { buf: Vec::new(), crc: false, next_ino: 1 }
    }

    fn pad(&mut self) {
        while !self.buf.len().is_multiple_of(4) {
            self.buf.push(0);
        }
    }

    /// Appends an entry with explicit inode and link count.
    fn entry_with(&mut self, name: &[u8], mode: u32, data: &[u8], ino: u32, nlink: u32) {
        let magic = if self.crc { "070702" } else { "070701" };
        let check = if self.crc { data.iter().map(|&b| u32::from(b)).sum() } else { 0 };
        let fields = [ino, mode, 0, 0, nlink, 1_700_000_000, data.len() as u32, 8, 1, 0, 0];
        self.buf.extend_from_slice(magic.as_bytes());
        for f in fields.iter().chain(&[name.len() as u32 + 1, check]) {
            self.buf.extend_from_slice(format!("{f:08X}").as_bytes());
        }
        self.buf.extend_from_slice(name);
        self.buf.push(0);
        self.pad();
        self.buf.extend_from_slice(data);
        self.pad();
    }

    fn entry(&mut self, name: &str, mode: u32, data: &[u8]) {
        let ino = self.next_ino;
        self.next_ino += 1;
        self.entry_with(name.as_bytes(), mode, data, ino, 1);
    }

    fn finish(mut self) -> Vec<u8> {
        self.entry_with(TRAILER, 0, &[], 0, 1);
        self.buf.resize(self.buf.len().next_multiple_of(512), 0);
        self.buf
    }
}

fn sample() -> Vec<u8> {
    let mut w = Writer::new();
    w.entry(".", DIR, &[]);
    w.entry("bin", DIR, &[]);
    w.entry("bin/sh", 0o100_755, b"\x7fELF...shell");
    w.entry("etc/motd", REG, b"hello\n");
    w.entry("bin/ash", LNK, b"sh");
    w.finish()
}

#[test]
fn iterates_entries_with_types_and_data() {
    let bytes = sample();
    let archive = Archive::new(&bytes);
    let entries: Vec<_> = archive.entries().map(|e| e.unwrap()).collect();
    let names: Vec<_> = entries.iter().map(|e| e.name).collect();
    assert_eq!(names, [&b""[..], b"bin", b"bin/sh", b"etc/motd", b"bin/ash"]);
    assert_eq!(entries[0].file_type(), FileType::Directory);
    assert_eq!(entries[2].file_type(), FileType::Regular);
    assert_eq!(entries[2].permissions(), 0o755);
    assert_eq!(entries[2].data, b"\x7fELF...shell");
    assert_eq!(entries[2].ino, 3);
    assert_eq!((entries[2].dev_major, entries[2].dev_minor), (8, 1));
    assert_eq!(entries[3].data, b"hello\n");
    assert_eq!(entries[4].symlink_target(), Some(&b"sh"[..]));
    assert_eq!(entries[3].symlink_target(), None);
    assert_eq!(entries[0].offset, 0);
    assert_eq!(archive.validate(), Ok(5));
}

#[test]
fn lookup_normalises_paths() {
    let bytes = sample();
    let archive = Archive::new(&bytes);
    for path in [&b"bin/sh"[..], b"/bin/sh", b"./bin/sh", b"//bin/sh/"] {
        assert_eq!(archive.lookup(path).unwrap().unwrap().data, b"\x7fELF...shell");
    }
    assert_eq!(archive.lookup(b"/").unwrap().unwrap().raw_name, b".");
    assert_eq!(archive.lookup(b"bin/bash"), Ok(None));
    assert_eq!(normalize(b"./a/./b/"), b"a/./b");
    assert_eq!(normalize(b"/."), b"");
}

#[test]
fn later_entry_wins_and_hard_links_share_data() {
    let mut w = Writer::new();
    w.entry("a", REG, b"old");
    w.entry_with(b"link1", REG, &[], 77, 2);
    w.entry("a", REG, b"new");
    w.entry_with(b"link2", REG, b"shared", 77, 2);
    let bytes = w.finish();
    let archive = Archive::new(&bytes);
    assert_eq!(archive.lookup(b"a").unwrap().unwrap().data, b"new");
    assert_eq!(archive.lookup(b"link1").unwrap().unwrap().data, b"shared");
    assert_eq!(archive.lookup(b"link2").unwrap().unwrap().data, b"shared");
}

#[test]
fn every_name_and_data_padding_is_handled() {
    let mut w = Writer::new();
    for len in 1..=9 {
        let name: String = "n".repeat(len);
        w.entry(&name, REG, &b"0123456789"[..len]);
    }
    let bytes = w.finish();
    let archive = Archive::new(&bytes);
    for (i, e) in archive.entries().enumerate() {
        let e = e.unwrap();
        assert_eq!(e.name.len(), i + 1);
        assert_eq!(e.data, &b"0123456789"[..i + 1]);
        assert_eq!(e.offset % 4, 0);
    }
}

#[test]
fn crc_format_is_verified() {
    let mut w = Writer::new();
    w.crc = true;
    w.entry("f", REG, b"abc");
    let mut bytes = w.finish();
    assert_eq!(Archive::new(&bytes).lookup(b"f").unwrap().unwrap().data, b"abc");
    let data_at = HEADER_LEN + 4;
    bytes[data_at] = b'x';
    assert_eq!(Archive::new(&bytes).validate(), Err(CpioError::ChecksumMismatch { offset: 0 }));
}

#[test]
fn malformed_headers_are_typed_errors() {
    let good = sample();
    let mut bad = good.clone();
    bad[0..6].copy_from_slice(b"070707");
    assert_eq!(Archive::new(&bad).validate(), Err(CpioError::BadMagic { offset: 0 }));

    let mut bad = good.clone();
    bad[6 + 6 * 8] = b'g'; // filesize
    assert_eq!(
        Archive::new(&bad).validate(),
        Err(CpioError::BadHex { offset: 0, field: "filesize" })
    );

    let mut bad = good.clone();
    bad[6 + 11 * 8..6 + 12 * 8].copy_from_slice(b"00000000"); // namesize 0
    assert_eq!(Archive::new(&bad).validate(), Err(CpioError::BadName { offset: 0 }));

    let mut bad = good.clone();
    bad[HEADER_LEN + 1] = b'x'; // overwrite the NUL of "."
    assert_eq!(Archive::new(&bad).validate(), Err(CpioError::BadName { offset: 0 }));

    let mut bad = good;
    bad[6 + 6 * 8..6 + 7 * 8].copy_from_slice(b"FFFFFFFF"); // huge filesize
    assert_eq!(Archive::new(&bad).validate(), Err(CpioError::Truncated { offset: 0 }));
}

#[test]
fn missing_trailer_and_truncation() {
    let mut w = Writer::new();
    w.entry("f", REG, b"data");
    let no_trailer = w.buf.clone();
    assert_eq!(
        Archive::new(&no_trailer).validate(),
        Err(CpioError::MissingTrailer { offset: no_trailer.len() })
    );
    assert_eq!(Archive::new(&[]).validate(), Err(CpioError::MissingTrailer { offset: 0 }));
    let full = w.finish();
    let trailer_name_end = no_trailer.len() + HEADER_LEN + TRAILER.len() + 1;
    for cut in 0..full.len() {
        let result = Archive::new(&full[..cut]).validate();
        assert_eq!(result.is_ok(), cut >= trailer_name_end, "cut at {cut}");
    }
}

#[test]
fn errno_is_eio() {
    assert_eq!(Errno::from(CpioError::MissingTrailer { offset: 0 }), Errno::EIO);
}

#[test]
fn reads_what_host_cpio_writes() {
    use std::process::Command;
    if Command::new("cpio").arg("--version").output().is_err() {
        std::eprintln!("cpio not installed; skipping");
        return;
    }
    let dir = std::env::temp_dir().join(format!("vmcore-cpio-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::write(dir.join("bin/sh"), b"#!shell body\n").unwrap();
    std::fs::write(dir.join("odd"), b"12345").unwrap();
    std::os::unix::fs::symlink("sh", dir.join("bin/ash")).unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg("find . | LC_ALL=C sort | cpio -o -H newc --quiet")
        .current_dir(&dir)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(out.status.success(), "cpio failed: {}", String::from_utf8_lossy(&out.stderr));
    let archive = Archive::new(&out.stdout);
    assert_eq!(archive.validate(), Ok(5)); // . bin bin/ash bin/sh odd
    let sh = archive.lookup(b"/bin/sh").unwrap().unwrap();
    assert_eq!((sh.file_type(), sh.data), (FileType::Regular, &b"#!shell body\n"[..]));
    assert_eq!(archive.lookup(b"odd").unwrap().unwrap().data, b"12345");
    assert_eq!(archive.lookup(b"bin/ash").unwrap().unwrap().symlink_target(), Some(&b"sh"[..]));
    assert_eq!(archive.lookup(b"bin").unwrap().unwrap().file_type(), FileType::Directory);
    assert_eq!(archive.lookup(b".").unwrap().unwrap().file_type(), FileType::Directory);
}

fn arb_files() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    prop::collection::vec(("[a-z]{1,12}", prop::collection::vec(any::<u8>(), 0..40)), 0..8)
}

proptest! {
    #[test]
    fn round_trips_random_archives(files in arb_files(), crc in any::<bool>()) {
        let mut w = Writer::new();
        w.crc = crc;
        for (name, data) in &files {
            w.entry(name, REG, data);
        }
        let bytes = w.finish();
        let got: Vec<_> = Archive::new(&bytes).entries().map(|e| e.unwrap()).collect();
        prop_assert_eq!(got.len(), files.len());
        for (e, (name, data)) in got.iter().zip(&files) {
            prop_assert_eq!(e.name, name.as_bytes());
            prop_assert_eq!(e.data, &data[..]);
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let archive = Archive::new(&bytes);
        let _ = archive.validate();
        let _ = archive.lookup(b"x");
    }

    #[test]
    fn corrupted_archives_never_panic(
        files in arb_files(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut w = Writer::new();
        for (name, data) in &files {
            w.entry(name, REG, data);
        }
        let mut bytes = w.finish();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            // Prefer edits that keep a hex digit, so the parser gets further.
            bytes[i] = if value % 2 == 0 { b"0123456789abcdefF"[usize::from(value) % 17] } else { value };
        }
        let cut = cut.index(bytes.len() + 1);
        let archive = Archive::new(&bytes[..cut]);
        for e in archive.entries().flatten() {
            prop_assert!(e.offset < cut);
            let _ = (e.file_type(), e.name_str());
        }
        let _ = archive.lookup(b"a");
    }
}
