package gen

import "testing"

func TestSmallIsValidAndSized(t *testing.T) {
	cfg := Small()
	env := Generate(cfg)
	p := env.Policy
	if err := p.Validate(); err != nil {
		t.Fatalf("generated policy is invalid: %v", err)
	}
	// The samples add three users and one set of each kind.
	if len(p.Users) != cfg.Users+3 || len(p.Tenants) != cfg.Tenants || len(p.ResourceInstances) != cfg.Instances ||
		len(p.Relationships) != cfg.Relationships || len(p.UserSets) != cfg.UserSets+1 || len(p.ResourceSets) != cfg.ResourceSets+1 {
		t.Errorf("sizes: %d users, %d tenants, %d instances, %d relationships, %d user sets, %d resource sets",
			len(p.Users), len(p.Tenants), len(p.ResourceInstances), len(p.Relationships), len(p.UserSets), len(p.ResourceSets))
	}
	if Generate(cfg).Policy.Users["u00042"].Attributes["department"] != p.Users["u00042"].Attributes["department"] {
		t.Error("not reproducible")
	}
}

func TestTinyIsValidWithQuerySets(t *testing.T) {
	cfg := Tiny()
	p := Generate(cfg).Policy
	if err := p.Validate(); err != nil {
		t.Fatalf("generated policy is invalid: %v", err)
	}
	owned := 0
	for _, in := range p.ResourceInstances {
		if in.Attributes["owner"] != nil {
			owned++
		}
	}
	if owned == 0 || p.ResourceSets["q_owned"] == nil || p.UserSets["q_night_support"] == nil {
		t.Errorf("query sets missing: %d owned documents", owned)
	}
	// The query sets draw no random numbers: the rest is the same without them.
	cfg.QuerySets = false
	q := Generate(cfg).Policy
	if len(q.ConditionSetRules) != len(p.ConditionSetRules)-4 || q.Users["u00007"].Attributes["department"] != p.Users["u00007"].Attributes["department"] {
		t.Error("QuerySets changed the rest of the environment")
	}
}
