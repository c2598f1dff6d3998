package engine

import (
	"bytes"
	"encoding/json"
	"slices"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/pdpx/pdpx/pdp/engine/internal/gen"
	"github.com/pdpx/pdpx/pdp/policy"
)

// policyFile is a generated environment written out as policy files, so
// that loading is measured from bytes on disk to a ready engine.
type policyFile struct {
	json []byte
	// mistake is the same JSON with one role assignment naming a role
	// that does not exist: a problem only the cross-reference checks find,
	// after a whole decode, the costliest kind to report.
	mistake []byte
	yaml    []byte
}

var policyFiles = sync.OnceValue(func() map[string]policyFile {
	out := map[string]policyFile{}
	for _, s := range []struct {
		name string
		cfg  gen.Config
	}{{"small", gen.Small()}, {"large", gen.Large()}} {
		p := gen.Generate(s.cfg).Policy
		var f policyFile
		f.json = must(json.Marshal(p))
		// The YAML is written as a person would: block style, two spaces.
		var generic any
		if err := json.Unmarshal(f.json, &generic); err != nil {
			panic(err)
		}
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(generic); err != nil {
			panic(err)
		}
		f.yaml = buf.Bytes()
		users := slices.Sorted(func(yield func(string) bool) {
			for k := range p.Users {
				if !yield(k) {
					return
				}
			}
		})
		for _, k := range users {
			if u := p.Users[k]; len(u.Roles) > 0 {
				saved := u.Roles[0].Role
				u.Roles[0].Role = "no-such-role"
				f.mistake = must(json.Marshal(p))
				u.Roles[0].Role = saved
				break
			}
		}
		out[s.name] = f
	}
	return out
})

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// BenchmarkLoadFile is the whole load of a policy file: parse, validate and
// index. The baseline is encoding/json decoding the same bytes into a
// generic value, the least any loader must do; the YAML and the JSON with a
// mistake are compared with the valid JSON in the same run.
func BenchmarkLoadFile(b *testing.B) {
	for _, size := range []string{"small", "large"} {
		f := policyFiles()[size]
		b.Run(size+"/baseline=json.Unmarshal", func(b *testing.B) {
			b.SetBytes(int64(len(f.json)))
			for b.Loop() {
				var v any
				if err := json.Unmarshal(f.json, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(size+"/parse+index", func(b *testing.B) {
			b.SetBytes(int64(len(f.json)))
			for b.Loop() {
				p, err := policy.Parse(size+".json", f.json)
				if err != nil {
					b.Fatal(err)
				}
				_ = New(p)
			}
		})
		b.Run(size+"/json-with-a-mistake", func(b *testing.B) {
			b.SetBytes(int64(len(f.mistake)))
			for b.Loop() {
				if _, err := policy.Parse(size+".json", f.mistake); err == nil {
					b.Fatal("the mistake was not found")
				}
			}
		})
		b.Run(size+"/yaml/parse+index", func(b *testing.B) {
			b.SetBytes(int64(len(f.yaml)))
			for b.Loop() {
				p, err := policy.Parse(size+".yaml", f.yaml)
				if err != nil {
					b.Fatal(err)
				}
				_ = New(p)
			}
		})
	}
}
