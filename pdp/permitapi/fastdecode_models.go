package permitapi

import "encoding/json"

// seen guards against duplicate keys: encoding/json's "last one wins" has
// corners (null leaves a string field as it was, a second object merges
// into the first map) not worth copying.
type seen uint16

func (s *seen) first(bit int) bool {
	if *s&(1<<bit) != 0 {
		return false
	}
	*s |= 1 << bit
	return true
}

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
// slice when it is nil).
func decodePageFast[T any](body []byte, item itemFunc[T], dst []T) (*fastPage[T], bool) {
	d := &scanner{b: body}
	p := &fastPage[T]{}
	items := func() bool {
		if d.peek() == 'n' {
			// null data: no items, as encoding/json leaves a nil slice.
			return d.lit("null")
		}
		p.items = dst
		if p.items == nil {
			p.items = make([]T, 0, 100)
		}
		return d.array(func() bool {
			if d.peek() == 'n' {
				return false // a null item: encoding/json's zero item, left to it
			}
			p.items = append(p.items, *new(T))
			h, ok := item(d, &p.items[len(p.items)-1])
			p.ids = append(p.ids, h)
			return ok
		})
	}
	var ok bool
	switch d.peek() {
	case '[':
		ok = items()
	case '{':
		p.object = true
		var got seen
		ok = d.object(func(k []byte) bool {
			switch string(k) {
			case "data":
				return got.first(0) && items()
			case "total_count":
				return got.first(1) && d.integer(&p.totalCount)
			case "page_count":
				return got.first(2) && d.integer(&p.pageCount)
			}
			return d.unknown(k, pageKeys)
		})
	}
	d.ws()
	return p, ok && d.i == len(d.b)
}

var tupleKeys = []string{"id", "subject", "relation", "object", "tenant"}

func fastTuple(d *scanner, t *RelationshipTuple) (uint64, bool) {
	var got seen
	var id uint64
	ok := d.object(func(k []byte) bool {
		var ok bool
		switch string(k) {
		case "id":
			id, ok = d.idHash()
			return got.first(0) && ok
		case "subject":
			t.Subject, ok = d.str()
			return got.first(1) && ok
		case "relation":
			t.Relation, ok = d.interned()
			return got.first(2) && ok
		case "object":
			t.Object, ok = d.str()
			return got.first(3) && ok
		case "tenant":
			t.Tenant, ok = d.interned()
			return got.first(4) && ok
		}
		return d.unknown(k, tupleKeys)
	})
	return id, ok
}

var assignmentKeys = []string{"id", "user", "role", "tenant", "resource_instance"}

func fastAssignment(d *scanner, a *RoleAssignment) (uint64, bool) {
	var got seen
	var id uint64
	ok := d.object(func(k []byte) bool {
		var ok bool
		switch string(k) {
		case "id":
			id, ok = d.idHash()
			return got.first(0) && ok
		case "user":
			a.User, ok = d.str()
			return got.first(1) && ok
		case "role":
			a.Role, ok = d.interned()
			return got.first(2) && ok
		case "tenant":
			a.Tenant, ok = d.interned()
			return got.first(3) && ok
		case "resource_instance":
			a.ResourceInstance, ok = d.strPtr()
			return got.first(4) && ok
		}
		return d.unknown(k, assignmentKeys)
	})
	return id, ok
}

var instanceKeys = []string{"id", "key", "resource", "tenant", "attributes"}

func fastInstance(d *scanner, in *ResourceInstance) (uint64, bool) {
	var got seen
	var id uint64
	ok := d.object(func(k []byte) bool {
		var ok bool
		switch string(k) {
		case "id":
			id, ok = d.idHash()
			return got.first(0) && ok
		case "key":
			in.Key, ok = d.str()
			return got.first(1) && ok
		case "resource":
			in.Resource, ok = d.interned()
			return got.first(2) && ok
		case "tenant":
			in.Tenant, ok = d.interned()
			return got.first(3) && ok
		case "attributes":
			return got.first(4) && d.attrs(&in.Attributes)
		}
		return d.unknown(k, instanceKeys)
	})
	return id, ok
}

var userKeys = []string{"id", "key", "email", "first_name", "last_name", "attributes", "associated_tenants"}

func fastUser(d *scanner, u *User) (uint64, bool) {
	var got seen
	var id uint64
	ok := d.object(func(k []byte) bool {
		var ok bool
		switch string(k) {
		case "id":
			id, ok = d.idHash()
			return got.first(0) && ok
		case "key":
			u.Key, ok = d.str()
			return got.first(1) && ok
		case "email":
			u.Email, ok = d.strPtr()
			return got.first(2) && ok
		case "first_name":
			u.FirstName, ok = d.strPtr()
			return got.first(3) && ok
		case "last_name":
			u.LastName, ok = d.strPtr()
			return got.first(4) && ok
		case "attributes":
			return got.first(5) && d.attrs(&u.Attributes)
		case "associated_tenants":
			return got.first(6) && d.associated(&u.AssociatedTenants)
		}
		return d.unknown(k, userKeys)
	})
	return id, ok
}

var associatedKeys = []string{"tenant", "roles", "status", "resource_instance_roles"}

// associated reads a user's associated_tenants.
func (d *scanner) associated(out *[]AssociatedTenant) bool {
	if d.peek() == 'n' {
		*out = nil
		return d.lit("null")
	}
	list := make([]AssociatedTenant, 0)
	ok := d.array(func() bool {
		if d.peek() == 'n' {
			return false // a null element: left to encoding/json
		}
		list = append(list, AssociatedTenant{})
		at := &list[len(list)-1]
		var got seen
		return d.object(func(k []byte) bool {
			var ok bool
			switch string(k) {
			case "tenant":
				at.Tenant, ok = d.interned()
				return got.first(0) && ok
			case "roles":
				return got.first(1) && d.strings(&at.Roles)
			case "status":
				at.Status, ok = d.interned()
				return got.first(2) && ok
			case "resource_instance_roles":
				return got.first(3) && d.raws(&at.ResourceInstanceRoles)
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
	if d.peek() == 'n' {
		*out = nil
		return d.lit("null")
	}
	list := make([]string, 0)
	ok := d.array(func() bool {
		if d.peek() == 'n' {
			return false
		}
		s, ok := d.interned()
		list = append(list, s)
		return ok
	})
	*out = list
	return ok
}

// raws reads a []json.RawMessage: each element's text, copied.
func (d *scanner) raws(out *[]json.RawMessage) bool {
	if d.peek() == 'n' {
		*out = nil
		return d.lit("null")
	}
	list := make([]json.RawMessage, 0)
	ok := d.array(func() bool {
		d.ws()
		start := d.i
		if !d.skip() {
			return false
		}
		list = append(list, append(json.RawMessage(nil), d.b[start:d.i]...))
		return true
	})
	*out = list
	return ok
}
