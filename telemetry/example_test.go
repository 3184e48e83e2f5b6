package telemetry_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/flagactor/flagactor/telemetry"
)

// connector opens a driver's connections (in a real driver, the
// driver.Connector that sql.OpenDB takes).
type connector struct {
	host     string             // the workspace host, from the DSN
	client   *http.Client       // the driver's authenticated client
	override telemetry.Override // enableTelemetry from the DSN, through telemetry.ParseOverride
}

// Connect opens a connection and its telemetry. telemetry.Open never fails
// the connection, and waits for a slow flag service at most the open wait
// (2s by default).
func (c *connector) Connect(ctx context.Context) (*conn, error) {
	// ... open the session ...
	tel := telemetry.Open(ctx, telemetry.ConnConfig{
		Host:          c.host,
		DriverVersion: "1.2.3",
		Client:        c.client,
		Override:      c.override,
	})
	return &conn{tel: tel}, nil
}

// conn is one connection.
type conn struct {
	tel *telemetry.Conn
}

func (c *conn) query(ctx context.Context, query string) {
	// ... run the query ...
	if !c.tel.Enabled() { // never waits: cheap enough for every query
		fmt.Printf("%s: no telemetry\n", query)
		return
	}
	fmt.Printf("%s: telemetry sent\n", query) // stands in for the driver's telemetry client
}

func (c *conn) Close() error {
	// ... close the session ...
	c.tel.Close()
	return nil
}

func Example() {
	// A stand-in for the workspace's feature-flag service: telemetry on.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/2.0/connector-service/feature-flags/GOLANG/{version}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"flags":[{"name":%q,"value":"true"}],"ttl_seconds":900}`, telemetry.TelemetryFlag)
	})
	workspace := httptest.NewTLSServer(mux)
	defer workspace.Close()
	defer telemetry.Default().Close() // at application shutdown

	ctx := context.Background()
	host, client := workspace.Listener.Addr().String(), workspace.Client()

	// enableTelemetry not set: the workspace's flag decides.
	c := &connector{host: host, client: client}
	cn, _ := c.Connect(ctx)
	cn.query(ctx, "SELECT 1")
	cn.Close()

	// enableTelemetry=false: off, and the flag service is never asked.
	off, _ := telemetry.ParseOverride("false")
	c = &connector{host: host, client: client, override: off}
	cn, _ = c.Connect(ctx)
	cn.query(ctx, "SELECT 2")
	cn.Close()

	// Output:
	// SELECT 1: telemetry sent
	// SELECT 2: no telemetry
}

// A driver adding a feature flag reads it by name on the connection, as
// cheaply as Enabled: the Gate holds every flag of the host.
func ExampleConn_Flag() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/2.0/connector-service/feature-flags/GOLANG/{version}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"flags":[{"name":"databricks.partnerplatform.clientConfigsFeatureFlags.enableArrowForGoDriver","value":"True"}]}`)
	})
	workspace := httptest.NewTLSServer(mux)
	defer workspace.Close()
	gate := telemetry.NewGate()
	defer gate.Close()

	tel := gate.Open(context.Background(), telemetry.ConnConfig{
		Host:          workspace.Listener.Addr().String(),
		DriverVersion: "1.2.3",
		Client:        workspace.Client(),
	})
	defer tel.Close()
	fmt.Println("arrow:", tel.Flag("databricks.partnerplatform.clientConfigsFeatureFlags.enableArrowForGoDriver"))
	fmt.Println("telemetry:", tel.Enabled())
	// Output:
	// arrow: true
	// telemetry: false
}
