"""Staff views of the CRM: leads, their contacts, status pipeline, owners and notes (P11)."""
