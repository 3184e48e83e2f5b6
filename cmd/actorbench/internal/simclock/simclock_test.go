package simclock

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var start = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func TestAddMovesNow(t *testing.T) {
	c := New(start)

	c.Add(90 * time.Second)

	if got, want := c.Now(), start.Add(90*time.Second); !got.Equal(want) {
		t.Errorf("Now() = %v, want %v", got, want)
	}
	if got := c.Since(start); got != 90*time.Second {
		t.Errorf("Since(start) = %v, want 90s", got)
	}
}

func TestDeadlineEndsWhenAddPassesIt(t *testing.T) {
	c := New(start)
	ctx, cancel := c.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if d, ok := ctx.Deadline(); !ok || !d.Equal(start.Add(10*time.Second)) {
		t.Errorf("Deadline() = %v, %v; want the simulated deadline", d, ok)
	}
	c.Add(9 * time.Second)
	if err := ctx.Err(); err != nil {
		t.Fatalf("Err() before the deadline = %v, want nil", err)
	}
	c.Add(time.Second)
	<-ctx.Done()
	if err := ctx.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Err() after the deadline = %v, want DeadlineExceeded", err)
	}
	if c.Pending() != 0 {
		t.Errorf("Pending() = %d, want 0", c.Pending())
	}
}

func TestCancelForgetsTheDeadline(t *testing.T) {
	c := New(start)
	ctx, cancel := c.WithTimeout(context.Background(), time.Minute)

	cancel()

	if err := ctx.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err() = %v, want Canceled", err)
	}
	if c.Pending() != 0 {
		t.Errorf("Pending() = %d after cancel, want 0", c.Pending())
	}
}

func TestParentWithEarlierDeadlineWins(t *testing.T) {
	c := New(start)
	parent, cancelParent := c.WithTimeout(context.Background(), time.Second)
	defer cancelParent()
	child, cancel := c.WithTimeout(parent, time.Hour)
	defer cancel()

	c.Add(time.Second)
	<-child.Done()

	if err := child.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("child Err() = %v, want the parent's DeadlineExceeded", err)
	}
}

func TestAfterRingsWhenAddPassesIt(t *testing.T) {
	c := New(start)
	ch := c.After(time.Minute)

	c.Add(time.Minute)

	select {
	case got := <-ch:
		if !got.Equal(start.Add(time.Minute)) {
			t.Errorf("After sent %v, want %v", got, start.Add(time.Minute))
		}
	default:
		t.Fatal("After did not send once the clock passed it")
	}
}

func TestTimersStopAndResetButNeverFire(t *testing.T) {
	c := New(start)
	tm := c.Timer(time.Second)

	c.Add(time.Hour)

	select {
	case <-tm.C:
		t.Fatal("a timer fired")
	default:
	}
	if !tm.Stop() {
		t.Error("Stop() = false, want true: the timer was armed")
	}
	tm.Reset(time.Second)
	if !tm.Stop() {
		t.Error("Stop() after Reset = false, want true")
	}
}

func TestExpiredTimerFiresAtOnce(t *testing.T) {
	c := New(start)

	tm := c.Timer(0)

	select {
	case <-tm.C:
	default:
		t.Fatal("a timer created expired did not fire")
	}
}
