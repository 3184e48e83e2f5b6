package flagserver

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
)

// fault is what a request gets instead of its plain answer.
type fault int

const (
	faultNone fault = iota
	fault500
	fault429
	faultReset
	faultGarbage
	faultOversized
	faultDrip
	faultKinds // number of kinds, for counters
)

// pick maps a uniform draw u in [0, 1) to a fault: the probabilities are laid
// end to end in field order, and u falls in one of them or past them all.
func (f Faults) pick(u float64) fault {
	for _, c := range []struct {
		p    float64
		kind fault
	}{
		{f.Error500, fault500},
		{f.TooMany, fault429},
		{f.Reset, faultReset},
		{f.Garbage, faultGarbage},
		{f.Oversized, faultOversized},
		{f.Drip, faultDrip},
	} {
		if u < c.p {
			return c.kind
		}
		u -= c.p
	}
	return faultNone
}

// garbageBody starts like the answer and then stops being JSON.
const garbageBody = `{"flags":[{"name":,"value":}],"ttl_seconds":"soon"`

func writeGarbage(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(garbageBody))
}

// padding is the filler of oversized bodies, built once on first use.
var padding = sync.OnceValue(func() []byte { return bytes.Repeat([]byte("x"), OversizedBodyLen) })

// writeOversized answers valid JSON of exactly OversizedBodyLen bytes: the
// current flags, then a long "padding" string. It sends no Content-Length, so
// only a reader that bounds what it reads is protected.
func writeOversized(w http.ResponseWriter, flags *flagSet) {
	prefix := append(bytes.TrimSuffix(bytes.Clone(flags.body), []byte("}")), `,"padding":"`...)
	const suffix = `"}`
	fill := max(OversizedBodyLen-len(prefix)-len(suffix), 0)
	w.Header().Set("Content-Type", "application/json")
	w.Write(prefix)
	w.Write(padding()[:fill])
	w.Write([]byte(suffix))
}

// resetMidResponse takes the connection over, sends the headers and half of
// the answer, then resets the TCP connection under TLS, with no close_notify,
// the way a dying proxy does.
func resetMidResponse(w http.ResponseWriter, flags *flagSet) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(flags.body))
	buf.Write(flags.body[:len(flags.body)/2])
	buf.Flush()
	if tc, ok := conn.(*tls.Conn); ok {
		if tcp, ok := tc.NetConn().(*net.TCPConn); ok {
			tcp.SetLinger(0) // Close sends a reset, not an orderly end
			tcp.Close()
			return
		}
	}
	conn.Close()
}

// drip sends the flags dripChunk bytes at a time with f.dripEvery between
// writes, after leading whitespace (valid JSON) long enough that the whole
// body takes at least f.dripLasts. It stops when the request's context ends or
// the server closes; the client then sees a cut-off body.
func (s *Server) drip(ctx context.Context, w http.ResponseWriter, flags *flagSet, f Faults) {
	every := f.dripEvery()
	writes := int((f.dripLasts()+every-1)/every) + 1 // n writes have n-1 pauses
	body := flags.body
	if pad := writes*dripChunk - len(body); pad > 0 {
		body = append(bytes.Repeat([]byte(" "), pad), body...)
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	for off := 0; off < len(body); off += dripChunk {
		if off > 0 && !s.wait(ctx, every) {
			panic(http.ErrAbortHandler)
		}
		if _, err := w.Write(body[off:min(off+dripChunk, len(body))]); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
