package policy

import (
	"encoding/json"
	"reflect"
	"sort"
	"testing"
)

type jsonSchema struct {
	Schema     string                     `json:"$schema"`
	Properties map[string]json.RawMessage `json:"properties"`
	Required   []string                   `json:"required"`
	Defs       map[string]struct {
		Properties           map[string]json.RawMessage `json:"properties"`
		AdditionalProperties json.RawMessage            `json:"additionalProperties"`
		PropertyNames        struct {
			Enum []string `json:"enum"`
		} `json:"propertyNames"`
	} `json:"$defs"`
}

func keysOf(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// TestSchemaMatchesLoader keeps the JSON Schema and the decoder from
// drifting: every object of the format has the same keys in both.
func TestSchemaMatchesLoader(t *testing.T) {
	var s jsonSchema
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatalf("Schema() is not valid JSON: %v", err)
	}
	if s.Schema != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %q", s.Schema)
	}
	if got, want := keysOf(s.Properties), sorted(fieldKeys(reflect.TypeFor[Policy]())); !reflect.DeepEqual(got, want) {
		t.Errorf("top-level properties %v, Load accepts %v", got, want)
	}
	if !reflect.DeepEqual(s.Required, []string{"version"}) {
		t.Errorf("required = %v", s.Required)
	}
	for def, typ := range map[string]reflect.Type{
		"resource":         reflect.TypeFor[Resource](),
		"resourceRole":     reflect.TypeFor[ResourceRole](),
		"grantedTo":        reflect.TypeFor[GrantedTo](),
		"derivation":       reflect.TypeFor[Derivation](),
		"when":             reflect.TypeFor[When](),
		"role":             reflect.TypeFor[Role](),
		"tenant":           reflect.TypeFor[Tenant](),
		"user":             reflect.TypeFor[User](),
		"roleAssignment":   reflect.TypeFor[RoleAssignment](),
		"instance":         reflect.TypeFor[Instance](),
		"relationship":     reflect.TypeFor[Relationship](),
		"userSet":          reflect.TypeFor[UserSet](),
		"resourceSet":      reflect.TypeFor[ResourceSet](),
		"conditionSetRule": reflect.TypeFor[ConditionSetRule](),
		"source":           reflect.TypeFor[Source](),
		"sourceRef":        reflect.TypeFor[SourceRef](),
	} {
		d, ok := s.Defs[def]
		if !ok {
			t.Errorf("$defs has no %s", def)
			continue
		}
		if got, want := keysOf(d.Properties), sorted(fieldKeys(typ)); !reflect.DeepEqual(got, want) {
			t.Errorf("$defs/%s properties %v, Load accepts %v", def, got, want)
		}
		if string(d.AdditionalProperties) != "false" {
			t.Errorf("$defs/%s must forbid unknown keys, as Load does", def)
		}
	}
	if got := s.Defs["operation"].PropertyNames.Enum; !reflect.DeepEqual(sorted(got), sorted(Operators)) {
		t.Errorf("schema operators %v, Load accepts %v", got, Operators)
	}
	var attrTypes struct {
		Enum []string `json:"enum"`
	}
	var raw struct {
		Defs map[string]json.RawMessage `json:"$defs"`
	}
	if err := json.Unmarshal(Schema(), &raw); err != nil || json.Unmarshal(raw.Defs["attributeType"], &attrTypes) != nil ||
		!reflect.DeepEqual(sorted(attrTypes.Enum), sorted(SchemaTypes)) {
		t.Errorf("schema attribute types %v, Load accepts %v (%v)", attrTypes.Enum, SchemaTypes, err)
	}
	for _, def := range []string{"resource", "user_attributes"} {
		var ref struct {
			AdditionalProperties struct {
				Ref string `json:"$ref"`
			} `json:"additionalProperties"`
		}
		src := s.Defs["resource"].Properties["attributes"]
		if def == "user_attributes" {
			src = s.Properties["user_attributes"]
		}
		if json.Unmarshal(src, &ref) != nil || ref.AdditionalProperties.Ref != "#/$defs/attributeType" {
			t.Errorf("%s attribute types must refer to #/$defs/attributeType", def)
		}
	}
}

// TestSchemaIsACopy: callers may not change the schema for everyone.
func TestSchemaIsACopy(t *testing.T) {
	a := Schema()
	a[0] = 'x'
	if Schema()[0] == 'x' {
		t.Error("Schema() returns the embedded bytes themselves")
	}
}
