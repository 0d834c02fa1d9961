package vocab

// Ref is the value of a property that may be an IRI, an embedded object or Link, or an array
// mixing them (actor, object, attributedTo, url, tag, attachment, icon, ...). Empty when absent.
type Ref []RefItem

// RefItem is one value of a Ref: a bare IRI, or an embedded object. When both are set the
// object wins.
type RefItem struct {
	IRI    string
	Object *Object
}

// NewRef returns a Ref of bare IRIs.
func NewRef(iris ...string) Ref {
	r := make(Ref, 0, len(iris))
	for _, s := range iris {
		r = append(r, RefItem{IRI: s})
	}
	return r
}

// Embed returns a Ref of embedded objects.
func Embed(objs ...*Object) Ref {
	r := make(Ref, 0, len(objs))
	for _, o := range objs {
		r = append(r, RefItem{Object: o})
	}
	return r
}

// id is the IRI the item stands for: the bare IRI, the object's id, or a Link's href.
func (it RefItem) id() string {
	if it.Object == nil {
		return it.IRI
	}
	if it.Object.ID != "" {
		return it.Object.ID
	}
	return it.Object.Href
}

// IDs returns the IRI of every item (for an embedded object its id, for a Link its href),
// skipping items that have none.
func (r Ref) IDs() []string {
	out := make([]string, 0, len(r))
	for _, it := range r {
		if s := it.id(); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ID returns the first IRI of IDs, or "".
func (r Ref) ID() string {
	for _, it := range r {
		if s := it.id(); s != "" {
			return s
		}
	}
	return ""
}

// Has reports whether iri is one of IDs.
func (r Ref) Has(iri string) bool {
	for _, it := range r {
		if it.id() == iri {
			return true
		}
	}
	return false
}

// Objects returns the embedded objects, in order; bare IRIs are left out (the caller fetches them).
func (r Ref) Objects() []*Object {
	var out []*Object
	for _, it := range r {
		if it.Object != nil {
			out = append(out, it.Object)
		}
	}
	return out
}

// First returns the first embedded object, or nil.
func (r Ref) First() *Object {
	for _, it := range r {
		if it.Object != nil {
			return it.Object
		}
	}
	return nil
}

// TotalItems returns totalItems of the first embedded collection (likes, shares, a poll option's
// replies); absent when r holds only IRIs.
func (r Ref) TotalItems() OptInt {
	if o := r.First(); o != nil {
		return o.TotalItems
	}
	return OptInt{}
}

// URL returns the address the first item points at: a bare IRI, a Link's href, or an Image's url
// (followed through nested Links). It is what callers want from url, icon and image.
func (r Ref) URL() string {
	return r.url(0)
}

func (r Ref) url(depth int) string {
	if depth > MaxDepth {
		return ""
	}
	for _, it := range r {
		o := it.Object
		if o == nil {
			if it.IRI != "" {
				return it.IRI
			}
			continue
		}
		if o.Href != "" {
			return o.Href
		}
		if s := o.URL.url(depth + 1); s != "" {
			return s
		}
	}
	return ""
}

// MarshalJSON writes a single IRI as a string, a single object as an object, anything else as
// an array.
func (r Ref) MarshalJSON() ([]byte, error) {
	e := encoder{}
	e.ref(r, false)
	return e.result()
}

// UnmarshalJSON reads any of the shapes Parse accepts for such a property.
func (r *Ref) UnmarshalJSON(data []byte) error {
	return decodeValue(data, func(d *decoder) { d.readRef(r) })
}

// IRIs is a list of IRIs for addressing properties (to, cc, bto, bcc, alsoKnownAs). It reads a
// string, an array, or embedded objects (keeping their ids), and always marshals as an array,
// which every peer accepts.
type IRIs []string

// Has reports whether iri is in s.
func (s IRIs) Has(iri string) bool {
	for _, v := range s {
		if v == iri {
			return true
		}
	}
	return false
}

// MarshalJSON writes an array of strings.
func (s IRIs) MarshalJSON() ([]byte, error) {
	e := encoder{}
	e.iris(s)
	return e.result()
}

// UnmarshalJSON reads a string, an object or an array of them.
func (s *IRIs) UnmarshalJSON(data []byte) error {
	return decodeValue(data, func(d *decoder) { d.readIRIs(s) })
}
