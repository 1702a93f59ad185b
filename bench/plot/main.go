// Command plot draws the latency distributions of a cmd/loadgen result
// file as a PNG: for every scenario, the cumulative distribution of ack
// latency and of end-to-end latency, rtkbot against the Bolt peer, on a
// log scale. It is its own module so that gonum/plot stays out of the
// bot's dependencies.
//
//	go run ./bench/plot -in result.json -out docs/benchmarks-latency.png
//
// (run from bench/plot: cd bench/plot && go run . -in ... -out ...)
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/color"
	"math"
	"os"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// run is the part of loadgen's Run this tool reads.
type run struct {
	Target       string    `json:"target"`
	Scenario     string    `json:"scenario"`
	AckSamplesMS []float64 `json:"ack_samples_ms"`
	E2ESamplesMS []float64 `json:"e2e_samples_ms"`
}

type result struct {
	Runs []run `json:"runs"`
}

var colors = map[string]color.Color{
	"rtkbot": color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	"bolt":   color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
}

func main() {
	in := flag.String("in", "result.json", "loadgen result file")
	out := flag.String("out", "latency.png", "PNG to write")
	flag.Parse()
	if err := draw1(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "plot:", err)
		os.Exit(1)
	}
}

func draw1(in, out string) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var res result
	if err := json.Unmarshal(b, &res); err != nil {
		return fmt.Errorf("parse %s: %w", in, err)
	}
	var scenarios []string
	for _, r := range res.Runs {
		if !slices.Contains(scenarios, r.Scenario) {
			scenarios = append(scenarios, r.Scenario)
		}
	}
	if len(scenarios) == 0 {
		return errors.New("no runs in the result")
	}
	const cols = 2
	rows := len(scenarios)
	img := vgimg.New(vg.Points(1100), vg.Points(float64(330*rows)))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(14), PadY: vg.Points(14),
		PadTop: vg.Points(8), PadBottom: vg.Points(8), PadLeft: vg.Points(8), PadRight: vg.Points(8)}
	for i, sc := range scenarios {
		for j, kind := range []string{"ack", "end-to-end"} {
			p, err := cdfPlot(res.Runs, sc, kind)
			if err != nil {
				return err
			}
			p.Draw(tiles.At(dc, j, i))
		}
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// cdfPlot draws the share of commands answered within x ms, per target.
func cdfPlot(runs []run, scenario, kind string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: %s latency", scenario, kind)
	p.X.Label.Text = "ms (log scale)"
	p.Y.Label.Text = "share of commands ≤ x"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Y.Min, p.Y.Max = 0, 1
	p.Legend.Top = false
	p.Legend.Left = false
	p.Add(plotter.NewGrid())
	for _, r := range runs {
		if r.Scenario != scenario {
			continue
		}
		samples := r.AckSamplesMS
		if kind != "ack" {
			samples = r.E2ESamplesMS
		}
		pts := cdf(samples)
		if len(pts) == 0 {
			continue
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, err
		}
		l.Color = colors[r.Target]
		l.Width = vg.Points(2)
		p.Add(l)
		p99 := pts[int(math.Ceil(0.99*float64(len(pts))))-1].X
		p.Legend.Add(fmt.Sprintf("%s (n=%d, p99 %.1f ms)", r.Target, len(samples), p99), l)
	}
	return p, nil
}

// cdf returns the empirical distribution as (latency, share) points; a
// log axis cannot show 0, so latencies are floored at 1 µs.
func cdf(samples []float64) plotter.XYs {
	s := slices.Clone(samples)
	slices.Sort(s)
	pts := make(plotter.XYs, len(s))
	for i, v := range s {
		pts[i].X = math.Max(v, 0.001)
		pts[i].Y = float64(i+1) / float64(len(s))
	}
	return pts
}
