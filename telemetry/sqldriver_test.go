package telemetry_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/flagactor/flagactor/telemetry"
)

// queryTelemetry is the one query the test driver knows: it answers one row,
// one column, whether telemetry is on for the connection that ran it.
const queryTelemetry = "SELECT telemetry"

var errNotSupported = errors.New("testdriver: not supported")

// testConnector is a minimal database/sql driver whose connections open and
// close their telemetry the way a real driver's do: Connect calls Gate.Open,
// the connection's Close calls Conn.Close. It counts what the pool did.
type testConnector struct {
	gate *telemetry.Gate
	cfg  telemetry.ConnConfig

	opened   atomic.Int64 // connections Connect returned
	closed   atomic.Int64 // connections whose Close has run
	onAtOpen atomic.Int64 // connections whose Open decided telemetry on
}

var _ driver.Connector = (*testConnector)(nil)

func (c *testConnector) Connect(ctx context.Context) (driver.Conn, error) {
	tel := c.gate.Open(ctx, c.cfg)
	if tel.Enabled() {
		c.onAtOpen.Add(1)
	}
	c.opened.Add(1)
	return &testConn{connector: c, tel: tel}, nil
}

func (c *testConnector) Driver() driver.Driver { return testDriver{} }

// testDriver exists because driver.Connector must name its Driver; the tests
// only use sql.OpenDB.
type testDriver struct{}

func (testDriver) Open(string) (driver.Conn, error) {
	return nil, errors.New("testdriver: use sql.OpenDB with a testConnector")
}

// testConn is one pooled connection and its telemetry.
type testConn struct {
	connector *testConnector
	tel       *telemetry.Conn
}

var (
	_ driver.Conn           = (*testConn)(nil)
	_ driver.QueryerContext = (*testConn)(nil)
)

func (c *testConn) QueryContext(_ context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if query != queryTelemetry || len(args) != 0 {
		return nil, fmt.Errorf("testdriver: unknown query %q", query)
	}
	return &boolRow{value: c.tel.Enabled()}, nil
}

func (c *testConn) Prepare(string) (driver.Stmt, error) { return nil, errNotSupported }
func (c *testConn) Begin() (driver.Tx, error)           { return nil, errNotSupported }

func (c *testConn) Close() error {
	c.tel.Close()
	c.connector.closed.Add(1) // after Close: whoever sees the count sees the release sent
	return nil
}

// boolRow is a result of one row holding one bool.
type boolRow struct {
	value bool
	done  bool
}

func (r *boolRow) Columns() []string { return []string{"telemetry"} }
func (r *boolRow) Close() error      { return nil }

func (r *boolRow) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done = true
	dest[0] = r.value
	return nil
}

// telemetryOn runs queryTelemetry on one of db's connections.
func telemetryOn(ctx context.Context, db *sql.DB) (bool, error) {
	var on bool
	err := db.QueryRowContext(ctx, queryTelemetry).Scan(&on)
	return on, err
}
