package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flagactor/flagactor/telemetry"
)

// The floors: what the machine itself charges for the shapes the actor is
// built from, measured in the same run.
const (
	// floorAtomicLoad is one atomic.Pointer load and a read of a bool from
	// what it points to: the actor's warm read is that, with no map lookup,
	// so this is the least a warm query can cost.
	floorAtomicLoad = "atomic-load"
	// floorAtomicClock is one atomic.Pointer load and a monotonic clock read
	// compared with the expiry it points to: the least an honest warm query
	// can cost, one that never answers a value as fresh past its expiry
	// (issue 9). The actor's warm read is exactly that shape.
	floorAtomicClock = "atomic-clock"
	// floorAtomicMap is an atomic.Pointer load and a lookup of the telemetry
	// flag in a one-entry map: the least a design that looks the flag up in
	// a map on every query can cost.
	floorAtomicMap = "atomic-map"
	// floorRoundTrip is a request and its reply through channels to one
	// goroutine: what a query costs an actor that answers every query itself.
	floorRoundTrip = "round-trip"
	// floorTwoSends is two one-way sends of a small message into a buffered
	// channel drained by one goroutine: the least an open+close pair costs an
	// actor that owns every lease.
	floorTwoSends = "two-sends"
)

var floorKinds = []string{floorAtomicLoad, floorAtomicClock, floorAtomicMap, floorRoundTrip, floorTwoSends}

// floorMailbox is the size of the floors' channels, the actor's mailbox size.
const floorMailbox = 256

// sink keeps the compiler from dropping a floor's work.
var sink atomic.Int64

// runFloor measures the floors at every -cpu.
func runFloor(_ context.Context, b *bench) (Result, error) {
	res := Result{
		Scenario: "floor",
		Title:    "the machine's floor: one atomic load, one atomic load + a monotonic clock read, an atomic load + map lookup, a channel round trip, two one-way channel sends",
		Notes:    []string{roundsNote(b)},
	}
	var cases []timingCase
	for _, cpu := range b.cpus {
		for _, kind := range floorKinds {
			cases = append(cases, timingCase{impl: implFloor, floor: kind, cpu: cpu, bench: timed(floorSetup(kind))})
		}
	}
	rows, err := runRounds(b, "floor", cases)
	if err != nil {
		return res, err
	}
	res.Rows = rows
	return res, nil
}

func floorSetup(kind string) func() runSetup {
	switch kind {
	case floorAtomicLoad:
		return atomicLoadFloor
	case floorAtomicClock:
		return atomicClockFloor
	case floorAtomicMap:
		return atomicMapFloor
	case floorRoundTrip:
		return roundTripFloor
	case floorTwoSends:
		return twoSendsFloor
	}
	panic(fmt.Sprintf("actorbench: unknown floor %q", kind))
}

// floorAnswer stands for the actor's published answer.
type floorAnswer struct{ values map[string]string }

// floorFresh stands for the actor's published answer with its fresh mark.
type floorFresh struct{ on bool }

func atomicLoadFloor() runSetup {
	var cell atomic.Pointer[floorFresh]
	cell.Store(&floorFresh{on: true})
	return runSetup{body: func(l loop) {
		hits := 0
		for l.Next() {
			if cell.Load().on {
				hits++
			}
		}
		sink.Add(int64(hits))
	}}
}

// floorExpiring stands for the actor's published answer with its expiry.
type floorExpiring struct {
	on        bool
	expiresIn time.Duration // since floorEpoch
}

// floorEpoch is a monotonic reading the clock floor measures from.
var floorEpoch = time.Now()

func atomicClockFloor() runSetup {
	var cell atomic.Pointer[floorExpiring]
	cell.Store(&floorExpiring{on: true, expiresIn: 1000 * time.Hour})
	return runSetup{body: func(l loop) {
		hits := 0
		for l.Next() {
			if ans := cell.Load(); time.Since(floorEpoch) < ans.expiresIn && ans.on {
				hits++
			}
		}
		sink.Add(int64(hits))
	}}
}

func atomicMapFloor() runSetup {
	var cell atomic.Pointer[floorAnswer]
	cell.Store(&floorAnswer{values: map[string]string{telemetry.TelemetryFlag: "true"}})
	return runSetup{body: func(l loop) {
		hits := 0
		for l.Next() {
			// NB: through a variable. Go 1.26 compiles m[k] == "true" written
			// in one expression into a map lookup per byte compared.
			v := cell.Load().values[telemetry.TelemetryFlag]
			if v == "true" {
				hits++
			}
		}
		sink.Add(int64(hits))
	}}
}

type floorRequest struct{ reply chan bool }

func roundTripFloor() runSetup {
	requests := make(chan floorRequest, floorMailbox)
	var server sync.WaitGroup
	server.Go(func() {
		for req := range requests {
			req.reply <- true
		}
	})
	return runSetup{
		body: func(l loop) {
			req := floorRequest{reply: make(chan bool, 1)}
			hits := 0
			for l.Next() {
				requests <- req
				if <-req.reply {
					hits++
				}
			}
			sink.Add(int64(hits))
		},
		cleanup: func() {
			close(requests)
			server.Wait()
		},
	}
}

// floorMessage is as big as an actor's mailbox message (an interface value).
type floorMessage struct {
	ticket *int
	done   chan struct{} // set on the drain marker only
}

func twoSendsFloor() runSetup {
	mailbox := make(chan floorMessage, floorMailbox)
	var owner sync.WaitGroup
	owner.Go(func() {
		held := 0
		for m := range mailbox {
			if m.done != nil {
				close(m.done)
				continue
			}
			held++
		}
		sink.Add(int64(held))
	})
	return runSetup{
		body: func(l loop) {
			ticket := new(int)
			for l.Next() {
				mailbox <- floorMessage{ticket: ticket} // open
				mailbox <- floorMessage{ticket: ticket} // close
			}
		},
		drain: func() {
			// Like the actor's Stats after the pairs: the owner has handled them all.
			done := make(chan struct{})
			mailbox <- floorMessage{done: done}
			<-done
		},
		cleanup: func() {
			close(mailbox)
			owner.Wait()
		},
	}
}
