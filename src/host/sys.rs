//! The syscalls the kernel probe makes: with `stress/uffd.rs` (the
//! userfaultfd ioctls), the only unsafe code in the crate.
//!
//! Each wrapper is safe to call: it passes only values it owns or made
//! itself, and reports failure as an errno or `io::Error`. On systems that
//! are not Linux every call returns `ErrorKind::Unsupported`.
#![allow(unsafe_code)]

use std::io;

/// `munmap(1, 0)`: the kernel takes the mmap write lock (`__vm_munmap` ->
/// `mmap_write_lock_killable`), `do_vmi_munmap` rejects the unaligned start,
/// and the lock is released. Returns the call's result: `Ok(())` on success
/// (never expected), else the errno (EINVAL expected).
#[inline]
pub fn munmap_null() -> Result<(), i32> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: munmap with a length of 0 unmaps nothing: the range
        // [1, 1) is empty and the kernel rejects the unaligned address with
        // EINVAL before touching any mapping. No memory of this process
        // changes; no pointer is dereferenced.
        let r = unsafe { libc::munmap(std::ptr::without_provenance_mut(1), 0) };
        if r == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error().raw_os_error().unwrap_or(0))
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        Err(0)
    }
}

/// The symbolic name of an errno the probe may see.
pub fn errno_name(e: i32) -> String {
    #[cfg(target_os = "linux")]
    {
        let name = match e {
            libc::EINVAL => "EINVAL",
            libc::ENOMEM => "ENOMEM",
            libc::EPERM => "EPERM",
            libc::EINTR => "EINTR",
            libc::EFAULT => "EFAULT",
            libc::EACCES => "EACCES",
            _ => return format!("errno {e}"),
        };
        name.into()
    }
    #[cfg(not(target_os = "linux"))]
    {
        format!("errno {e}")
    }
}

#[cfg(not(target_os = "linux"))]
fn unsupported() -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, "the kernel probe needs Linux")
}

/// The page size.
pub fn page_size() -> usize {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sysconf reads a configuration value; no memory is passed.
        let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if n > 0 { n as usize } else { 4096 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        4096
    }
}

/// A private anonymous read-write mapping, unmapped on drop. The probe
/// never reads or writes through it: only its protection changes.
#[derive(Debug)]
pub struct Page {
    addr: usize,
    len: usize,
}

impl Page {
    /// Map one page (one mmap write-lock cycle).
    pub fn map() -> io::Result<Page> {
        Page::map_len(page_size(), false)
    }

    /// Map `len` bytes; with `populate` the kernel faults every page in
    /// (`MAP_POPULATE`, under the mmap lock), and dropping it zaps them all
    /// under the write lock: a long lock hold, for the lock check.
    pub fn map_len(len: usize, populate: bool) -> io::Result<Page> {
        #[cfg(target_os = "linux")]
        {
            let flags = libc::MAP_PRIVATE
                | libc::MAP_ANONYMOUS
                | if populate { libc::MAP_POPULATE } else { 0 };
            // SAFETY: a fresh anonymous private mapping at an address the
            // kernel chooses (NULL hint, no MAP_FIXED), so no existing
            // mapping is replaced; the result is checked for MAP_FAILED.
            let p = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    flags,
                    -1,
                    0,
                )
            };
            if p == libc::MAP_FAILED {
                return Err(io::Error::last_os_error());
            }
            Ok(Page {
                addr: p as usize,
                len,
            })
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (len, populate);
            Err(unsupported())
        }
    }

    /// Set the page read-only or read-write (one write-lock cycle).
    pub fn protect(&self, writable: bool) -> io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            let prot = if writable {
                libc::PROT_READ | libc::PROT_WRITE
            } else {
                libc::PROT_READ
            };
            // SAFETY: the range is exactly the page this value mapped and
            // still owns (it is unmapped only in drop); nothing in this
            // process holds a reference into it, so no access can fault.
            let r = unsafe { libc::mprotect(self.addr as *mut libc::c_void, self.len, prot) };
            if r == 0 {
                Ok(())
            } else {
                Err(io::Error::last_os_error())
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = writable;
            Err(unsupported())
        }
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        {
            // SAFETY: unmaps exactly the page `map` returned, once (drop
            // runs once); no reference into it exists.
            unsafe {
                libc::munmap(self.addr as *mut libc::c_void, self.len);
            }
        }
    }
}

