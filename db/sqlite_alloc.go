package db

import (
	"sync"

	"modernc.org/libc"
)

// SQLite (the Go port) allocates through one process-wide allocator that
// carves 64 KiB pages into slots of one size and unmaps a page as soon as its
// last slot is freed. A write statement inside a transaction keeps a
// statement journal (copies of the pages it changes) in slots it frees when
// it ends, and cursors and registers come and go the same way: without other
// live slots on their pages, every statement mapped and unmapped pages, and
// unmapping in a process with many threads is a syscall plus a TLB
// shootdown — a quarter of the inbox's CPU (bench/inbox). Keeping one slot
// of a few pages of each size allocated for good keeps those pages, and
// their free slots serve the next statement.

// allocatorPageSize and the slot sizes are modernc.org/memory's.
const (
	allocatorPageSize = 64 << 10
	smallestSlotLog   = 4
	largestSlotLog    = 14 // larger allocations get pages of their own
)

// pinnedPages is how many pages of a slot size stay mapped: one of each,
// and more of the two sizes a write churns through — 2 KiB, the statement
// journal's chunks (a status insert changes a page of the table and of each
// of its indexes: ~100 chunks), and 8 KiB, the page cache's pages.
func pinnedPages(log int) int {
	switch log {
	case 11:
		return 8
	case 13:
		return 4
	}
	return 1
}

var pinAllocatorOnce sync.Once

// pinAllocatorPages keeps pinnedPages pages of every slot size mapped, each
// held by one slot allocated for the life of the process (1.4 MB).
func pinAllocatorPages() {
	pinAllocatorOnce.Do(func() {
		tls := libc.NewTLS()
		defer tls.Close()
		for log := smallestSlotLog; log <= largestSlotLog; log++ {
			size := 1 << log
			perPage := allocatorPageSize / size
			held := map[uintptr]bool{}
			var spare []uintptr
			pages := pinnedPages(log)
			for range pages * perPage {
				p := libc.Xmalloc(tls, libc.Tsize_t(size))
				if p == 0 {
					break
				}
				if page := p &^ (allocatorPageSize - 1); !held[page] && len(held) < pages {
					held[page] = true // never freed
					continue
				}
				spare = append(spare, p)
			}
			for _, p := range spare {
				libc.Xfree(tls, p)
			}
		}
	})
}
