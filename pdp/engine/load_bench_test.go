package engine

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/pdpx/pdpx/pdp/engine/internal/gen"
	"github.com/pdpx/pdpx/pdp/policy"
)

// policyFiles holds the generated environments written out as policy files,
// so that loading is measured from bytes on disk to a ready engine.
var policyFiles = sync.OnceValue(func() map[string][]byte {
	out := map[string][]byte{}
	for _, s := range []struct {
		name string
		cfg  gen.Config
	}{{"small", gen.Small()}, {"large", gen.Large()}} {
		b, err := json.Marshal(gen.Generate(s.cfg).Policy)
		if err != nil {
			panic(err)
		}
		out[s.name] = b
	}
	return out
})

// BenchmarkLoadFile is the whole load of a policy file: parse, validate and
// index. The baseline is encoding/json decoding the same bytes into a
// generic value, the least any loader must do.
func BenchmarkLoadFile(b *testing.B) {
	for _, size := range []string{"small", "large"} {
		data := policyFiles()[size]
		b.Run(size+"/baseline=json.Unmarshal", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				var v any
				if err := json.Unmarshal(data, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(size+"/parse+index", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				p, err := policy.Parse(size+".json", data)
				if err != nil {
					b.Fatal(err)
				}
				_ = New(p)
			}
		})
	}
	// YAML takes the positioned path (goccy's AST): an order of magnitude
	// slower, so it is measured at the small size only.
	yml, err := yaml.JSONToYAML(policyFiles()["small"])
	if err != nil {
		b.Fatal(err)
	}
	b.Run("small/yaml/parse+index", func(b *testing.B) {
		b.SetBytes(int64(len(yml)))
		for b.Loop() {
			p, err := policy.Parse("small.yaml", yml)
			if err != nil {
				b.Fatal(err)
			}
			_ = New(p)
		}
	})
}