/// `madvise(2)` advice values the probe uses. Which lock each takes is
/// decided by the kernel (`get_lock_mode()` in mm/madvise.c on 6.x kernels:
/// advice that changes `vm_flags`, such as `MADV_NORMAL` and `MADV_RANDOM`,
/// takes the mmap write lock; `MADV_WILLNEED` the read lock;
/// `MADV_DONTNEED` only a per-VMA lock); the probe checks it against the
/// mmap_lock tracepoint rather than trusting this list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Advice {
    /// `MADV_NORMAL`: clear the readahead hints.
    Normal,
    /// `MADV_RANDOM`: set the random-access readahead hint.
    Random,
    /// `MADV_WILLNEED`: prefetch (a read-lock control).
    WillNeed,
}

impl Advice {
    /// The advice's value for `madvise(2)` and `IORING_OP_MADVISE`.
    pub fn raw(self) -> i32 {
        #[cfg(target_os = "linux")]
        {
            match self {
                Advice::Normal => libc::MADV_NORMAL,
                Advice::Random => libc::MADV_RANDOM,
                Advice::WillNeed => libc::MADV_WILLNEED,
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            match self {
                Advice::Normal => 0,
                Advice::Random => 1,
                Advice::WillNeed => 3,
            }
        }
    }
}

impl Page {
    /// `madvise(2)` over the whole page (one write-lock cycle for
    /// `Normal` and `Random`).
    pub fn advise(&self, advice: Advice) -> io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            // SAFETY: the range is exactly the page this value mapped and
            // still owns. The advice values used here change only the VMA's
            // readahead flags or prefetch; none discards or moves memory,
            // and no Rust reference points into the page.
            let r =
                unsafe { libc::madvise(self.addr as *mut libc::c_void, self.len, advice.raw()) };
            if r == 0 {
                Ok(())
            } else {
                Err(io::Error::last_os_error())
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = advice;
            Err(unsupported())
        }
    }

    /// The page's address, for requests that name it (io_uring).
    pub fn addr(&self) -> usize {
        self.addr
    }

