"""The privacy policy, the cookie policy and the sub-processor list."""
