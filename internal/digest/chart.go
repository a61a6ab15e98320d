package digest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
)

// The charts are drawn without text: their labels, numbers and a summary
// for screen readers are in the mail's HTML beside them. Colours are the
// Okabe–Ito colour-blind-safe set, and the sentiments differ in lightness too.
var (
	colNegative = color.RGBA{0xD5, 0x5E, 0x00, 0xFF} // vermillion
	colNeutral  = color.RGBA{0xBB, 0xBB, 0xBB, 0xFF}
	colPositive = color.RGBA{0x00, 0x72, 0xB2, 0xFF} // blue
	colGrid     = color.RGBA{0xE4, 0xE4, 0xE4, 0xFF}
	colAxis     = color.RGBA{0x55, 0x55, 0x55, 0xFF}
	colPrevious = color.RGBA{0x22, 0x22, 0x22, 0xFF}
)

const chartWidth = 600

func fill(img draw.Image, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, &image.Uniform{c}, image.Point{}, draw.Src)
}

func encode(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("encode chart: %w", err)
	}
	return b.Bytes(), nil
}

// volumeChart draws the series as stacked bars, negative at the bottom,
// over quarter gridlines of the tallest bar.
func volumeChart(pts []Point) ([]byte, error) {
	const h, pad = 220, 10
	img := image.NewRGBA(image.Rect(0, 0, chartWidth, h))
	fill(img, img.Bounds(), color.White)
	var top float64
	for _, p := range pts {
		top = max(top, p.Positive+p.Neutral+p.Negative)
	}
	plot := image.Rect(pad, pad, chartWidth-pad, h-pad)
	for q := 1; q <= 4; q++ {
		y := plot.Max.Y - plot.Dy()*q/4
		fill(img, image.Rect(plot.Min.X, y, plot.Max.X, y+1), colGrid)
	}
	if top > 0 && len(pts) > 0 {
		slot := plot.Dx() / len(pts)
		gap := max(1, slot/5)
		for i, p := range pts {
			x0 := plot.Min.X + i*slot + gap/2
			x1 := x0 + slot - gap
			y := plot.Max.Y
			for _, part := range []struct {
				n float64
				c color.Color
			}{{p.Negative, colNegative}, {p.Neutral, colNeutral}, {p.Positive, colPositive}} {
				dy := int(part.n / top * float64(plot.Dy()))
				if part.n > 0 && dy == 0 {
					dy = 1 // a bar that exists is seen
				}
				fill(img, image.Rect(x0, y-dy, x1, y), part.c)
				y -= dy
			}
		}
	}
	fill(img, image.Rect(plot.Min.X, plot.Max.Y, plot.Max.X, plot.Max.Y+1), colAxis)
	return encode(img)
}

// voiceChart draws each brand's share of voice as a bar (0–100 %), with a
// dark tick at the previous period's share.
func voiceChart(brands []Figures) ([]byte, error) {
	const row, pad = 28, 10
	h := max(1, len(brands))*row + 2*pad
	img := image.NewRGBA(image.Rect(0, 0, chartWidth, h))
	fill(img, img.Bounds(), color.White)
	w := chartWidth - 2*pad
	for q := 0; q <= 4; q++ {
		x := pad + w*q/4
		fill(img, image.Rect(x, pad, x+1, h-pad), colGrid)
	}
	for i, b := range brands {
		y := pad + i*row
		fill(img, image.Rect(pad, y+6, pad+int(b.Voice[0]/100*float64(w)), y+row-6), colPositive)
		x := pad + int(b.Voice[1]/100*float64(w))
		fill(img, image.Rect(max(pad, x-1), y+2, x+2, y+row-2), colPrevious)
	}
	return encode(img)
}