    /// The mapping's length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Never true: a mapping has at least one page.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// One io_uring whose every request is `IORING_OP_MADVISE` over a page it
/// owns: the kernel runs each request on an io-wq worker thread of this
/// process, so each takes this mm's mmap write lock once without a
/// syscall entry of its own (Jann Horn's suggestion in the thread).
///
/// Field order matters: the ring is dropped (and its pending requests
/// cancelled) before the page is unmapped.
#[cfg(target_os = "linux")]
pub struct UringMadvise {
    ring: io_uring::IoUring,
    page: Page,
    batch: u32,
    advice: Advice,
}

#[cfg(target_os = "linux")]
impl UringMadvise {
    /// A ring for batches of `batch` requests (1..=4096). Fails when the
    /// kernel has no io_uring (ENOSYS), forbids it (EPERM: sysctl
    /// `kernel.io_uring_disabled` or a seccomp filter), or lacks
    /// `IORING_OP_MADVISE` (`Unsupported`).
    pub fn new(batch: u32, advice: Advice) -> io::Result<UringMadvise> {
        if !(1..=4096).contains(&batch) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "io_uring batch must be 1..=4096",
            ));
        }
        let ring = io_uring::IoUring::new(batch.next_power_of_two())?;
        let mut probe = io_uring::Probe::new();
        ring.submitter().register_probe(&mut probe)?;
        if !probe.is_supported(io_uring::opcode::Madvise::CODE) {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "this kernel's io_uring lacks IORING_OP_MADVISE",
            ));
        }
        Ok(UringMadvise {
            ring,
            page: Page::map()?,
            batch,
            advice,
        })
    }

    /// Requests in a batch.
    pub fn batch(&self) -> u32 {
        self.batch
    }

    /// Submit one batch and wait for all of it. Returns the requests
    /// completed (`batch`); a failed request is an error with its errno.
    pub fn run_batch(&mut self) -> io::Result<u64> {
        let entry = io_uring::opcode::Madvise::new(
            self.page.addr() as *const libc::c_void,
            self.page.len() as libc::off_t,
            self.advice.raw(),
        )
        .build();
        {
            let mut sq = self.ring.submission();
            for _ in 0..self.batch {
                // SAFETY: the request carries only an address range, which
                // the kernel validates itself; no buffer is lent to the
                // kernel. The range is this value's own page, which outlives
                // the ring (field order). Even a request still in flight
                // after an error would at worst reset the readahead hint of
                // whatever is mapped there, touching no memory.
                unsafe { sq.push(&entry) }
                    .map_err(|_| io::Error::other("io_uring submission queue full"))?;
            }
        }
        let want = self.batch as usize;
        let mut done = 0usize;
        while done < want {
            self.ring.submit_and_wait(want - done)?;
            for cqe in self.ring.completion() {
                if cqe.result() < 0 {
                    return Err(io::Error::from_raw_os_error(-cqe.result()));
                }
                done += 1;
            }
        }
        Ok(done as u64)
    }
}

/// Is this process running with effective uid 0 (may it mount tracefs)?
pub fn is_root() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: geteuid takes no arguments and cannot fail.
        unsafe { libc::geteuid() == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// `mount -t FSTYPE nodev TARGET`: for tracefs and debugfs when they are
/// not mounted. Needs root; the caller checks `is_root` first.
pub fn mount_pseudo_fs(fstype: &str, target: &std::path::Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let nul = |e| io::Error::new(io::ErrorKind::InvalidInput, e);
        let src = CString::new("nodev").map_err(nul)?;
        let fs = CString::new(fstype).map_err(nul)?;
        let dir = CString::new(target.as_os_str().as_bytes()).map_err(nul)?;
        // SAFETY: the three pointers are NUL-terminated strings owned by
        // this frame and alive for the call; data is NULL, which every
        // pseudo filesystem accepts.
        let r =
            unsafe { libc::mount(src.as_ptr(), dir.as_ptr(), fs.as_ptr(), 0, std::ptr::null()) };
        if r == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (fstype, target);
        Err(unsupported())
    }
}

/// The running kernel's release (`uname -r`), from procfs.
pub fn kernel_release() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn munmap_null_fails_with_einval() {
        assert_eq!(munmap_null(), Err(libc::EINVAL));
        assert_eq!(errno_name(libc::EINVAL), "EINVAL");
    }

    #[test]
    fn a_page_maps_toggles_and_unmaps() {
        let p = Page::map().unwrap();
        p.protect(false).unwrap();
        p.protect(true).unwrap();
        p.advise(Advice::Random).unwrap();
        p.advise(Advice::Normal).unwrap();
        p.advise(Advice::WillNeed).unwrap();
        assert_eq!(p.len(), page_size());
        drop(p);
    }

    /// io_uring may be missing or forbidden here (containers often block
    /// it); then say so instead of passing.
    #[test]
    fn uring_madvise_completes_a_batch_or_says_why_not() {
        match UringMadvise::new(8, Advice::Normal) {
            Ok(mut u) => assert_eq!(u.run_batch().unwrap(), 8),
            Err(e) => eprintln!("io_uring not available here, batch not run: {e}"),
        }
        assert!(UringMadvise::new(0, Advice::Normal).is_err());
    }
}
