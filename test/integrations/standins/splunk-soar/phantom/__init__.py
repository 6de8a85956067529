"""The smallest stand-in for the Splunk SOAR `phantom` package: what a connector imports and how the
platform calls it (_handle_action with the action JSON), nothing more."""
