"""The contact page's forms: a general question, a quote request and a demo request (P1, P11)."""
