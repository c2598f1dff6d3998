package engine

import (
	"sync"
)

// Limits on the chains shown for one role: they are an explanation, the
// decision itself comes from holds, which has no limit.
const (
	maxChains     = 10
	chainBudget   = 10000
	tooManyChains = "(more paths than shown)"
)

// chainWalk enumerates derivation chains: simple paths in the derivation
// graph from a direct assignment to a node, formatted
// "folder:plans#editor --parent--> document:roadmap#editor".
//
// A chain is held as a link to the chain it extends rather than as its
// text: a chain three hops long would otherwise be written four times (once
// per node it passes), and only the chains the trace shows are written out.
type chainWalk struct {
	e      *Engine
	u      *userIndex
	t      string
	onPath map[roleAt]bool
	// memo holds the chains of nodes whose walk met no cycle cut: those do
	// not depend on the path that reached the node, so a DAG with many
	// paths to the same node (or to the same dead end) is walked once. In a
	// cyclic graph a memoized chain may then pass a node twice; it is still a
	// valid derivation.
	memo  map[roleAt]span
	links []link
	// lists holds the chain lists chains returned, as link ids; spans index it.
	lists []int32
	// stack holds the lists being built, as link ids: each call of chains
	// builds its own above those of its callers, and moves it to lists
	// when it returns.
	stack  []int32
	cuts   int
	budget int
}

// link is the last node of a chain, role on at, reached from the chain
// prev (a links index) through relation rel; prev is -1 when the node is a
// direct assignment, where every chain starts.
type link struct {
	prev int32
	rel  string
	role string
	at   instKey
}

// span is a list of chains in chainWalk.lists.
type span struct{ off, n int32 }

// walkPool recycles chain walks and their maps and slices: a check walks
// once per role of the resource type, and most walks visit a handful of
// nodes.
var walkPool = sync.Pool{New: func() any {
	return &chainWalk{onPath: map[roleAt]bool{}, memo: map[roleAt]span{}}
}}

func newChainWalk(e *Engine, u *userIndex, t string, start roleAt) *chainWalk {
	w := walkPool.Get().(*chainWalk)
	w.e, w.u, w.t, w.cuts, w.budget = e, u, t, 0, chainBudget
	w.onPath[start] = true
	return w
}

// release returns w to the pool; the chains it wrote out are strings of
// their own. A walk that grew large is dropped rather than kept alive in
// the pool.
func (w *chainWalk) release() {
	if len(w.memo) > 1024 || cap(w.links) > 4096 || cap(w.lists) > 4096 || cap(w.stack) > 4096 {
		return
	}
	clear(w.onPath)
	clear(w.memo)
	w.links, w.lists, w.stack = w.links[:0], w.lists[:0], w.stack[:0]
	w.e, w.u = nil, nil
	walkPool.Put(w)
}

func (w *chainWalk) newLink(prev int32, rel, role string, at instKey) int32 {
	w.links = append(w.links, link{prev: prev, rel: rel, role: role, at: at})
	return int32(len(w.links) - 1)
}

// text writes out chain id: "folder:plans#editor --parent--> document:roadmap#editor".
func (w *chainWalk) text(id int32) string {
	s := newSentence()
	w.write(s, id)
	return s.done()
}

func (w *chainWalk) write(s *sentence, id int32) {
	l := &w.links[id]
	if l.prev >= 0 {
		w.write(s, l.prev)
		s.w(" --").w(l.rel).w("--> ")
	}
	s.w(l.at.typ).w(":").w(l.at.key).w("#").w(l.role)
}

// chains lists the chains ending at role on at, at most maxChains.
func (w *chainWalk) chains(role string, at instKey) span {
	if !w.e.inTenant(at, w.t) {
		return span{}
	}
	k := roleAt{role, at}
	if w.onPath[k] {
		w.cuts++
		return span{} // a cycle: the path through here is not simple
	}
	if sp, ok := w.memo[k]; ok {
		return sp
	}
	if w.budget <= 0 {
		return span{}
	}
	w.budget--
	cuts := w.cuts
	base := len(w.stack)
	if w.u.hasDirect(at, role, w.t) {
		w.stack = append(w.stack, w.newLink(-1, "", role, at))
	}
	w.onPath[k] = true
	anyDirect := w.u.hasAnyDirect(at, w.t)
	for _, d := range w.derivs(role, at) {
		if len(w.stack)-base >= maxChains {
			break
		}
		if d.noDirect && anyDirect {
			continue
		}
		w.extend(base, d, role, at)
	}
	delete(w.onPath, k)
	sp := span{int32(len(w.lists)), int32(len(w.stack) - base)}
	w.lists = append(w.lists, w.stack[base:]...)
	w.stack = w.stack[:base]
	if w.cuts == cuts && w.budget > 0 {
		w.memo[k] = sp
	}
	return sp
}

func (w *chainWalk) derivs(role string, at instKey) []derivation {
	ti := w.e.types[at.typ]
	if ti == nil {
		return nil
	}
	rr := ti.roles[role]
	if rr == nil {
		return nil
	}
	return rr.derivs
}

// extend pushes onto the stack the chains that reach role on at through
// derivation d, stopping once the stack holds maxChains above base.
func (w *chainWalk) extend(base int, d derivation, role string, at instKey) {
	for _, s := range w.e.inbound[relKey{at, d.relation}] {
		if s.typ != d.onType {
			continue
		}
		sp := w.chains(d.role, s)
		for i := range sp.n {
			w.stack = append(w.stack, w.newLink(w.lists[sp.off+i], d.relation, role, at))
			if len(w.stack)-base >= maxChains {
				return
			}
		}
	}
}
