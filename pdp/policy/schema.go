package policy

import _ "embed"

//go:embed schema.json
var schemaJSON []byte

// Schema returns a JSON Schema (draft 2020-12) of the policy format, with
// descriptions, for editors: yaml-language-server reads it from a
// "# yaml-language-server: $schema=<file>" comment. It checks shapes only;
// Load also checks cross references (unknown roles, actions, tenants). A
// test keeps its keys equal to the keys Load accepts.
func Schema() []byte { return append([]byte(nil), schemaJSON...) }
