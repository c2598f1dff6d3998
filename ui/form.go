package ui

import (
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/state"
)

// field is one input of the check form, in tab order.
type field int

const (
	fUser field = iota
	fUserAttrs
	fAction
	fType
	fKey
	fResAttrs
	fTenant
	fTenantAttrs
	fContext
	numFields
)

var fieldLabels = [numFields]string{"User", " attrs", "Action", "Resource", " key", " attrs", "Tenant", " attrs", "Context"}

var fieldNames = [numFields]string{"user", "user attributes", "action", "resource type", "resource key",
	"resource attributes", "tenant", "tenant attributes", "context"}

var fieldPlaceholders = [numFields]string{
	"user key, e.g. john@smith.com",
	"k=v …  e.g. location=England",
	"e.g. read",
	"type, e.g. document",
	"instance key (optional)",
	"k=v …  e.g. hasApproval=\"true\" (a string)",
	pdp.DefaultTenant,
	"k=v …",
	"k=v …",
}

// fieldHints fit the narrowest form (66 cells) on the hint line.
var fieldHints = [numFields]string{
	"the user's key; an unknown user has only the attributes sent",
	"JIT attributes, k=v: 30 is a number, \"30\" a string · ctrl+e JSON",
	"the action · ctrl+n lists the actions of the type",
	"the resource type (type:key works too) · ctrl+n lists types",
	"an instance key, for ReBAC and instance attributes (optional)",
	"JIT resource attributes, k=v · ctrl+e edits them as JSON",
	"empty sends \"default\", as Permit's SDKs do",
	"JIT tenant attributes, k=v (sent as a top-level \"tenant\")",
	"context, k=v: the policy reads them as context.*",
}

func (f field) isAttr() bool {
	return f == fUserAttrs || f == fResAttrs || f == fTenantAttrs || f == fContext
}

// historyField maps a form field to the History.Values field it suggests from.
func (f field) historyField() state.Field {
	return [numFields]state.Field{state.FieldUser, state.FieldUserAttr, state.FieldAction,
		state.FieldResourceType, state.FieldResourceKey, state.FieldResourceAttr,
		state.FieldTenant, state.FieldTenantAttr, state.FieldContext}[f]
}

const labelWidth = 11 // gutter (2) + label (8) + space

// suggestion is one completion candidate; note is a short aside (a type, a tenant).
type suggestion struct{ value, note string }

// formModel is the check form: nine text inputs, their errors, and the
// suggestion popup of the focused one.
type formModel struct {
	inputs [numFields]textinput.Model
	focus  field
	errs   [numFields]string
	// tried is set once a send was attempted, so that required-field errors
	// appear only after the user asked to send, not while they type.
	tried bool

	cands   [numFields][]suggestion
	matches []suggestion
	sel     int
	popup   bool

	// defTenant is the tenant an empty Tenant field sends: a profile's
	// default_tenant, else "" for Permit's "default".
	defTenant string
	// types are the resource types of the target's policy, nil when the
	// target has none to read (a remote PDP): another type cannot be
	// decided.
	types []string
}

// tenantDefault is the tenant an empty Tenant field sends.
func (f *formModel) tenantDefault() string {
	if f.defTenant != "" {
		return f.defTenant
	}
	return pdp.DefaultTenant
}

// setDefaultTenant makes t what an empty Tenant field sends, and says so
// in the field's placeholder.
func (f *formModel) setDefaultTenant(t string) {
	if t == pdp.DefaultTenant {
		t = ""
	}
	f.defTenant = t
	f.inputs[fTenant].Placeholder = f.tenantDefault()
}

// hint is the focused field's hint line; the tenant's names the default
// in use.
func (f *formModel) hint(i field) string {
	if i == fTenant && f.defTenant != "" {
		return "empty sends " + quote(f.defTenant) + ", the profile's default_tenant"
	}
	return fieldHints[i]
}

func newForm(st textinput.Styles) formModel {
	var f formModel
	for i := range f.inputs {
		in := textinput.New()
		in.Prompt = ""
		in.Placeholder = fieldPlaceholders[i]
		in.SetVirtualCursor(false)
		in.SetStyles(st)
		// The form owns tab, up/down and ctrl+n/p for fields and its popup.
		in.KeyMap.AcceptSuggestion.SetEnabled(false)
		in.KeyMap.NextSuggestion.SetEnabled(false)
		in.KeyMap.PrevSuggestion.SetEnabled(false)
		f.inputs[i] = in
	}
	f.inputs[fUser].Focus()
	return f
}

