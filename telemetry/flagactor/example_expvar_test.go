package flagactor_test

import (
	"context"
	"encoding/json"
	"expvar"
	"fmt"
	"time"

	"github.com/flagactor/flagactor/telemetry/flagactor"
	"github.com/flagactor/flagactor/telemetry/messages"
)

// debugVars is the actor's part of /debug/vars: a service that imports expvar
// and serves http.DefaultServeMux shows it there. It is published once, as
// the program starts (expvar.Publish panics on a name used twice).
var debugVars = expvar.NewMap("flagactor_example")

// publishActor shows actor's Stats and Hosts in vars, read afresh from the
// actor each time the page is asked for.
func publishActor(vars *expvar.Map, actor *flagactor.Actor) {
	vars.Set("stats", expvar.Func(func() any {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		stats, err := actor.Stats(ctx)
		if err != nil {
			return err.Error()
		}
		return stats
	}))
	vars.Set("hosts", expvar.Func(func() any {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		hosts, err := actor.Hosts(ctx)
		if err != nil {
			return err.Error()
		}
		return hosts
	}))
}

// An operator sees the actor's counters and every host at /debug/vars.
func Example_expvar() {
	actor := flagactor.New()
	publishActor(debugVars, actor)

	fetcher := flagactor.FetcherFunc(func(ctx context.Context, host string) (messages.Flags, error) {
		return messages.Flags{Values: map[string]string{"enableTelemetry": "true"}}, nil
	})
	ctx := context.Background()
	lease, err := actor.Acquire(ctx, "workspace.example.com", fetcher)
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := lease.Enabled(ctx, "enableTelemetry"); err != nil {
		fmt.Println(err)
	}

	// Part of what /debug/vars shows under "flagactor_example" (the rest
	// holds times and more counters).
	var page struct {
		Stats struct{ Hosts, Leases, Fetches int } `json:"stats"`
		Hosts []struct {
			Host   string
			Leases int
			Fresh  bool
			Values map[string]string
		} `json:"hosts"`
	}
	if err := json.Unmarshal([]byte(debugVars.String()), &page); err != nil {
		fmt.Println(err)
	}
	fmt.Printf("%+v\n", page.Stats)
	for _, h := range page.Hosts {
		fmt.Println(h.Host, h.Leases, h.Fresh, h.Values)
	}

	lease.Release()
	if err := actor.Close(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {Hosts:1 Leases:1 Fetches:1}
	// workspace.example.com 1 true map[enableTelemetry:true]
}
