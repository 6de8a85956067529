"""The smallest stand-in for Shuffle's walkoff_app_sdk: AppBase and how Shuffle invokes one action."""