func (f *formModel) setStyles(st textinput.Styles) {
	for i := range f.inputs {
		f.inputs[i].SetStyles(st)
	}
}

func (f *formModel) setWidth(w int) {
	for i := range f.inputs {
		f.inputs[i].SetWidth(max(w-labelWidth-1, 4))
	}
}

func (f *formModel) value(i field) string { return f.inputs[i].Value() }

func (f *formModel) setValue(i field, v string) {
	f.inputs[i].SetValue(v)
	f.inputs[i].CursorEnd()
}

// focusField moves the focus, closing the popup of the field left behind.
func (f *formModel) focusField(i field) tea.Cmd {
	i = (i + numFields) % numFields
	f.inputs[f.focus].Blur()
	f.focus = i
	f.popup, f.sel, f.matches = false, 0, nil
	return f.inputs[i].Focus()
}

func (f *formModel) blur() { f.inputs[f.focus].Blur() }

func (f *formModel) refocus() tea.Cmd { return f.inputs[f.focus].Focus() }

// updateInput passes a key or paste to the focused input and reports whether
// its text changed.
func (f *formModel) updateInput(msg tea.Msg) (tea.Cmd, bool) {
	before := f.inputs[f.focus].Value()
	var cmd tea.Cmd
	f.inputs[f.focus], cmd = f.inputs[f.focus].Update(msg)
	return cmd, before != f.inputs[f.focus].Value()
}

// setTypes makes types the resource types the form accepts (nil: any).
func (f *formModel) setTypes(types []string) {
	f.types = types
	f.validate()
}

// validate recomputes every field's error.
func (f *formModel) validate() {
	knownTypes := f.types
	for i := range f.errs {
		f.errs[i] = ""
	}
	for i := range numFields {
		if !i.isAttr() {
			continue
		}
		if _, err := pdp.ParseAttrText(f.value(i)); err != nil {
			f.errs[i] = err.Error()
		}
	}
	typ, key := f.resource()
	if strings.Count(f.value(fType), ":") > 1 {
		f.errs[fType] = "write type or type:key, with at most one ':'"
	} else if typ != "" && knownTypes != nil && !contains(knownTypes, typ) {
		f.errs[fType] = "the policy has no resource type " + quote(typ)
		if near := policy.Suggest(typ, knownTypes); near != "" {
			f.errs[fType] += "; did you mean " + near + "?"
		} else {
			f.errs[fType] += "; it has " + list(knownTypes, 6)
		}
	} else if key != "" && strings.TrimSpace(f.value(fKey)) != "" && strings.Contains(f.value(fType), ":") {
		f.errs[fKey] = "the key is given twice: in Resource (type:key) and here"
	}
	if f.tried {
		if strings.TrimSpace(f.value(fUser)) == "" {
			f.errs[fUser] = "give the user's key, e.g. john@smith.com"
		}
		if strings.TrimSpace(f.value(fAction)) == "" {
			f.errs[fAction] = "give an action, e.g. read"
		}
		if typ == "" && f.errs[fType] == "" {
			f.errs[fType] = "give a resource type, e.g. document"
		}
	}
}

// resource reads the type and key, accepting "type:key" in the type field.
func (f *formModel) resource() (typ, key string) {
	typ = strings.TrimSpace(f.value(fType))
	key = strings.TrimSpace(f.value(fKey))
	if t, k, ok := strings.Cut(typ, ":"); ok {
		typ = t
		if key == "" {
			key = k
		}
	}
	return typ, key
}

// firstError is the first field with an error, or -1.
func (f *formModel) firstError() field {
	for i, e := range f.errs {
		if e != "" {
			return field(i)
		}
	}
	return -1
}

