package pdp

// Wrapper is a target built around another: one that pins latencies in a
// test, pairs a remote PDP with a snapshot, records what it decides. It
// answers Unwrap, and questions about what stands behind a target (which
// engine, which policy, which timeout) are passed on to the target inside
// it: see Behind.
type Wrapper interface {
	Unwrap() Target
}

// maxWrap bounds the walk down a chain of wrappers, so that a wrapper that
// (by mistake) unwraps to itself cannot hang the caller.
const maxWrap = 16

// Behind returns t, or the first target inside t's wrappers, that is a T:
// the one way to ask what stands behind a target by the methods it has
// (engine.Of asks for the embedded engine). A T found on the outside wins,
// so a wrapper can answer for what it wraps.
func Behind[T any](t Target) (T, bool) {
	for range maxWrap {
		if t == nil {
			break
		}
		if v, ok := t.(T); ok {
			return v, true
		}
		w, ok := t.(Wrapper)
		if !ok {
			break
		}
		t = w.Unwrap()
	}
	var zero T
	return zero, false
}
