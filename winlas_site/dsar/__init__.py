"""The data-protection officer's tool (/dataskydd/): requests from people, and the audit log."""
