"""Courses and events: pages, sign-up with waitlist and seminar choices, cancellation by signed
link, and the staff's participant lists."""
