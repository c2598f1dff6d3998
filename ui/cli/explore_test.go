package cli

import (
	"errors"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/permit"
	"github.com/pdpx/pdpx/ui"
	"github.com/pdpx/pdpx/ui/targets"
)

// The explorer's raise-timeout rebuilds the current PDP target with twice
// the timeout and the API key it already had, which the UI never holds.
func TestSwitchFuncKeepsTheKeyAndRaisesTheTimeout(t *testing.T) {
	t.Setenv(targets.TokenEnv, "")
	sw := switchFunc(targets.Spec{Kind: pdp.KindPDP, URL: "http://localhost:7766", Token: "flag-key", Timeout: 5 * time.Second})

	tg, err := sw(ui.TargetSpec{Kind: pdp.KindPDP, URL: "http://localhost:7766", Timeout: 10 * time.Second, KeepToken: true})
	if err != nil {
		t.Fatal(err)
	}
	c, ok := tg.(*permit.Client)
	if !ok || c.Timeout() != 10*time.Second {
		t.Fatalf("target %T, timeout %v", tg, c.Timeout())
	}

	// A key typed in the switcher is the one kept from then on.
	if _, err := sw(ui.TargetSpec{Kind: pdp.KindCloud, Token: "typed-key"}); err != nil {
		t.Fatal(err)
	}
	tg, err = sw(ui.TargetSpec{Kind: pdp.KindPDP, URL: "http://localhost:7766", KeepToken: true})
	if err != nil || tg.(*permit.Client).Timeout() != 5*time.Second {
		t.Fatalf("err %v", err)
	}

	// Without KeepToken and without a key, the switcher asks for one.
	if _, err := sw(ui.TargetSpec{Kind: pdp.KindPDP, URL: "http://localhost:7766"}); !errors.Is(err, targets.ErrNoToken) {
		t.Errorf("err = %v, want ErrNoToken", err)
	}
}
