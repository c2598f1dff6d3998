package pdp

// Agreement says how a remote PDP's decision and the decision of the same
// check on a snapshot of its environment compare. The remote decision is
// the truth; the snapshot's explains it, and the agreement says how far
// that explanation can be trusted.
type Agreement struct {
	// SameOutcome: both allowed or both denied.
	SameOutcome bool `json:"same_outcome"`
	// Codes are the models whose debug codes differ, in rbac, abac, rebac
	// order; empty when they agree or when the remote sent no debug object.
	Codes []CodeDiff `json:"codes,omitempty"`
	// CodesCompared is false when the remote decision carried no debug
	// object (a PDP without PDP_DEBUG): only the outcomes were compared.
	CodesCompared bool `json:"codes_compared"`
}

// CodeDiff is one model whose code differs: "" stands for an absent block.
type CodeDiff struct {
	Model    string `json:"model"`
	Remote   string `json:"remote"`
	Snapshot string `json:"snapshot"`
}

// Agrees reports whether the outcomes and every compared code agree.
func (a Agreement) Agrees() bool { return a.SameOutcome && len(a.Codes) == 0 }

// Compare compares a remote decision with the snapshot's decision of the
// same check. ok is false when there is nothing to compare: either
// decision is an error, which no snapshot turns into an answer.
func Compare(remote, snapshot Decision) (a Agreement, ok bool) {
	if remote.Outcome == Error || snapshot.Outcome == Error {
		return Agreement{}, false
	}
	a.SameOutcome = remote.Outcome == snapshot.Outcome
	if remote.Debug == nil || snapshot.Debug == nil {
		return a, true
	}
	a.CodesCompared = true
	for _, m := range []struct {
		model string
		r, s  *Reason
	}{
		{"rbac", remote.Debug.RBAC, snapshot.Debug.RBAC},
		{"abac", remote.Debug.ABAC, snapshot.Debug.ABAC},
		{"rebac", remote.Debug.ReBAC, snapshot.Debug.ReBAC},
	} {
		if rc, sc := reasonCode(m.r), reasonCode(m.s); rc != sc {
			a.Codes = append(a.Codes, CodeDiff{Model: m.model, Remote: rc, Snapshot: sc})
		}
	}
	return a, true
}

func reasonCode(r *Reason) string {
	if r == nil {
		return ""
	}
	return Clean(r.Code)
}
