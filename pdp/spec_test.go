package pdp

import "testing"

func TestTargetSpecDefaults(t *testing.T) {
	for _, tc := range []struct {
		in, want TargetSpec
	}{
		{TargetSpec{}, TargetSpec{Kind: KindEmbedded}},
		{TargetSpec{Policy: "env.yaml"}, TargetSpec{Kind: KindEmbedded, Policy: "env.yaml"}},
		{TargetSpec{Kind: KindPDP}, TargetSpec{Kind: KindPDP, URL: LocalPDPURL}},
		{TargetSpec{Kind: KindPDP, URL: "http://pdp:7000"}, TargetSpec{Kind: KindPDP, URL: "http://pdp:7000"}},
		{TargetSpec{Kind: KindCloud, Token: "k"}, TargetSpec{Kind: KindCloud, URL: CloudPDPURL, Token: "k"}},
	} {
		if got := tc.in.WithDefaults(); got != tc.want {
			t.Errorf("%+v: %+v, want %+v", tc.in, got, tc.want)
		}
	}
	if (TargetSpec{}).Remote() || !(TargetSpec{Kind: KindCloud}).Remote() || !(TargetSpec{Kind: KindPDP}).Remote() {
		t.Error("Remote")
	}
}