// check builds the check; ok is false when a field has an error (the errors
// are then on the fields).
func (f *formModel) check() (pdp.Check, bool) {
	f.tried = true
	f.validate()
	if f.firstError() >= 0 {
		return pdp.Check{}, false
	}
	typ, key := f.resource()
	tenant := f.value(fTenant)
	if strings.TrimSpace(tenant) == "" {
		tenant = f.tenantDefault()
	}
	c, err := pdp.NewCheck(f.value(fUser), f.value(fAction), typ, tenant, false)
	if err != nil { // validate covers these; keep the message if it ever does not
		f.errs[fUser] = err.Error()
		return pdp.Check{}, false
	}
	c.Resource.Key = key
	c.User.Attributes, _ = pdp.ParseAttrText(f.value(fUserAttrs))
	c.Resource.Attributes, _ = pdp.ParseAttrText(f.value(fResAttrs))
	c.TenantAttributes, _ = pdp.ParseAttrText(f.value(fTenantAttrs))
	c.Context, _ = pdp.ParseAttrText(f.value(fContext))
	return c, true
}

// load fills the form from a check (history's `e`).
func (f *formModel) load(c pdp.Check) {
	defer f.validate()
	f.setValue(fUser, c.User.Key)
	f.setValue(fUserAttrs, pdp.FormatAttrs(c.User.Attributes))
	f.setValue(fAction, c.Action)
	f.setValue(fType, c.Resource.Type)
	f.setValue(fKey, c.Resource.Key)
	f.setValue(fResAttrs, pdp.FormatAttrs(c.Resource.Attributes))
	tenant := c.Resource.Tenant
	if tenant == f.tenantDefault() {
		tenant = "" // the placeholder says default; an explicit value would hide that it is the default
	}
	f.setValue(fTenant, tenant)
	f.setValue(fTenantAttrs, pdp.FormatAttrs(c.TenantAttributes))
	f.setValue(fContext, pdp.FormatAttrs(c.Context))
	f.tried = false
}

// hasJIT reports whether the form carries JIT attributes, which the cloud
// PDP ignores.
func hasJIT(c pdp.Check) bool {
	return len(c.User.Attributes) > 0 || len(c.Resource.Attributes) > 0 || len(c.TenantAttributes) > 0
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func quote(s string) string { return "\"" + s + "\"" }

// list joins up to n items for a sentence: "a, b, c and 4 more".
func list(xs []string, n int) string {
	if len(xs) == 0 {
		return "none"
	}
	ys := append([]string(nil), xs...)
	sort.Strings(ys)
	if len(ys) <= n {
		return strings.Join(ys, ", ")
	}
	return strings.Join(ys[:n], ", ") + " and " + itoa(len(ys)-n) + " more"
}

// Actions the form answers with.
type (
	// sendForm sends the check in the form.
	sendForm struct{}
	// fieldChanged says the focused field, or its text, changed: its
	// suggestions need reading again. cmd focuses the field's input.
	fieldChanged struct{ cmd tea.Cmd }
)

// update takes a key or a paste while the form has the focus. The form
// owns tab, the arrows, ctrl+n/p and esc for its fields and its popup of
// suggestions; the rest goes to the focused field's input.
func (f *formModel) update(msg tea.Msg, k keyMap) action {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok { // a paste
		cmd, changed := f.updateInput(msg)
		if changed {
			f.validate()
		}
		return cmd
	}
	switch {
	case key.Matches(km, k.Send):
		f.popup = false
		return sendForm{}
	case key.Matches(km, k.Complete) && f.popup:
		f.accept()
		f.validate()
		return fieldChanged{}
	case key.Matches(km, k.Next):
		return fieldChanged{f.focusField(f.focus + 1)}
	case key.Matches(km, k.Prev):
		return fieldChanged{f.focusField(f.focus - 1)}
	case key.Matches(km, k.SuggestNext, k.FieldDown) && f.popup:
		f.moveSel(1)
		return nil
	case key.Matches(km, k.SuggestPrev, k.FieldUp) && f.popup:
		f.moveSel(-1)
		return nil
	case key.Matches(km, k.SuggestNext):
		f.refreshMatches(true)
		return nil
	case key.Matches(km, k.FieldDown):
		return fieldChanged{f.focusField(f.focus + 1)}
	case key.Matches(km, k.FieldUp):
		return fieldChanged{f.focusField(f.focus - 1)}
	case key.Matches(km, k.Leave):
		if f.popup {
			f.popup = false
			return nil
		}
		return focusOn{focusHistory}
	case key.Matches(km, k.Editor):
		return f.openEditor()
	}
	cmd, changed := f.updateInput(km)
	if changed {
		f.validate()
		f.refreshMatches(false)
	}
	return cmd
}
