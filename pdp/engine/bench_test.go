package engine

import (
	"sync"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine/internal/gen"
)

type benchEnv struct {
	env *gen.Env
	e   *Engine
}

var (
	smallEnv = sync.OnceValue(func() benchEnv { return buildBench(gen.Small()) })
	largeEnv = sync.OnceValue(func() benchEnv { return buildBench(gen.Large()) })
)

func buildBench(cfg gen.Config) benchEnv {
	env := gen.Generate(cfg)
	return benchEnv{env: env, e: New(env.Policy)}
}

var sizes = []struct {
	name string
	env  func() benchEnv
}{{"small", smallEnv}, {"large", largeEnv}}

// The generated samples must be allowed, each by the model it is named for,
// or the benchmarks below measure the wrong path.
func TestGeneratedSamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the large environment")
	}
	for _, s := range sizes {
		b := s.env()
		for _, tc := range []struct {
			model string
			c     pdp.Check
		}{{"rbac", b.env.RBAC}, {"abac", b.env.ABAC}, {"rebac", b.env.ReBAC3Hop}} {
			d := decide(t, b.e, tc.c)
			if !d.Allowed() {
				t.Fatalf("%s %s sample denied: %+v", s.name, tc.model, d.Debug)
			}
			var r *pdp.Reason
			switch tc.model {
			case "rbac":
				r = d.Debug.RBAC
			case "abac":
				r = d.Debug.ABAC
				if d.Debug.RBAC != nil {
					t.Errorf("%s abac sample also allowed by rbac", s.name)
				}
			default:
				r = d.Debug.ReBAC
				if d.Debug.RBAC.Allow || (d.Debug.ABAC != nil && d.Debug.ABAC.Allow) {
					t.Errorf("%s rebac sample also allowed by another model", s.name)
				}
				if len(r.AllowingRoles) == 0 || len(r.AllowingRoles[0].Sources) == 0 || countHops(r.AllowingRoles[0].Sources[0]) != 3 {
					t.Errorf("%s rebac sample: %+v", s.name, r.AllowingRoles)
				}
			}
			if r == nil || !r.Allow {
				t.Errorf("%s %s sample: block %+v", s.name, tc.model, r)
			}
		}
	}
}

func countHops(chain string) int {
	n := 0
	for i := 0; i+3 < len(chain); i++ {
		if chain[i:i+4] == "--> " {
			n++
		}
	}
	return n
}

func BenchmarkLoad(b *testing.B) {
	for _, s := range []struct {
		name string
		cfg  gen.Config
	}{{"small", gen.Small()}, {"large", gen.Large()}} {
		env := gen.Generate(s.cfg)
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				New(env.Policy)
			}
		})
	}
}

func benchAllowed(b *testing.B, pick func(*gen.Env) pdp.Check) {
	for _, s := range sizes {
		env := s.env()
		c := pick(env.env)
		if !env.e.Allowed(&c) {
			b.Fatalf("%s: sample denied", s.name)
		}
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				env.e.Allowed(&c)
			}
		})
	}
}

func benchDecide(b *testing.B, pick func(*gen.Env) pdp.Check) {
	for _, s := range sizes {
		env := s.env()
		c := pick(env.env)
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				env.e.Decide(c)
			}
		})
	}
}

// benchEvaluate measures the decision with its debug object and trace but
// no JSON bodies, next to two same-process baselines the README states it
// against: the decision alone (Allowed) and encoding the check's /allowed
// body (check.Body), the least a check sent to a remote PDP costs before it
// leaves the process.
func benchEvaluate(b *testing.B, pick func(*gen.Env) pdp.Check) {
	for _, s := range sizes {
		env := s.env()
		c := pick(env.env)
		if d := env.e.Evaluate(c); !d.Allowed() {
			b.Fatalf("%s: sample denied", s.name)
		}
		b.Run(s.name+"/baseline=Allowed", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				env.e.Allowed(&c)
			}
		})
		b.Run(s.name+"/baseline=check.Body", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.Body()
			}
		})
		b.Run(s.name+"/Evaluate", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				env.e.Evaluate(c)
			}
		})
	}
}

func rbacSample(e *gen.Env) pdp.Check  { return e.RBAC }
func abacSample(e *gen.Env) pdp.Check  { return e.ABAC }
func rebacSample(e *gen.Env) pdp.Check { return e.ReBAC3Hop }

func BenchmarkAllowedRBAC(b *testing.B)      { benchAllowed(b, rbacSample) }
func BenchmarkAllowedABAC(b *testing.B)      { benchAllowed(b, abacSample) }
func BenchmarkAllowedReBAC3Hop(b *testing.B) { benchAllowed(b, rebacSample) }
func BenchmarkDecideRBAC(b *testing.B)       { benchDecide(b, rbacSample) }
func BenchmarkDecideABAC(b *testing.B)       { benchDecide(b, abacSample) }
func BenchmarkDecideReBAC3Hop(b *testing.B)  { benchDecide(b, rebacSample) }

func BenchmarkEvaluateRBAC(b *testing.B)      { benchEvaluate(b, rbacSample) }
func BenchmarkEvaluateABAC(b *testing.B)      { benchEvaluate(b, abacSample) }
func BenchmarkEvaluateReBAC3Hop(b *testing.B) { benchEvaluate(b, rebacSample) }

// benchEvaluateDebug measures the debug object without the trace, what
// pdpx serve answers with, next to the decision alone (Allowed) and the
// debug object with the trace (Evaluate).
func benchEvaluateDebug(b *testing.B, pick func(*gen.Env) pdp.Check) {
	for _, s := range sizes {
		env := s.env()
		c := pick(env.env)
		if d := env.e.EvaluateDebug(&c); !d.Allowed() {
			b.Fatalf("%s: sample denied", s.name)
		}
		b.Run(s.name+"/baseline=Allowed", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				env.e.Allowed(&c)
			}
		})
		b.Run(s.name+"/baseline=Evaluate", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				env.e.Evaluate(c)
			}
		})
		b.Run(s.name+"/EvaluateDebug", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				env.e.EvaluateDebug(&c)
			}
		})
	}
}

func BenchmarkEvaluateDebugRBAC(b *testing.B)      { benchEvaluateDebug(b, rbacSample) }
func BenchmarkEvaluateDebugABAC(b *testing.B)      { benchEvaluateDebug(b, abacSample) }
func BenchmarkEvaluateDebugReBAC3Hop(b *testing.B) { benchEvaluateDebug(b, rebacSample) }
