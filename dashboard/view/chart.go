package view

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// palette is CloudWatch's default series colours.
var palette = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0xd6, 0x27, 0x28, 0xff},
	{0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff}, {0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff},
	{0xbc, 0xbd, 0x22, 0xff}, {0x17, 0xbe, 0xcf, 0xff},
}

func colorOf(i int) color.RGBA { return palette[i%len(palette)] }

func cssColor(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// mark is a horizontal line across a chart: a widget's annotation.
type mark struct {
	value float64
	color color.RGBA
}

// hexColor reads a #rrggbb colour; anything else is the palette's red.
func hexColor(s string) color.RGBA {
	var c color.RGBA
	if len(s) == 7 && s[0] == '#' {
		if _, err := fmt.Sscanf(s[1:], "%02x%02x%02x", &c.R, &c.G, &c.B); err == nil {
			c.A = 0xff
			return c
		}
	}
	return palette[3]
}

var tickFont = font.Font{Typeface: "Liberation", Variant: "Sans", Size: vg.Points(9)}

// chart draws lines as an SVG time series of w×h points with gonum/plot,
// with marks as dashed horizontal lines across it, and returns the <svg>
// element. Lines without points are skipped; it returns "" when there is
// nothing to draw. The value axis takes in the marks, as CloudWatch's
// does.
func chart(lines []*line, marks []mark, period time.Duration, yLabel string, w, h vg.Length) (svg string, err error) {
	defer func() {
		// gonum/plot is not expected to panic on finite points; a page
		// with one chart missing is still better than no page.
		if r := recover(); r != nil {
			svg, err = "", fmt.Errorf("draw chart: %v", r)
		}
	}()
	xmin, xmax, ymin, ymax, ok := bounds(lines, marks)
	if !ok {
		return "", nil
	}
	p := newPlot(xmin, xmax, ymin, ymax, period, yLabel)
	for i, l := range lines {
		if len(l.points) == 0 {
			continue
		}
		xys := make(plotter.XYs, len(l.points))
		for j, pt := range l.points {
			xys[j] = plotter.XY{X: float64(pt.t.Unix()), Y: pt.v}
		}
		ln, sc, err := plotter.NewLinePoints(xys)
		if err != nil {
			return "", fmt.Errorf("draw chart: %w", err)
		}
		ln.Color = colorOf(i)
		ln.Width = vg.Points(1.5)
		sc.Color = colorOf(i)
		sc.Shape = draw.CircleGlyph{}
		sc.Radius = vg.Points(2.5)
		p.Add(ln, sc)
	}
	for _, m := range marks {
		ln, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: m.value}, {X: p.X.Max, Y: m.value}})
		if err != nil {
			return "", fmt.Errorf("draw chart: %w", err)
		}
		ln.Color = m.color
		ln.Width = vg.Points(1)
		ln.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		p.Add(ln)
	}
	c := vgsvg.New(w, h)
	// Room on the right for the last tick's label, which gonum centres on
	// the tick.
	p.Draw(draw.Crop(draw.New(c), 0, -vg.Points(14), 0, 0))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("draw chart: %w", err)
	}
	out := buf.String()
	// Inline the <svg> element alone, without the XML prolog and comment.
	if i := strings.Index(out, "<svg"); i >= 0 {
		out = out[i:]
	}
	return out, nil
}

// bounds returns the extent of the points of lines (times in Unix seconds)
// and of the values of marks; ok is false when no line has a point.
func bounds(lines []*line, marks []mark) (xmin, xmax, ymin, ymax float64, ok bool) {
	for _, l := range lines {
		for _, p := range l.points {
			x := float64(p.t.Unix())
			if !ok {
				xmin, xmax, ymin, ymax = x, x, p.v, p.v
				ok = true
			}
			xmin, xmax = math.Min(xmin, x), math.Max(xmax, x)
			ymin, ymax = math.Min(ymin, p.v), math.Max(ymax, p.v)
		}
	}
	if !ok {
		return 0, 0, 0, 0, false
	}
	for _, m := range marks {
		ymin, ymax = math.Min(ymin, m.value), math.Max(ymax, m.value)
	}
	return xmin, xmax, ymin, ymax, true
}

// newPlot returns an empty plot with its grid and axes: time ticks, at
// least five periods wide, and values from zero (or below) with a tenth of
// room above.
func newPlot(xmin, xmax, ymin, ymax float64, period time.Duration, yLabel string) *plot.Plot {
	p := plot.New()
	p.BackgroundColor = color.White
	step := period.Seconds()
	p.X.Min, p.X.Max = xmin-step/2, xmax+step/2
	if xmax-xmin < 4*step {
		mid := (xmin + xmax) / 2
		p.X.Min, p.X.Max = mid-2.5*step, mid+2.5*step
	}
	p.Y.Min, p.Y.Max = math.Min(0, ymin), ymax
	if span := p.Y.Max - p.Y.Min; span > 0 && !math.IsInf(span, 0) {
		p.Y.Max += span * 0.1
	} else {
		p.Y.Max = p.Y.Min + 1
	}
	format := "15:04:05"
	if period >= time.Minute {
		format = "15:04"
	}
	p.X.Tick.Marker = plot.TimeTicks{Format: format, Time: func(t float64) time.Time { return time.Unix(int64(t), 0).UTC() }}
	p.X.Tick.Label.Font = tickFont
	p.Y.Tick.Label.Font = tickFont
	p.Y.Label.Text = yLabel
	p.Y.Label.TextStyle.Font = tickFont
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{0xe8}
	grid.Horizontal.Color = color.Gray{0xe8}
	p.Add(grid)
	return p
}
