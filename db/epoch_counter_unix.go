//go:build unix

package db

import (
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// epochCounterSize is the length of the counter file: one uint64.
const epochCounterSize = 8

// openEpochCounter maps the write counter shared by every process of the
// SQLite file at path (invalidation_sqlite.go), creating it if need be; nil
// when it cannot (then cache_epochs is read on every request, as before).
//
// Written by hand on golang.org/x/sys/unix: what is needed is one uint64 in
// memory shared between processes and changed atomically, and no package
// offers that in fewer lines than these. SQLite's own WAL index (the -shm
// file) is the same kind of mapping, so a filesystem that holds a WAL
// database holds this one too.
func openEpochCounter(path string) *epochCounter {
	mode := os.FileMode(0o600)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm() // whoever may write the database may bump the counter
	}
	f, err := os.OpenFile(path+"-kontor-epoch", os.O_RDWR|os.O_CREATE, mode)
	if err != nil {
		return nil
	}
	defer f.Close() // the mapping outlives the descriptor
	st, err := f.Stat()
	if err != nil {
		return nil
	}
	// Only ever grown: two processes creating it at once both extend it to
	// the same size, and neither clears what the other has counted.
	if st.Size() < epochCounterSize {
		if err := f.Truncate(epochCounterSize); err != nil {
			return nil
		}
	}
	mem, err := unix.Mmap(int(f.Fd()), 0, epochCounterSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil
	}
	// The mapping starts on a page boundary, so the uint64 is aligned.
	return &epochCounter{n: (*atomic.Uint64)(unsafe.Pointer(&mem[0]))}
}
