#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// This machine's physical memory, the most any run here can use: a run that needs more is
/// refused when its file is checked, instead of dying in an allocation halfway through.
public enum PhysicalMemory {
    /// Pages × page size, as the system reports them; `Int.max` where it reports nothing, so
    /// that an unknown size refuses nothing.
    public static let bytes: Int = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return Int.max }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: pageSize)
        return overflow ? Int.max : bytes
    }()
}
