package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// benchNames are the Go benchmark names of the timing scenarios.
var benchNames = map[string]string{
	"warm-query":      "BenchmarkWarmQuery",
	"acquire-release": "BenchmarkAcquireRelease",
	"floor":           "BenchmarkFloor",
}

// writeBenchLines writes one Go benchmark line per round of every timing
// row, so benchstat sees every sample, not just the median.
func (r *reporter) writeBenchLines(res Result) {
	name, ok := benchNames[res.Scenario]
	if !ok {
		return
	}
	if !r.benchHeader {
		r.benchHeader = true
		fmt.Fprintf(r.w, "\ngoos: %s\ngoarch: %s\npkg: github.com/flagactor/flagactor/cmd/actorbench\n", runtime.GOOS, runtime.GOARCH)
		if cpu := cpuModel(); cpu != "" {
			fmt.Fprintf(r.w, "cpu: %s\n", cpu)
		}
	} else {
		fmt.Fprintln(r.w)
	}
	for _, row := range res.Rows {
		full := name + "/" + row.Impl
		if row.Impl == implFloor {
			full = name + "/" + row.Floor
		}
		if row.Variant != "" {
			full += "/" + row.Variant
		}
		if row.Hosts != 0 {
			full += "/hosts=" + strconv.Itoa(row.Hosts)
		}
		if row.GOMAXPROCS != 1 {
			full += "-" + strconv.Itoa(row.GOMAXPROCS) // go test's GOMAXPROCS suffix
		}
		for _, s := range row.Samples {
			cpu := ""
			if s.CPUNsPerOp > 0 {
				cpu = fmt.Sprintf("\t%.2f %s", s.CPUNsPerOp, cpuMetric)
			}
			fmt.Fprintf(r.w, "%s\t%d\t%.2f ns/op%s\t%.0f allocs/op\n", full, s.N, s.NsPerOp, cpu, s.Allocs)
		}
	}
}

// cpuModel reads the CPU's name for the benchmark header, best effort.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
