// Package actorclock hands package telemetry the clock a set of flag-actor
// options selects, without flagactor exporting a call no driver makes: the
// Gate times its open wait on its actors' clock.
package actorclock

import "github.com/benbjohnson/clock"

// Of returns the clock an actor made with opts ([]flagactor.Option) runs on.
// Package flagactor sets it as it is initialized; anything that can import
// this package imports flagactor too, so it is set before it is called.
var Of func(opts any) clock.Clock
