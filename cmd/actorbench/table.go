package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// table lays out text cells in columns: the first left-aligned, the others
// right-aligned, every line indented (so no line of a table looks like a
// benchstat configuration line).
type table struct {
	rows [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) { t.writeAligned(w, false) }

// writeLeft writes the table with every column left-aligned.
func (t *table) writeLeft(w io.Writer) { t.writeAligned(w, true) }

func (t *table) writeAligned(w io.Writer, left bool) {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range t.rows {
		var b strings.Builder
		b.WriteString("  ")
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if i == 0 || left {
				b.WriteString(c + pad)
			} else {
				b.WriteString(pad + c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}
