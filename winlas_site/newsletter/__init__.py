"""The newsletter and the preference centre (P6, P18, P19, P21).

Double opt-in sign-up, one-click unsubscribe (RFC 8058), a preference centre by signed link or
login with separate switches for the newsletter, profiling and email tracking, staff sending,
and open/click measurement only for recipients who agreed to it.
"""
