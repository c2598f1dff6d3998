package pull

import (
	"os"
	"runtime"
	"runtime/debug"
	"sync"
)

// GCPercent is the garbage collector's target pdpx pull runs with (unless
// $GOGC sets one). A pull builds one large policy and holds little else, so
// the heap is the policy plus the garbage made on the way; at Go's default
// of 100 the heap may grow to twice what is live before a collection (3–4×
// the size of the file written, for the large generated environment), at
// 50 to one and a half times (under 3×), for a few per cent more CPU.
const GCPercent = 50

// quietUntil is the memory a pull holds before its first collection. At
// GCPercent the collector's first goal is 2 MB, and a pull of the large
// generated environment went through seven collections, a tenth of its
// CPU, before its heap reached 25 MB; below a few tens of MB the memory a
// collection would save is not worth the time.
const quietUntil = 32 << 20

// TuneGC sets the collector as a pull runs best, unless $GOGC or
// $GOMEMLIMIT set it otherwise: no collection until the process holds
// quietUntil, then GCPercent. It returns what puts the collector back as it
// was.
func TuneGC() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	var mu sync.Mutex
	done := false
	oldPercent := debug.SetGCPercent(-1)
	oldLimit := debug.SetMemoryLimit(quietUntil)
	// The first collection, at quietUntil, hands over to GCPercent: it
	// finds first unreachable a value made for the purpose.
	first := new([32]byte)
	runtime.AddCleanup(first, func(struct{}) {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			done = true
			debug.SetGCPercent(GCPercent)
			debug.SetMemoryLimit(oldLimit)
		}
	}, struct{}{})
	return func() {
		mu.Lock()
		defer mu.Unlock()
		done = true
		debug.SetGCPercent(oldPercent)
		debug.SetMemoryLimit(oldLimit)
	}
}
