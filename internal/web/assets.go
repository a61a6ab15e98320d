package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// asset is an embedded file with its content hash and, where it pays, a
// gzip copy made once at start: the bundle is 650 KB and changes only with
// the binary.
type asset struct {
	etag    string // quoted content hash
	gzipped []byte // nil: sent as it is
}

// minGzipGain is how much smaller a gzip copy must be to be kept.
const minGzipGain = 0.9

// loadAssets hashes every embedded asset and compresses those that shrink.
func loadAssets(files fs.FS) (map[string]asset, error) {
	assets := map[string]asset{}
	err := fs.WalkDir(files, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a := asset{etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := zw.Write(b); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		if float64(buf.Len()) < minGzipGain*float64(len(b)) {
			a.gzipped = buf.Bytes()
		}
		assets[p] = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: assets: %w", err)
	}
	return assets, nil
}

// serveAsset answers GET /assets/<p>: the gzip copy to a client that takes
// gzip (its own ETag, since it is another representation), else the file.
// Either is revalidated by its ETag (If-None-Match answers 304).
func (s *Server) serveAsset(files http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		// Embedded files change only with the binary: revalidate by content
		// hash. A chunk's name holds its content's hash (build.mjs): it is
		// kept without asking.
		if strings.HasPrefix(r.URL.Path, "chunk-") {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		a, ok := s.assets[r.URL.Path]
		if !ok {
			files.ServeHTTP(w, r)
			return
		}
		h.Add("Vary", "Accept-Encoding")
		if a.gzipped == nil || !acceptsGzip(r) {
			h.Set("ETag", a.etag)
			files.ServeHTTP(w, r)
			return
		}
		h.Set("ETag", strings.TrimSuffix(a.etag, `"`)+`-gz"`)
		h.Set("Content-Encoding", "gzip")
		if ct := mime.TypeByExtension(path.Ext(r.URL.Path)); ct != "" {
			h.Set("Content-Type", ct)
		}
		http.ServeContent(w, r, r.URL.Path, time.Time{}, bytes.NewReader(a.gzipped))
	}
}

// acceptsGzip reports a request whose Accept-Encoding takes gzip (listed
// with a q-value above 0, or none).
func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		coding, param, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q, isQ := strings.CutPrefix(strings.ReplaceAll(param, " ", ""), "q=")
		if !isQ {
			return true
		}
		v, err := strconv.ParseFloat(q, 64)
		return err == nil && v > 0
	}
	return false
}
