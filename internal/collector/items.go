package collector

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// DecodeItems reads a JSON object whose array at path holds a page's
// items, in one pass over body: each element is decoded into a T of its
// own, so that one of the wrong shape (a field of another JSON type) costs
// only itself: errs[i] says why item i could not be read, and the fields
// that could be read are kept, as json.Unmarshal keeps them. path is a
// field name, or names joined by dots for an array in nested objects
// ("data.children"). The other fields of the object, and of the objects on
// the way to the array, are decoded into page as they stand (a pointer, as
// for json.Unmarshal; nil to drop them). A body that is not such an
// object, or is cut short, is an error; a missing or null array, or object
// on the way, is no items.
func DecodeItems[T any](body []byte, path string, page any) (items []T, errs []error, err error) {
	d := itemsDecoder[T]{dec: json.NewDecoder(bytes.NewReader(body)), path: strings.Split(path, ".")}
	if t, err := d.dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, fmt.Errorf("want a JSON object: %w", orUnexpected(err, t))
	}
	rest, err := d.object(d.path)
	if err != nil {
		return nil, nil, err
	}
	if _, err := d.dec.Token(); err != io.EOF {
		return nil, nil, errors.New("data after the JSON object")
	}
	if page != nil && rest != nil {
		if err := json.Unmarshal(rest, page); err != nil {
			return nil, nil, err
		}
	}
	return d.items, d.errs, nil
}

type itemsDecoder[T any] struct {
	dec   *json.Decoder
	path  []string
	items []T
	errs  []error
}

// object reads the fields of an object whose opening brace has been read,
// up to its closing one: keys[0] holds the items, or the object holding
// them when keys go on. It returns the other fields as a JSON object, nil
// when there are none.
func (d *itemsDecoder[T]) object(keys []string) (rest []byte, err error) {
	var b bytes.Buffer
	field := func(name string, raw []byte) {
		if b.Len() == 0 {
			b.WriteByte('{')
		} else {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		b.Write(k)
		b.WriteByte(':')
		b.Write(raw)
	}
	for d.dec.More() {
		t, err := d.dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := t.(string)
		if name != keys[0] {
			var raw json.RawMessage
			if err := d.dec.Decode(&raw); err != nil {
				return nil, err
			}
			field(name, raw)
			continue
		}
		if t, err = d.dec.Token(); err != nil {
			return nil, err
		}
		switch {
		case t == nil:
		case len(keys) > 1 && t == json.Delim('{'):
			sub, err := d.object(keys[1:])
			if err != nil {
				return nil, err
			}
			if sub != nil {
				field(name, sub)
			}
		case len(keys) == 1 && t == json.Delim('['):
			if err := d.array(); err != nil {
				return nil, err
			}
		default:
			want := "an array"
			if len(keys) > 1 {
				want = "an object"
			}
			at := strings.Join(d.path[:len(d.path)-len(keys)+1], ".")
			return nil, fmt.Errorf("%q: want %s: %w", at, want, orUnexpected(nil, t))
		}
	}
	if _, err := d.dec.Token(); err != nil {
		return nil, err
	}
	if b.Len() == 0 {
		return nil, nil
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// array reads the items of an array whose opening bracket has been read,
// and its closing one.
func (d *itemsDecoder[T]) array() error {
	for d.dec.More() {
		var v T
		before := d.dec.InputOffset()
		err := d.dec.Decode(&v)
		if err != nil && d.dec.InputOffset() == before {
			return err // not a JSON value: the body is broken
		}
		d.items = append(d.items, v)
		d.errs = append(d.errs, err)
	}
	_, err := d.dec.Token()
	return err
}

func orUnexpected(err error, t json.Token) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("got %v", t)
}
