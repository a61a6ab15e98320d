// Package golden holds tests' outputs to a gzipped file of the outputs an
// earlier build gave (testdata/*.jsonl.gz): speed work on the classifier
// and the term rules must not change one byte of what they return.
package golden

import (
	"bytes"
	"compress/gzip"
	"os"
	"testing"
)

// Check compares got, records one per line, with the golden file at path
// record by record, reporting the first five that differ; with update it
// writes got to the file instead.
func Check(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := zw.Write(got); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d records to %s", bytes.Count(got, []byte("\n")), path)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (write it with the test's update flag)", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var want bytes.Buffer
	if _, err := want.ReadFrom(zr); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	gotLines := bytes.Split(bytes.TrimSuffix(got, []byte("\n")), []byte("\n"))
	wantLines := bytes.Split(bytes.TrimSuffix(want.Bytes(), []byte("\n")), []byte("\n"))
	if len(gotLines) != len(wantLines) {
		t.Errorf("%d records, %s has %d", len(gotLines), path, len(wantLines))
	}
	diffs := 0
	for i := range min(len(gotLines), len(wantLines)) {
		if bytes.Equal(gotLines[i], wantLines[i]) {
			continue
		}
		if diffs++; diffs <= 5 {
			t.Errorf("record %d differs:\n got %s\nwant %s", i, gotLines[i], wantLines[i])
		}
	}
	if diffs > 0 {
		t.Errorf("%d of %d records differ from %s", diffs, len(gotLines), path)
	}
}
