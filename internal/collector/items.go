package collector

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// DecodeItems reads a JSON object whose array field key holds a page's
// items, in one pass over body: each element is decoded into a T of its
// own, so that one of the wrong shape (a field of another JSON type) costs
// only itself: errs[i] says why item i could not be read, and the fields
// that could be read are kept, as json.Unmarshal keeps them. The object's
// other fields are decoded into page (a pointer, as for json.Unmarshal;
// nil to drop them). A body that is not such an object, or is cut short,
// is an error; a missing or null array is no items.
func DecodeItems[T any](body []byte, key string, page any) (items []T, errs []error, err error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, fmt.Errorf("want a JSON object: %w", orUnexpected(err, t))
	}
	rest := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		name, _ := t.(string)
		if name != key {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, nil, err
			}
			rest[name] = raw
			continue
		}
		if t, err = dec.Token(); err != nil {
			return nil, nil, err
		}
		if t == nil {
			continue
		}
		if t != json.Delim('[') {
			return nil, nil, fmt.Errorf("%q: want an array: %w", key, orUnexpected(nil, t))
		}
		for dec.More() {
			var v T
			before := dec.InputOffset()
			err := dec.Decode(&v)
			if err != nil && dec.InputOffset() == before {
				return nil, nil, err // not a JSON value: the body is broken
			}
			items = append(items, v)
			errs = append(errs, err)
		}
		if _, err := dec.Token(); err != nil {
			return nil, nil, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, errors.New("data after the JSON object")
	}
	if page != nil && len(rest) > 0 {
		b, _ := json.Marshal(rest)
		if err := json.Unmarshal(b, page); err != nil {
			return nil, nil, err
		}
	}
	return items, errs, nil
}

func orUnexpected(err error, t json.Token) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("got %v", t)
}
