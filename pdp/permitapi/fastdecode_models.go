package permitapi

import (
	"encoding/json"

	"github.com/pdpx/pdpx/pdp/internal/jsonscan"
)

// fastPage is a page as the fast decoder reads it: the items, the hashes
// of their ids (0 for none) and, for a page object, its counts.
type fastPage[T any] struct {
	items      []T
	ids        []uint64
	totalCount int
	pageCount  int
	object     bool
}

// itemFunc decodes one item of a list into it and returns its id's hash.
type itemFunc[T any] func(d *scanner, it *T) (uint64, bool)

var pageKeys = []string{"data", "total_count", "page_count"}

// decodePageFast reads a page: a bare array of items or a page object
// {data, total_count, page_count}. The items are appended to dst (a new
// slice when it is nil), their ids' hashes to ids.
func decodePageFast[T any](body []byte, item itemFunc[T], dst []T, ids []uint64) (*fastPage[T], bool) {
	d := scanners.Get().(*scanner)
	d.Scanner, d.depth = jsonscan.Scanner[[]byte]{Src: body}, 0
	defer func() {
		d.Src = nil // the body is not the pool's to keep
		scanners.Put(d)
	}()
	p := &fastPage[T]{ids: ids[:0]}
	items := func() bool {
		if d.Peek() == 'n' {
			// null data: no items, as encoding/json leaves a nil slice.
			return d.Lit("null")
		}
		p.items = dst
		if p.items == nil {
			p.items = make([]T, 0, 100)
		}
		return d.Array(func() bool {
			if d.Peek() == 'n' {
				return false // a null item: encoding/json's zero item, left to it
			}
			p.items = append(p.items, *new(T))
			h, ok := item(d, &p.items[len(p.items)-1])
			p.ids = append(p.ids, h)
			return ok
		})
	}
	var ok bool
	switch d.Peek() {
	case '[':
		ok = items()
	case '{':
		p.object = true
		var got jsonscan.Seen
		ok = d.Object(func(k []byte) bool {
			switch string(k) {
			case "data":
				return got.First(0) && items()
			case "total_count":
				return got.First(1) && d.integer(&p.totalCount)
			case "page_count":
				return got.First(2) && d.integer(&p.pageCount)
			}
			return d.unknown(k, pageKeys)
		})
	}
	return p, ok && d.AtEnd()
}

var tupleKeys = []string{"id", "subject", "relation", "object", "tenant"}

func fastTuple(d *scanner, t *RelationshipTuple) (uint64, bool) {
	var got jsonscan.Seen
	var id uint64
	ok := d.Object(func(k []byte) bool {
		switch string(k) {
		case "id":
			return got.First(0) && d.idHash(&id)
		case "subject":
			return got.First(1) && d.kept(&t.Subject)
		case "relation":
			return got.First(2) && d.interned(&t.Relation)
		case "object":
			return got.First(3) && d.kept(&t.Object)
		case "tenant":
			return got.First(4) && d.interned(&t.Tenant)
		}
		return d.unknown(k, tupleKeys)
	})
	return id, ok
}

var assignmentKeys = []string{"id", "user", "role", "tenant", "resource_instance"}

func fastAssignment(d *scanner, a *RoleAssignment) (uint64, bool) {
	var got jsonscan.Seen
	var id uint64
	ok := d.Object(func(k []byte) bool {
		switch string(k) {
		case "id":
			return got.First(0) && d.idHash(&id)
		case "user":
			return got.First(1) && d.str(&a.User)
		case "role":
			return got.First(2) && d.interned(&a.Role)
		case "tenant":
			return got.First(3) && d.interned(&a.Tenant)
		case "resource_instance":
			return got.First(4) && d.keptPtr(&a.ResourceInstance)
		}
		return d.unknown(k, assignmentKeys)
	})
	return id, ok
}

var instanceKeys = []string{"id", "key", "resource", "tenant", "attributes"}

func fastInstance(d *scanner, in *ResourceInstance) (uint64, bool) {
	var got jsonscan.Seen
	var id uint64
	ok := d.Object(func(k []byte) bool {
		switch string(k) {
		case "id":
			return got.First(0) && d.idHash(&id)
		case "key":
			return got.First(1) && d.str(&in.Key)
		case "resource":
			return got.First(2) && d.interned(&in.Resource)
		case "tenant":
			return got.First(3) && d.interned(&in.Tenant)
		case "attributes":
			return got.First(4) && d.attrs(&in.Attributes)
		}
		return d.unknown(k, instanceKeys)
	})
	return id, ok
}

var userKeys = []string{"id", "key", "email", "first_name", "last_name", "attributes", "associated_tenants"}

func fastUser(d *scanner, u *User) (uint64, bool) {
	var got jsonscan.Seen
	var id uint64
	ok := d.Object(func(k []byte) bool {
		switch string(k) {
		case "id":
			return got.First(0) && d.idHash(&id)
		case "key":
			return got.First(1) && d.kept(&u.Key)
		case "email":
			return got.First(2) && d.keptPtr(&u.Email)
		case "first_name":
			return got.First(3) && d.keptPtr(&u.FirstName)
		case "last_name":
			return got.First(4) && d.keptPtr(&u.LastName)
		case "attributes":
			return got.First(5) && d.attrs(&u.Attributes)
		case "associated_tenants":
			return got.First(6) && d.associated(&u.AssociatedTenants)
		}
		return d.unknown(k, userKeys)
	})
	return id, ok
}

var associatedKeys = []string{"tenant", "roles", "status", "resource_instance_roles"}

// associated reads a user's associated_tenants.
func (d *scanner) associated(out *[]AssociatedTenant) bool {
	if d.Peek() == 'n' {
		*out = nil
		return d.Lit("null")
	}
	list := make([]AssociatedTenant, 0)
	ok := d.Array(func() bool {
		if d.Peek() == 'n' {
			return false // a null element: left to encoding/json
		}
		list = append(list, AssociatedTenant{})
		at := &list[len(list)-1]
		var got jsonscan.Seen
		return d.Object(func(k []byte) bool {
			switch string(k) {
			case "tenant":
				return got.First(0) && d.interned(&at.Tenant)
			case "roles":
				return got.First(1) && d.strings(&at.Roles)
			case "status":
				return got.First(2) && d.interned(&at.Status)
			case "resource_instance_roles":
				return got.First(3) && d.raws(&at.ResourceInstanceRoles)
			}
			return d.unknown(k, associatedKeys)
		})
	})
	*out = list
	return ok
}

// strings reads a []string: null is nil, [] an empty list; a null element
// is left to encoding/json.
func (d *scanner) strings(out *[]string) bool {
	if d.Peek() == 'n' {
		*out = nil
		return d.Lit("null")
	}
	list := make([]string, 0)
	ok := d.Array(func() bool {
		if d.Peek() == 'n' {
			return false
		}
		list = append(list, "")
		return d.interned(&list[len(list)-1])
	})
	*out = list
	return ok
}

// raws reads a []json.RawMessage: each element's text, copied.
func (d *scanner) raws(out *[]json.RawMessage) bool {
	if d.Peek() == 'n' {
		*out = nil
		return d.Lit("null")
	}
	list := make([]json.RawMessage, 0)
	ok := d.Array(func() bool {
		d.WS()
		start := d.Pos
		if !d.skip() {
			return false
		}
		list = append(list, append(json.RawMessage(nil), d.Src[start:d.Pos]...))
		return true
	})
	*out = list
	return ok
}
