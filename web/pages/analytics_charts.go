package pages

import (
	"strconv"
	"time"

	"github.com/kontor-social/kontor/analytics"
	"github.com/kontor-social/kontor/db"
)

// The charts of the analytics page, drawn on the server as inline SVG:
// geometry is computed here, the template only writes the elements. Every
// mark carries a <title> (a tooltip without JavaScript), and the page shows
// the same numbers in tables next to the charts.

// Chart sizes in SVG user units; the SVG scales to the page's width.
const (
	chartWidth    = 640
	lineHeight    = 220
	lineLeft      = 56 // room for the y labels
	lineRight     = 16
	lineTop       = 16
	lineBottom    = 28 // room for the x labels
	barRowHeight  = 30
	barLabelWidth = 220
	barRight      = 48 // room for the total after the bar
	barTop        = 28 // room for the legend
)

// Colours of the engagement kinds (readable on white, distinct for the
// common colour-vision deficiencies: blue, orange, purple).
const (
	colourFavourites = "#bc4c00"
	colourBoosts     = "#0969da"
	colourReplies    = "#8250df"
)

// svgNum writes a coordinate with at most one decimal.
func svgNum(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

type chartText struct {
	X, Y, Label, Anchor string
}

type chartDot struct {
	X, Y, Title string
}

// lineChart is the followers line.
type lineChart struct {
	Width, Height int
	Points        string // polyline points
	Dots          []chartDot
	YTicks        []chartText // gridline y and label
	XLabels       []chartText
	GridX1        string
	GridX2        string
	Empty         bool
}

// followersChart draws followers_count over the period's days: x is the
// day (gaps where no snapshot exists), y spans the values seen (a line
// from zero would flatten the change of a large account).
func followersChart(days []db.AccountDay, period analytics.Period) lineChart {
	first, last := period.Days()
	points := make([]dayPoint, len(days))
	for i, d := range days {
		points[i] = dayPoint{Day: d.Day, Value: d.FollowersCount}
	}
	return dayLineChart(points, first, last, false, "follower", "followers")
}

// dayPoint is one day's value (Day in analytics.DayLayout).
type dayPoint struct {
	Day   string
	Value int64
}

// dayLineChart draws values over the days first to last, each dot titled
// "day: n one/many". y starts at zero when fromZero (counts per day), else
// it spans the values seen.
func dayLineChart(days []dayPoint, first, last string, fromZero bool, one, many string) lineChart {
	c := lineChart{Width: chartWidth, Height: lineHeight, GridX1: svgNum(lineLeft), GridX2: svgNum(chartWidth - lineRight)}
	start, _ := time.Parse(analytics.DayLayout, first)
	end, _ := time.Parse(analytics.DayLayout, last)
	span := end.Sub(start).Hours() / 24
	if len(days) == 0 {
		c.Empty = true
		return c
	}
	lo, hi := days[0].Value, days[0].Value
	for _, d := range days {
		lo, hi = min(lo, d.Value), max(hi, d.Value)
	}
	if fromZero {
		lo = 0
	}
	if lo == hi {
		lo, hi = max(0, lo-1), hi+1
	}
	plotW := float64(chartWidth - lineLeft - lineRight)
	plotH := float64(lineHeight - lineTop - lineBottom)
	x := func(day string) float64 {
		t, err := time.Parse(analytics.DayLayout, day)
		if err != nil || span <= 0 {
			return lineLeft + plotW/2
		}
		return lineLeft + plotW*(t.Sub(start).Hours()/24)/span
	}
	y := func(v int64) float64 { return lineTop + plotH*(1-float64(v-lo)/float64(hi-lo)) }
	var pts []byte
	for i, d := range days {
		if i > 0 {
			pts = append(pts, ' ')
		}
		px, py := x(d.Day), y(d.Value)
		pts = append(pts, svgNum(px)+","+svgNum(py)...)
		c.Dots = append(c.Dots, chartDot{X: svgNum(px), Y: svgNum(py), Title: d.Day + ": " + counted(d.Value, one, many)})
	}
	c.Points = string(pts)
	ticks := []int64{hi}
	if mid := lo + (hi-lo)/2; mid != hi && mid != lo {
		ticks = append(ticks, mid)
	}
	for _, v := range append(ticks, lo) {
		c.YTicks = append(c.YTicks, chartText{X: svgNum(lineLeft - 6), Y: svgNum(y(v)), Label: strconv.FormatInt(v, 10)})
	}
	c.XLabels = []chartText{
		{X: svgNum(lineLeft), Y: svgNum(lineHeight - 8), Label: first, Anchor: "start"},
		{X: svgNum(chartWidth - lineRight), Y: svgNum(lineHeight - 8), Label: last, Anchor: "end"},
	}
	return c
}

type barSegment struct {
	X, W, Fill, Title string
}

type barRow struct {
	Y, TextY, Label, TotalX string
	Total                   int64
	Segments                []barSegment
}

// barChart is per-post engagement: one stacked bar per post.
type barChart struct {
	Width, Height int
	Rows          []barRow
	Legend        []chartLegend
	Empty         bool
}

type chartLegend struct {
	X, TextX, Fill, Label string
}

// engagementChart draws favourites, boosts and replies of each post as
// stacked horizontal bars on one scale, labelled with the post's day and
// excerpt.
func engagementChart(posts []analytics.Post) barChart {
	c := barChart{Width: chartWidth, Height: barTop + barRowHeight*max(1, len(posts)) + 4}
	for i, l := range []struct{ fill, label string }{{colourFavourites, "favourites"}, {colourBoosts, "boosts"}, {colourReplies, "replies"}} {
		x := float64(barLabelWidth + 110*i)
		c.Legend = append(c.Legend, chartLegend{X: svgNum(x), TextX: svgNum(x + 16), Fill: l.fill, Label: l.label})
	}
	var most int64
	for i := range posts {
		most = max(most, posts[i].Engagement())
	}
	if len(posts) == 0 {
		c.Empty = true
		return c
	}
	scale := 0.0
	if most > 0 {
		scale = float64(chartWidth-barLabelWidth-barRight) / float64(most)
	}
	for i := range posts {
		p := &posts[i]
		top := float64(barTop + barRowHeight*i)
		label := p.CreatedAt.UTC().Format(analytics.DayLayout)
		if p.Excerpt != "" {
			label += " " + shortLabel(p.Excerpt, 18)
		}
		row := barRow{Y: svgNum(top + 6), TextY: svgNum(top + 19), Label: label, Total: p.Engagement()}
		x := float64(barLabelWidth)
		for _, s := range []struct {
			n             int64
			fill, one, nm string
		}{{p.Favourites, colourFavourites, "favourite", "favourites"}, {p.Boosts, colourBoosts, "boost", "boosts"}, {p.Replies, colourReplies, "reply", "replies"}} {
			if s.n == 0 {
				continue
			}
			w := float64(s.n) * scale
			row.Segments = append(row.Segments, barSegment{X: svgNum(x), W: svgNum(w), Fill: s.fill, Title: counted(s.n, s.one, s.nm)})
			x += w
		}
		row.TotalX = svgNum(x + 6)
		c.Rows = append(c.Rows, row)
	}
	return c
}

// counted writes a count with the singular or plural noun.
func counted(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(n, 10) + " " + many
}

// shortLabel cuts s to n characters with an ellipsis.
func shortLabel(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
