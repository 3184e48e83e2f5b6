package telemetry

// TelemetryFlag is the feature flag that turns telemetry on for the Go driver
// when its value is "true".
const TelemetryFlag = "databricks.partnerplatform.clientConfigsFeatureFlags.enableTelemetryForGoDriver"
