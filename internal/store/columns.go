package store

import (
	"encoding/binary"
	"math"
	"time"
)

// The column constructors give each column both encodings from one typed
// getter: a value for the server engine's batch, and Native-format cells for
// the embedded engine. Native is columnar, so the engine copies each column
// in one go instead of decoding 32 fields per row (RowBinary cost it about
// three times as much per row).

// scalarColumn is a column whose Native cells are one fixed encoding per row.
func scalarColumn[T any](name, typ string, get func(*Row) T, put func([]byte, T) []byte) column {
	return column{name: name, typ: typ,
		value: func(r *Row) any { return get(r) },
		appendNative: func(buf []byte, rows []Row) []byte {
			for i := range rows {
				buf = put(buf, get(&rows[i]))
			}
			return buf
		}}
}

func stringColumn(name string, low bool, get func(*Row) string) column {
	c := scalarColumn(name, "String", get, appendNativeString)
	c.low = low
	return c
}

func uint64Column(name string, get func(*Row) uint64) column {
	return scalarColumn(name, "UInt64", get, binary.LittleEndian.AppendUint64)
}

// flagColumn is a bool stored as UInt8 0/1.
func flagColumn(name string, get func(*Row) bool) column {
	u8 := func(r *Row) uint8 {
		if get(r) {
			return 1
		}
		return 0
	}
	return scalarColumn(name, "UInt8", u8, func(buf []byte, v uint8) []byte { return append(buf, v) })
}

func float32Column(name string, get func(*Row) float32) column {
	return scalarColumn(name, "Float32", get, func(buf []byte, v float32) []byte {
		return binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
	})
}

// nullableFloat32Column: Native sends the null map, then every value (0 for nulls).
func nullableFloat32Column(name string, get func(*Row) *float32) column {
	return column{name: name, typ: "Nullable(Float32)",
		value: func(r *Row) any { return get(r) },
		appendNative: func(buf []byte, rows []Row) []byte {
			for i := range rows {
				if get(&rows[i]) == nil {
					buf = append(buf, 1)
				} else {
					buf = append(buf, 0)
				}
			}
			for i := range rows {
				var bits uint32
				if v := get(&rows[i]); v != nil {
					bits = math.Float32bits(*v)
				}
				buf = binary.LittleEndian.AppendUint32(buf, bits)
			}
			return buf
		}}
}

// dateTimeColumn: DateTime is seconds since the epoch in a UInt32.
func dateTimeColumn(name string, get func(*Row) time.Time) column {
	utc := func(r *Row) time.Time { return get(r).UTC() }
	return scalarColumn(name, "DateTime('UTC')", utc, func(buf []byte, t time.Time) []byte {
		return binary.LittleEndian.AppendUint32(buf, uint32(min(max(t.Unix(), 0), math.MaxUint32)))
	})
}

// stringArrayColumn: Native sends each row's end offset into the flattened
// elements, then the elements.
func stringArrayColumn(name string, get func(*Row) []string) column {
	return column{name: name, typ: "Array(String)",
		value: func(r *Row) any { return nonNil(get(r)) },
		appendNative: func(buf []byte, rows []Row) []byte {
			var end uint64
			for i := range rows {
				end += uint64(len(get(&rows[i])))
				buf = binary.LittleEndian.AppendUint64(buf, end)
			}
			for i := range rows {
				for _, s := range get(&rows[i]) {
					buf = appendNativeString(buf, s)
				}
			}
			return buf
		}}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func appendNativeString(buf []byte, s string) []byte {
	return append(binary.AppendUvarint(buf, uint64(len(s))), s...)
}

// appendNativeBlock encodes rows as one Native-format block of the mentions
// columns. Low-cardinality columns travel as plain String; the engine
// converts them on insert.
func appendNativeBlock(buf []byte, rows []Row) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(mentionColumns)))
	buf = binary.AppendUvarint(buf, uint64(len(rows)))
	for _, c := range mentionColumns {
		buf = appendNativeString(buf, c.name)
		buf = appendNativeString(buf, c.typ)
		buf = c.appendNative(buf, rows)
	}
	return buf
}
